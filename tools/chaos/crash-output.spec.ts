import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveCrashOutput } from './system';

describe('saveCrashOutput', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chaos-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the whole output of a crashed service in a file named after it', () => {
    const output = 'started\nError: boom\n    at a (x.js:1:1)\n    at b (y.js:2:2)\n';
    const file = saveCrashOutput('payment-gateway', output, join(dir, 'crashes'));
    expect(file).toMatch(/crashes\/payment-gateway-\d{4}-\d\d-\d\dT[\d-]+Z\.log$/);
    expect(readFileSync(file!, 'utf8')).toBe(output);
  });

  it('answers undefined when it cannot write (the crash record stands without it)', () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, '');
    expect(saveCrashOutput('order-service', 'x', join(blocker, 'crashes'))).toBeUndefined();
  });
});
