import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { RabbitMqServer } from './rabbitmq-server';
import { quietLogger } from '../../test/events';

/** Starts the consumer and resolves with what `listen` reported (undefined = started). */
function listen(server: RabbitMqServer): Promise<unknown> {
  return new Promise((resolve) => server.listen((err?: unknown) => resolve(err)));
}

describe('RabbitMqServer start timeout', () => {
  let silent: Server;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // accepts TCP and never answers: a broker that has stopped completing handshakes
    silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('reports an error naming the broker (redacted) when the broker accepts TCP but never completes the handshake', async () => {
    const port = (silent.address() as AddressInfo).port;
    const server = new RabbitMqServer({ url: `amqp://guest:secret@127.0.0.1:${port}`, queue: 'svc', bindings: ['#'], namePrefix: 'start_timeout', startTimeoutMs: 800, logger: quietLogger });
    const started = Date.now();
    const err = await listen(server);
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(
      `RabbitMQ at amqp://guest:***@127.0.0.1:${port} did not accept the consumer of start_timeout.svc within 800 ms (is it running and reachable? set RABBITMQ_URL)`,
    );
    expect((err as Error).message).not.toContain('secret');
    for (const s of sockets) s.destroy(); // else close() waits for the pending handshake to give up
    await server.close();
  });

  it('reports it when nothing listens at all', async () => {
    const server = new RabbitMqServer({ url: 'amqp://guest:guest@127.0.0.1:1', queue: 'svc', bindings: ['#'], startTimeoutMs: 500, logger: quietLogger });
    const err = await listen(server);
    expect((err as Error).message).toMatch(/^RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1 did not accept the consumer of svc within 500 ms/);
    await server.close();
  });
});
