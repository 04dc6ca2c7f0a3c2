import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EventEnvelope } from '@rcp/contracts';
import { TestDatabase, waitFor } from '@rcp/testing';
import { EventPublisher } from '../publisher';
import { MESSAGING_MIGRATIONS } from '../migrations/messaging-tables.migration';
import { InboxService } from '../inbox/inbox.service';
import { MessagingModule } from '../messaging.module';
import { OutboxRelay } from './outbox-relay';
import { OutboxService } from './outbox.service';
import { authRequested, quietLogger } from '../../test/events';
import { OutboxFixture, startOutboxFixture } from '../../test/outbox-fixture';

let fixture: OutboxFixture;
let prefix: string;
let url: string;
let db: TestDatabase;
let dataSource: DataSource;
let publisher: EventPublisher;
let deliveries: Map<string, number>;
const outbox = new OutboxService();
const toStop: { stop(): Promise<void> }[] = [];

function relay(options: ConstructorParameters<typeof OutboxRelay>[2] = {}, pub: EventPublisher = publisher): OutboxRelay {
  const r = new OutboxRelay(dataSource, pub, { pollIntervalMs: 200, logger: quietLogger, ...options });
  toStop.push(r);
  return r;
}

async function addInTransaction(envelopes: EventEnvelope[]): Promise<void> {
  await dataSource.transaction(async (manager) => {
    await manager.query(`INSERT INTO account (name) VALUES ($1)`, [envelopes[0].id]);
    await outbox.add(manager, envelopes);
  });
}

const delivered = (ids: string[]) => fixture.delivered(ids);
const pendingRows = async () => Number((await dataSource.query(`SELECT count(*) AS n FROM outbox_message WHERE published_at IS NULL`))[0].n);

beforeAll(async () => {
  fixture = await startOutboxFixture('msg_outbox');
  ({ prefix, url, db, dataSource, publisher, deliveries } = fixture);
  await dataSource.query(`CREATE TABLE account (name text PRIMARY KEY)`);
});

afterAll(async () => {
  for (const r of toStop) await r.stop();
  await fixture?.close();
});

