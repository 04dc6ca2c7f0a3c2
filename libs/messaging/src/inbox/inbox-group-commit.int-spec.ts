import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { TestDatabase, createTestDatabase } from '@rcp/testing';
import { MESSAGING_MIGRATIONS } from '../migrations/messaging-tables.migration';
import { quietLogger } from '../../test/events';
import { InboxService } from './inbox.service';

let db: TestDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  db = await createTestDatabase('msg_inbox_group');
  dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: MESSAGING_MIGRATIONS, poolSize: 10 });
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.query(`CREATE TABLE effect (seq serial PRIMARY KEY, message_id uuid NOT NULL, txid bigint NOT NULL, label text)`);
});

afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

/** An effect that records which transaction ran it (and an optional label). */
const record = (id: string, label: string | null = null) => async (m: EntityManager) => {
  const [row] = await m.query(`INSERT INTO effect (message_id, txid, label) VALUES ($1, txid_current(), $2) RETURNING txid`, [id, label]);
  return String(row.txid);
};

const effects = async (ids: string[]) =>
  (await dataSource.query(`SELECT message_id, txid::text AS txid, label FROM effect WHERE message_id = ANY($1::uuid[]) ORDER BY seq`, [ids])) as {
    message_id: string;
    txid: string;
    label: string | null;
  }[];

const grouped = (maxMessages: number, maxTransactions = 2) => new InboxService(dataSource, { pruneIntervalMs: 0, groupCommit: { maxMessages, maxTransactions }, logger: quietLogger });

