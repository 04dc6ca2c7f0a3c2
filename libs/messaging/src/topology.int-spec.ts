import { connect, type ChannelModel } from 'amqplib';
import { testRabbitUrl, uniqueName } from '@rcp/testing';
import { declareTopology, deletePrefixedTopology, resolveTopology } from './topology';

describe('deletePrefixedTopology (real RabbitMQ)', () => {
  let connection: ChannelModel;

  beforeAll(async () => {
    connection = await connect(testRabbitUrl());
  });

  afterAll(async () => {
    await connection?.close();
  });

  /** True when the queue exists (a passive declare of a missing queue closes the channel, so each check gets its own). */
  async function exists(queue: string): Promise<boolean> {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    try {
      await channel.checkQueue(queue);
      await channel.close();
      return true;
    } catch {
      return false;
    }
  }

  it('deletes every queue declareTopology declared for a prefixed consumer, and nothing else', async () => {
    const namePrefix = uniqueName('msgdel');
    const options = { namePrefix, queue: 'svc', bindings: ['payment.#'], retryDelaysMs: [50, 100] };
    const other = { namePrefix, queue: 'other', retryDelaysMs: [50] };
    const channel = await connection.createChannel();
    await declareTopology(channel, options);
    await declareTopology(channel, other);
    const consumer = resolveTopology(options).consumer!;
    const declared = [consumer.queue, consumer.dlq, ...consumer.retryTiers.flatMap((t) => t.queues.map((q) => q.name))];
    expect(declared).toHaveLength(2 + 2 * 3);
    for (const q of declared) expect(await exists(q)).toBe(true);

    const deleted = await deletePrefixedTopology(channel, options);

    expect(deleted.sort()).toEqual([...declared].sort());
    for (const q of declared) expect(await exists(q)).toBe(false);
    expect(await exists(resolveTopology(other).consumer!.queue)).toBe(true);
    // deleting again is a no-op, not an error
    await expect(deletePrefixedTopology(channel, options)).resolves.toHaveLength(declared.length);
    await deletePrefixedTopology(channel, other);
    await channel.close();
  });

  it('refuses an unprefixed (production) topology', async () => {
    const channel = { deleteQueue: jest.fn() };
    await expect(deletePrefixedTopology(channel, { queue: 'order-service' })).rejects.toThrow('only deletes prefixed');
    expect(channel.deleteQueue).not.toHaveBeenCalled();
  });
});
