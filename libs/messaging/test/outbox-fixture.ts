import { DataSource } from 'typeorm';
import { EventEnvelope } from '@rcp/contracts';
import { TestDatabase, createTestDatabase, testRabbitUrl, uniqueName } from '@rcp/testing';
import { EventPublisher } from '../src/publisher';
import { RabbitMqServer } from '../src/consumer/rabbitmq-server';
import { MESSAGING_MIGRATIONS } from '../src/migrations/messaging-tables.migration';
import { quietLogger } from './events';

/** A migrated database, a publisher and a sink queue counting the AuthRequested deliveries by event id. */
export interface OutboxFixture {
  url: string;
  prefix: string;
  db: TestDatabase;
  dataSource: DataSource;
  publisher: EventPublisher;
  sink: RabbitMqServer;
  /** Deliveries per event id seen by the sink. */
  deliveries: Map<string, number>;
  /** True when every id was delivered exactly once. */
  delivered(ids: string[]): boolean;
  close(): Promise<void>;
}

/** Starts the real PostgreSQL database (messaging migrations applied) and RabbitMQ publisher + sink of an outbox test. */
export async function startOutboxFixture(name: string): Promise<OutboxFixture> {
  const url = testRabbitUrl();
  const prefix = uniqueName(name.replace(/_/g, ''));
  const db = await createTestDatabase(name);
  const dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: MESSAGING_MIGRATIONS, poolSize: 10 });
  await dataSource.initialize();
  await dataSource.runMigrations();
  const publisher = new EventPublisher({ url, namePrefix: prefix, connectionName: prefix, logger: quietLogger });
  const deliveries = new Map<string, number>();
  const sink = new RabbitMqServer({ url, namePrefix: prefix, queue: 'sink', bindings: ['payment.auth.requested'], connectionName: prefix, logger: quietLogger, retryDelaysMs: [50] });
  sink.addHandler('AuthRequested', (async (e: EventEnvelope) => void deliveries.set(e.id, (deliveries.get(e.id) ?? 0) + 1)) as never, true);
  await new Promise<void>((resolve, reject) => sink.listen((err?: unknown) => (err ? reject(err) : resolve())));
  return {
    url,
    prefix,
    db,
    dataSource,
    publisher,
    sink,
    deliveries,
    delivered: (ids) => ids.every((id) => deliveries.get(id) === 1),
    async close() {
      await sink.close();
      await publisher.close();
      await dataSource.destroy();
      await db.drop();
    },
  };
}
