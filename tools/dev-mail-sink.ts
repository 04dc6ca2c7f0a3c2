// A local SMTP sink for `npm start`: accepts every mail and writes it to tmp/mail/<time>.eml. Development only.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface DevMailSink {
  port: number;
  dir: string;
  close(): Promise<void>;
}

export function startDevMailSink(port: number, dir: string): Promise<DevMailSink> {
  mkdirSync(dir, { recursive: true });
  let seq = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        writeFileSync(join(dir, `${Date.now()}-${++seq}.eml`), Buffer.concat(chunks));
        callback();
      });
    },
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ port, dir, close: () => new Promise<void>((r) => server.close(() => r())) }));
  });
}
