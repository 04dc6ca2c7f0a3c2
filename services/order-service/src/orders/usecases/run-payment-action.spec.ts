import { DataSource, type EntityManager } from 'typeorm';
import { RunPaymentAction, ACTION_CHUNK_SIZE } from './run-payment-action';
import { OrderStore, WriteBatch } from '../order-store';
import { OrderEntity } from '../../database/entities/order.entity';
import { ApiLogEntity, OrderStatusHistoryEntity, PaymentTagHistoryEntity } from '../../database/entities/history.entities';

/** Fake transaction runner: counts transactions; a transaction whose callback throws "rolls back" its writes. */
function fakeDataSource() {
  const committed: string[] = [];
  let transactions = 0;
  const ds = {
    transaction: async <T>(fn: (m: EntityManager) => Promise<T>): Promise<T> => {
      transactions++;
      const writes: string[] = [];
      const manager = { writes } as unknown as EntityManager;
      const out = await fn(manager);
      committed.push(...writes);
      return out;
    },
  } as unknown as DataSource;
  return { ds, committed, transactions: () => transactions };
}

/** Fake store: every order exists; `bad` orders make the workflow throw. */
function fakeStore(bad: Set<string>) {
  const lockCalls: string[][] = [];
  let flushes = 0;
  let settingsReads = 0;
  const store = {
    lockMany: async (_m: EntityManager, _shop: string, numbers: string[]) => {
      lockCalls.push(numbers);
      return new Map(numbers.map((n) => [n, { orderNumber: n, paymentTag: null } as unknown as OrderEntity]));
    },
    settingsOf: async () => {
      settingsReads++;
      return {};
    },
    workflow: async (_m: EntityManager, order: OrderEntity) => ({
      runAction: () => {
        if (bad.has(order.orderNumber)) throw new Error(`boom ${order.orderNumber}`);
        return { outcome: 'accepted', operation: 'auth', operationId: `op-${order.orderNumber}` };
      },
    }),
    save: async (m: EntityManager & { writes: string[] }, order: OrderEntity, _wf: unknown, _meta: unknown, _extra: unknown, batch?: WriteBatch) => {
      expect(batch).toBeInstanceOf(WriteBatch); // rows of the chunk are written together
      m.writes.push(order.orderNumber);
      return order;
    },
    flush: async () => void flushes++,
  } as unknown as OrderStore;
  return { store, lockCalls, flushes: () => flushes, settingsReads: () => settingsReads };
}

const audit = { recordCurrent: async () => true } as never;
const numbers = (n: number) => Array.from({ length: n }, (_, i) => `123456-20260101-${String(i).padStart(8, '0')}`);

describe('RunPaymentAction (bulk)', () => {
  it('runs a chunk of orders per transaction, locking each chunk in one statement, and keeps per-order outcomes', async () => {
    const { ds, committed, transactions } = fakeDataSource();
    const f = fakeStore(new Set());
    const n = ACTION_CHUNK_SIZE * 2 + 3;
    const out = await new RunPaymentAction(ds, f.store, audit).execute('shop-1', 'authorize' as never, [...numbers(n), numbers(1)[0]!], 'op');
    expect(transactions()).toBe(3);
    expect(f.lockCalls.map((c) => c.length)).toEqual([ACTION_CHUNK_SIZE, ACTION_CHUNK_SIZE, 3]);
    expect(f.flushes()).toBe(3);
    expect(f.settingsReads()).toBe(3);
    expect(out.results.map((r) => r.orderNumber)).toEqual(numbers(n)); // duplicates once, request order
    expect(out.results.every((r) => r.outcome === 'accepted')).toBe(true);
    expect(committed).toEqual(numbers(n));
  });

  it('redoes a failing chunk one order per transaction: orders before the bad one commit, none is half-written', async () => {
    const { ds, committed } = fakeDataSource();
    const all = numbers(5);
    const f = fakeStore(new Set([all[3]!]));
    await expect(new RunPaymentAction(ds, f.store, audit).execute('shop-1', 'authorize' as never, all, 'op')).rejects.toThrow(`boom ${all[3]}`);
    expect(committed).toEqual(all.slice(0, 3)); // the rolled-back chunk left nothing; then 0,1,2 committed alone
  });
});

describe('WriteBatch', () => {
  it('writes history rows, API log rows and events of many orders with one statement each', async () => {
    const inserts: [unknown, number][] = [];
    const manager = { insert: async (entity: unknown, rows: unknown[]) => void inserts.push([entity, rows.length]) } as unknown as EntityManager;
    const outboxCalls: number[] = [];
    const outbox = { add: async (_m: EntityManager, e: unknown[]) => void outboxCalls.push(e.length) };
    const b = new WriteBatch();
    for (let i = 0; i < 10; i++) {
      b.tagRows.push({ cause: 'x' });
      b.tagRows.push({ cause: 'y' });
      b.statusRows.push({ cause: 'x' });
      b.apiRows.push({ operation: 'auth' });
      b.envelopes.push({} as never, {} as never);
    }
    await b.flush(manager, outbox as never);
    expect(inserts).toEqual([
      [PaymentTagHistoryEntity, 20],
      [OrderStatusHistoryEntity, 10],
      [ApiLogEntity, 10],
    ]);
    expect(outboxCalls).toEqual([20]);
    await b.flush(manager, outbox as never); // emptied: nothing more
    expect(inserts).toHaveLength(3);
  });
});

describe('OrderStore.save of a loaded order', () => {
  it('updates only the columns that changed, in one statement', async () => {
    const ds = new DataSource({ type: 'postgres', entities: [OrderEntity, PaymentTagHistoryEntity, OrderStatusHistoryEntity, ApiLogEntity] });
    await (ds as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
    const sets: Record<string, unknown>[] = [];
    const qb = {
      update: () => qb,
      set: (v: Record<string, unknown>) => (sets.push(v), qb),
      where: () => qb,
      returning: () => qb,
      execute: async () => ({ raw: [{ updated_at: new Date() }] }),
    };
    const inserts: unknown[] = [];
    const manager = {
      connection: ds,
      createQueryBuilder: () => qb,
      save: async () => {
        throw new Error('a loaded order must not go through save (select + update)');
      },
      insert: async (e: unknown) => void inserts.push(e),
    } as unknown as EntityManager;
    const outbox = { add: jest.fn() };
    const store = new OrderStore(outbox as never, { now: () => new Date() } as never, {} as never);
    const order = Object.assign(new OrderEntity(), {
      id: '0b7c5a5e-8a43-4a55-9d3c-8f6f0c1f7a10',
      shopId: 's',
      orderNumber: 'n',
      status: '新規受付',
      paymentTag: null,
      plan: ['auth'],
      lastError: null,
      authorizedAt: new Date('2026-01-01T00:00:00Z'),
    });
    store.track(manager, order);
    order.paymentTag = 'オーソリ待ち' as never;
    order.authorizedAt = new Date('2026-01-01T00:00:00Z'); // same instant, new object: unchanged
    order.plan = ['auth']; // equal value: unchanged
    await store.save(manager, order, { tagChanges: [], statusChanges: [], requests: [] } as never, {});
    expect(sets).toEqual([{ paymentTag: 'オーソリ待ち' }]);
    await store.save(manager, order, { tagChanges: [], statusChanges: [], requests: [] } as never, {});
    expect(sets).toHaveLength(1); // nothing changed since: no statement
    expect(inserts).toEqual([]);
    expect(outbox.add).not.toHaveBeenCalled();
  });
});
