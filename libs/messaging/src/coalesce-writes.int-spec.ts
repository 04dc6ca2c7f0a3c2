import type { ConfirmChannel } from 'amqplib';
import { testRabbitUrl, uniqueName } from '@rcp/testing';
import { connectBroker } from './connection';
import { coalesceFrameWrites } from './coalesce-writes';
import { quietLogger } from '../test/events';

type Socket = { _write: (...a: unknown[]) => unknown; _writev?: (...a: unknown[]) => unknown };

describe('coalesced frame writes (real RabbitMQ)', () => {
  it('sends the publishes of one event-loop turn with one socket write, all confirmed and in order', async () => {
    const name = uniqueName('coalesce');
    const manager = connectBroker({ url: testRabbitUrl(), connectionName: name, logger: quietLogger });
    const received: string[] = [];
    const wrapper = manager.createChannel({
      confirm: true,
      setup: async (ch: ConfirmChannel) => {
        await ch.assertQueue(name, { exclusive: true });
        await ch.consume(name, (m) => m && received.push(m.content.toString()), { noAck: true });
      },
    });
    try {
      await wrapper.waitForConnect();
      const socket = (manager.connection as unknown as { connection: { stream: Socket } }).connection.stream;
      let writes = 0;
      const write = socket._write.bind(socket);
      socket._write = (...a: unknown[]) => (writes++, write(...a));
      const writev = socket._writev?.bind(socket);
      if (writev) socket._writev = (...a: unknown[]) => (writes++, writev(...a));

      const bodies = Array.from({ length: 20 }, (_, i) => `m${i}`);
      const channel = (wrapper as unknown as { _channel: ConfirmChannel })._channel;
      const confirmed = bodies.map((b) => new Promise<void>((resolve, reject) => channel.sendToQueue(name, Buffer.from(b), {}, (err) => (err ? reject(err) : resolve()))));
      await Promise.all(confirmed);
      expect(writes).toBe(1);

      const deadline = Date.now() + 5000;
      while (received.length < bodies.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(received).toEqual(bodies);
    } finally {
      await wrapper.close();
      await manager.close();
    }
  });

  it('changes nothing on a connection that is not amqplib-shaped', () => {
    expect(coalesceFrameWrites(undefined)).toBe(false);
    expect(coalesceFrameWrites({ connection: { muxer: { out: {} } } })).toBe(false);
  });
});