describe('inbox group commit', () => {
  it('runs messages that arrive together in one transaction, in arrival order, each once', async () => {
    const inbox = grouped(20, 1);
    const ids = Array.from({ length: 8 }, () => randomUUID());
    const results = await Promise.all(ids.map((id, i) => inbox.process('orders', id, record(id, String(i)))));
    expect(results.every((r) => !r.duplicate)).toBe(true);
    const rows = await effects(ids);
    expect(rows.map((r) => r.message_id)).toEqual(ids);
    expect(new Set(rows.map((r) => r.txid)).size).toBe(1);
    // each caller gets its own effect's result
    expect(results.map((r) => (r.duplicate ? null : r.result))).toEqual(rows.map((r) => r.txid));
  });

  it('lets a claim hook run the claim in a statement of its own, in the group transaction, before the effects', async () => {
    const inbox = grouped(20, 1);
    const calls: { envelopes: string[]; txid: string; effectsBefore: number; claimed: number }[] = [];
    const ids = Array.from({ length: 4 }, () => randomUUID());
    inbox.claimWith(async (m, claim, envelopes) => {
      const rows: { consumer: string; message_id: string; txid: string; n: number }[] = await m.query(
        `WITH inbox_claim AS (${claim.sql}), tx AS (SELECT txid_current()::text AS txid, (SELECT count(*)::int FROM effect WHERE message_id = ANY($3::uuid[])) AS n)
         SELECT c.consumer, c.message_id, tx.txid, tx.n FROM tx LEFT JOIN inbox_claim c ON true`,
        [...claim.params, ids],
      );
      const claimed = rows.filter((r) => r.message_id !== null);
      calls.push({ envelopes: envelopes.map((e) => e.id), txid: rows[0]!.txid, effectsBefore: rows[0]!.n, claimed: claimed.length });
      return claimed;
    });
    const envelope = (id: string) => ({ id, type: 'OrderShipped', version: 1, occurredAt: new Date().toISOString(), correlationId: id, causationId: null, shopId: 'shop-1', data: {} });
    // ids[0] was processed before: the hook still gets its envelope (which messages are new is what the claim tells)
    // and its effect does not run again; a message given by id only has no envelope to hand over
    expect(await inbox.process('orders', ids[0]!, record(ids[0]!))).toMatchObject({ duplicate: false });
    calls.length = 0;
    const results = await Promise.all([
      inbox.process('orders', envelope(ids[0]!), record(ids[0]!)),
      inbox.process('orders', envelope(ids[1]!), record(ids[1]!)),
      inbox.process('orders', envelope(ids[2]!), record(ids[2]!)),
      inbox.process('orders', ids[3]!, record(ids[3]!)),
    ]);
    expect(results.map((r) => r.duplicate)).toEqual([true, false, false, false]);
    expect(calls).toEqual([{ envelopes: [ids[0], ids[1], ids[2]], txid: expect.any(String), effectsBefore: 1, claimed: 3 }]);
    const rows = await effects(ids);
    expect(rows.map((r) => r.message_id)).toEqual(ids); // ids[0] once (before), the others once
    expect(rows.slice(1).map((r) => r.txid)).toEqual([calls[0]!.txid, calls[0]!.txid, calls[0]!.txid]);
    // a group of one new message goes through the hook too
    const lone = randomUUID();
    expect(await inbox.process('orders', envelope(lone), record(lone))).toMatchObject({ duplicate: false });
    expect(calls).toHaveLength(2);
    expect(calls[1]).toMatchObject({ envelopes: [lone], claimed: 1 });
  });

  it('runs the claim itself when the hook declines a group', async () => {
    const inbox = grouped(20, 1);
    let asked = 0;
    inbox.claimWith(async () => {
      asked++;
      return undefined;
    });
    const id = randomUUID();
    expect(await inbox.process('orders', id, record(id))).toMatchObject({ duplicate: false });
    expect(await inbox.process('orders', id, record(id))).toMatchObject({ duplicate: true });
    expect(asked).toBe(2);
    expect((await effects([id])).length).toBe(1);
  });

  it('caps a transaction at maxMessages and keeps at most maxTransactions open', async () => {
    const inbox = grouped(3, 2);
    let open = 0;
    let mostOpen = 0;
    const ids = Array.from({ length: 10 }, () => randomUUID());
    await Promise.all(
      ids.map((id) =>
        inbox.process('orders', id, async (m) => {
          open++;
          mostOpen = Math.max(mostOpen, open);
          try {
            await new Promise((r) => setTimeout(r, 20));
            return await record(id)(m);
          } finally {
            open--;
          }
        }),
      ),
    );
    const perTx = new Map<string, number>();
    for (const r of await effects(ids)) perTx.set(r.txid, (perTx.get(r.txid) ?? 0) + 1);
    expect([...perTx.values()].reduce((a, b) => a + b, 0)).toBe(10);
    expect(Math.max(...perTx.values())).toBeLessThanOrEqual(3);
    expect(perTx.size).toBeGreaterThanOrEqual(4);
    expect(mostOpen).toBeLessThanOrEqual(2);
  });

  it('reports a message already processed, or repeated within the group, as duplicate without running it again', async () => {
    const inbox = grouped(20);
    const done = randomUUID();
    expect(await inbox.process('orders', done, record(done))).toMatchObject({ duplicate: false });
    const twice = randomUUID();
    const results = await Promise.all([
      inbox.process('orders', done, record(done)),
      inbox.process('orders', twice, record(twice)),
      inbox.process('orders', twice.toUpperCase(), record(twice)),
      inbox.process('audit', done, record(done)),
    ]);
    expect(results.map((r) => r.duplicate)).toEqual([true, false, true, false]);
    expect((await effects([done])).length).toBe(2); // once for orders, once for audit
    expect((await effects([twice])).length).toBe(1);
  });

  it('a failing message fails alone: the others commit once, its own error reaches its caller, its inbox row is not kept', async () => {
    const inbox = grouped(20, 1);
    const good = [randomUUID(), randomUUID(), randomUUID()];
    const bad = randomUUID();
    class Rejected extends Error {}
    const outcomes = await Promise.allSettled([
      inbox.process('orders', good[0]!, record(good[0]!)),
      inbox.process('orders', bad, async (m) => {
        await record(bad)(m);
        throw new Rejected('not this one');
      }),
      inbox.process('orders', good[1]!, record(good[1]!)),
      inbox.process('orders', good[2]!, record(good[2]!)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(Rejected);
    const rows = await effects([...good, bad]);
    expect(rows.map((r) => r.message_id).sort()).toEqual([...good].sort());
    expect(await inbox.isProcessed('orders', bad)).toBe(false);
    for (const id of good) expect(await inbox.isProcessed('orders', id)).toBe(true);
  });

  it('runs each effect in the async context of its own process call', async () => {
    const inbox = grouped(20, 1);
    const storage = new AsyncLocalStorage<string>();
    const ids = Array.from({ length: 5 }, () => randomUUID());
    const seen = await Promise.all(
      ids.map((id) =>
        storage.run(id, () =>
          inbox.process('orders', id, async (m) => {
            await m.query('SELECT 1');
            return storage.getStore();
          }),
        ),
      ),
    );
    expect(seen.map((r) => (r.duplicate ? null : r.result))).toEqual(ids);
  });
});