describe('transactional outbox', () => {
  it('commits state and outbox rows together; a rollback leaves neither and publishes nothing', async () => {
    const rolledBack = authRequested();
    await expect(
      dataSource.transaction(async (manager) => {
        await manager.query(`INSERT INTO account (name) VALUES ('rolled-back')`);
        await outbox.add(manager, [rolledBack]);
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    expect(await dataSource.query(`SELECT * FROM outbox_message WHERE id = $1`, [rolledBack.id])).toEqual([]);
    expect(await dataSource.query(`SELECT * FROM account WHERE name = 'rolled-back'`)).toEqual([]);

    const events = [authRequested(), authRequested()];
    await addInTransaction(events);
    const rows = await dataSource.query(`SELECT id, type, routing_key, payload, headers FROM outbox_message ORDER BY seq`);
    expect(rows.map((r: { id: string }) => r.id)).toEqual(events.map((e) => e.id));
    expect(rows[0]).toMatchObject({ type: 'AuthRequested', routing_key: 'payment.auth.requested', payload: events[0], headers: { 'x-event-version': 1, 'x-shop-id': 'example-shop' } });

    await expect(outbox.add(dataSource.manager, [authRequested()])).rejects.toThrow(/active transaction/);
    const bad = { ...authRequested(), data: { amount: -1 } } as EventEnvelope;
    await expect(dataSource.transaction((m) => outbox.add(m, [bad]))).rejects.toThrow(/Refusing/);

    expect(await relay().flush()).toBe(2);
    await waitFor(() => delivered(events.map((e) => e.id)), 'flushed events delivered');
    expect(deliveries.has(rolledBack.id)).toBe(false);
    expect(await pendingRows()).toBe(0);
  });

  it('wakes on NOTIFY within milliseconds (poll interval 60 s)', async () => {
    const r = relay({ pollIntervalMs: 60_000 });
    r.start();
    await new Promise((res) => setTimeout(res, 300)); // LISTEN established, first pass done
    const e = authRequested();
    const started = Date.now();
    await addInTransaction([e]);
    await waitFor(() => delivered([e.id]), 'notified relay publishes', 5000);
    expect(Date.now() - started).toBeLessThan(2000);
    await r.stop();
  });

  it('runs one pass per notified transaction, not a second empty one', async () => {
    const r = relay({ pollIntervalMs: 60_000 });
    const passes: number[] = [];
    const relayOnce = r.relayOnce.bind(r);
    r.relayOnce = async () => {
      const n = await relayOnce();
      passes.push(n);
      return n;
    };
    r.start();
    await new Promise((res) => setTimeout(res, 300)); // LISTEN established, first pass done
    passes.length = 0;
    const e = authRequested();
    await addInTransaction([e]);
    await waitFor(() => delivered([e.id]), 'notified relay publishes', 5000);
    await new Promise((res) => setTimeout(res, 300));
    expect(passes).toEqual([1]);
    await r.stop();
  });

  // Regression: a terminated LISTEN connection was released twice (error event + failed query / stop), and the second
  // release threw inside an event handler, killing the process.
  it('survives its LISTEN connection being terminated, reconnects and still wakes on NOTIFY', async () => {
    const crashes: unknown[] = [];
    const onUncaught = (err: unknown) => crashes.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const r = relay({ pollIntervalMs: 60_000 });
      r.start();
      const listeners = async () =>
        (await dataSource.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`)) as { pid: number }[];
      const first = await waitFor(async () => ((await listeners()).length ? await listeners() : undefined), 'the relay LISTENs', 5000);
      for (const { pid } of first) await dataSource.query(`SELECT pg_terminate_backend($1)`, [pid]);
      await waitFor(async () => (await listeners()).some((l) => !first.some((f) => f.pid === l.pid)), 'a new LISTEN connection', 10_000);
      const e = authRequested();
      await addInTransaction([e]);
      await waitFor(() => delivered([e.id]), 'the reconnected relay publishes on NOTIFY', 5000);
      await r.stop();
      expect(crashes).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('survives an unreachable broker and catches up once it is back; nothing lost', async () => {
    const dead = new EventPublisher({ url: 'amqp://guest:guest@127.0.0.1:1', confirmTimeoutMs: 200, connectionName: `${prefix}-dead`, logger: quietLogger });
    const r = relay({ maxBackoffMs: 300 }, dead);
    r.start();
    const events = Array.from({ length: 5 }, () => authRequested());
    await addInTransaction(events);
    await waitFor(async () => {
      const rows = await dataSource.query(`SELECT attempts, last_error FROM outbox_message WHERE id = $1`, [events[0].id]);
      return rows[0]?.attempts >= 2 && rows[0].last_error ? rows : undefined;
    }, 'failed attempts recorded');
    expect(r.isRunning).toBe(true);
    expect(await pendingRows()).toBe(5);
    expect(await r.oldestUnpublishedAgeMs()).toBeGreaterThan(0);
    await r.stop();
    await dead.close();

    const good = relay();
    good.start();
    await waitFor(() => delivered(events.map((e) => e.id)), 'caught up after the broker came back');
    // the sink may see the messages before the relay's transaction marking them published has committed
    await waitFor(async () => (await pendingRows()) === 0, 'rows marked published');
    expect(await good.oldestUnpublishedAgeMs()).toBe(0);
    await good.stop();
  });

  it('two relays over one table publish every row exactly once', async () => {
    const a = relay({ batchSize: 7, pollIntervalMs: 50 });
    const b = relay({ batchSize: 7, pollIntervalMs: 50 });
    a.start();
    b.start();
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const batch = [authRequested(), authRequested(), authRequested(), authRequested()];
      ids.push(...batch.map((e) => e.id));
      await addInTransaction(batch);
    }
    await waitFor(() => ids.every((id) => deliveries.has(id)), 'all 120 delivered', 20_000);
    await new Promise((res) => setTimeout(res, 500));
    expect(ids.filter((id) => deliveries.get(id) !== 1)).toEqual([]);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('prunes published rows', async () => {
    await addInTransaction([authRequested()]);
    const r = relay({ retainPublishedMs: 0 });
    expect(await r.flush()).toBe(1);
    await new Promise((res) => setTimeout(res, 5));
    expect(await r.prunePublished()).toBeGreaterThan(0);
    expect(Number((await dataSource.query(`SELECT count(*) AS n FROM outbox_message`))[0].n)).toBe(0);
  });
});

describe('inbox', () => {
  it('runs the effect once for a message delivered twice (also concurrently) and rolls back failed effects', async () => {
    const inbox = new InboxService(dataSource, { pruneIntervalMs: 0 });
    await dataSource.query(`CREATE TABLE effect (message_id uuid, n serial)`);
    const effect = (id: string) => async (m: import('typeorm').EntityManager) => {
      await m.query(`INSERT INTO effect (message_id) VALUES ($1)`, [id]);
      return 'done';
    };
    const e = authRequested();
    expect(await inbox.process('gateway', e, effect(e.id))).toEqual({ duplicate: false, result: 'done' });
    expect(await inbox.process('gateway', e, effect(e.id))).toEqual({ duplicate: true });
    expect(await inbox.process('audit', e, effect(e.id))).toEqual({ duplicate: false, result: 'done' });

    const c = authRequested();
    const both = await Promise.all([inbox.process('gateway', c, effect(c.id)), inbox.process('gateway', c, effect(c.id))]);
    expect(both.filter((r) => r.duplicate)).toHaveLength(1);

    const f = authRequested();
    await expect(inbox.process('gateway', f, async (m) => { await effect(f.id)(m); throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await inbox.isProcessed('gateway', f.id)).toBe(false);
    expect(await inbox.process('gateway', f, effect(f.id))).toEqual({ duplicate: false, result: 'done' });

    const counts = await dataSource.query(`SELECT message_id, count(*)::int AS n FROM effect GROUP BY message_id`);
    expect(Object.fromEntries(counts.map((r: { message_id: string; n: number }) => [r.message_id, r.n]))).toEqual({ [e.id]: 2, [c.id]: 1, [f.id]: 1 });
    await dataSource.query(`UPDATE inbox_message SET processed_at = now() - interval '8 days' WHERE message_id = $1`, [e.id]);
    expect(await inbox.prune()).toBe(2);
    expect(await inbox.isProcessed('gateway', e.id)).toBe(false);
  });
});

describe('MessagingModule', () => {
  it('wires publisher, outbox (relay started on bootstrap, flushed on shutdown) and inbox from the DataSource', async () => {
    @Module({
      imports: [
        TypeOrmModule.forRoot({ type: 'postgres', url: db.url, migrations: MESSAGING_MIGRATIONS, migrationsRun: true }),
        MessagingModule.forRoot({ url, namePrefix: prefix, connectionName: prefix, outbox: { enabled: true, pollIntervalMs: 60_000 }, logger: quietLogger }),
      ],
    })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    let closed = false;
    try {
      await app.init();
      const ds = app.get(DataSource);
      const e = authRequested();
      const service = app.get(OutboxService);
      await ds.transaction((m) => service.add(m, [e]));
      await waitFor(() => delivered([e.id]), 'module relay publishes', 30_000);
      expect((await app.get(InboxService).process('module', e, async () => 1)).duplicate).toBe(false);
      const late = authRequested();
      await ds.transaction((m) => service.add(m, [late]));
      await app.close();
      closed = true;
      await waitFor(() => delivered([late.id]), 'published by the relay or its shutdown flush');
    } finally {
      if (!closed) await app.close();
    }
  });
});
