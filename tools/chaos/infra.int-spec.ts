import { connect, type ChannelModel } from 'amqplib';
import { Client } from 'pg';
import { createTestDatabase, testRabbitUrl, uniqueName, type TestDatabase } from '@rcp/testing';
import { describeUnacked } from './infra';

describe('describeUnacked (real RabbitMQ and PostgreSQL)', () => {
  let amqp: ChannelModel;
  let db: TestDatabase;
  let client: Client;
  const queue = uniqueName('chaos-unacked');

  beforeAll(async () => {
    amqp = await connect(testRabbitUrl());
    db = await createTestDatabase('chaos_unacked');
    client = new Client({ connectionString: db.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end().catch(() => undefined);
    await db?.drop();
    await amqp?.close();
  });

  it('names the consumer holding unacked messages and the backend inside a transaction', async () => {
    const ch = await amqp.createChannel();
    await ch.assertQueue(queue, { exclusive: true });
    await ch.prefetch(7);
    ch.sendToQueue(queue, Buffer.from('a'));
    ch.sendToQueue(queue, Buffer.from('b'));
    let delivered = 0;
    await ch.consume(queue, () => void delivered++, { noAck: false, consumerTag: 'held-by-test' });
    await client.query('BEGIN');
    await client.query('SELECT 1');
    for (let i = 0; i < 50 && delivered < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect(delivered).toBe(2);

    let lines: string[] = [];
    // the broker's channel statistics are refreshed every few seconds
    for (let i = 0; i < 40; i++) {
      lines = await describeUnacked([queue], [db.name]);
      if (lines.some((l) => l.includes('2 unacked'))) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^consumer held-by-test on ${queue}: channel .+, 2 unacked, prefetch 7$`)),
        expect.stringMatching(new RegExp(`^backend \\d+ \\(${db.name}, client port \\d+\\): idle in transaction, waiting Client/ClientRead, transaction \\d+ ms: SELECT 1$`)),
      ]),
    );
    await client.query('ROLLBACK');
    await ch.close();
  });

  it('says so when nothing holds anything', async () => {
    const lines = await describeUnacked([`${queue}-none`], [db.name]);
    expect(lines).toEqual([`no consumers on ${queue}-none`, 'no database backend of ours is in a transaction']);
  });
});
