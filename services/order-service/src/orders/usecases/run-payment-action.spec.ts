import { DataSource, type EntityManager } from 'typeorm';
import { RunPaymentAction, ACTION_CHUNK_SIZE } from './run-payment-action';
import { OrderStore, WriteBatch } from '../order-store';
import { OrderEntity } from '../../database/entities/order.entity';

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
  const store = {
    lockMany: async (_m: EntityManager, _shop: string, numbers: string[]) => {
      lockCalls.push(numbers);
      return new Map(numbers.map((n) => [n, { orderNumber: n, paymentTag: null } as unknown as OrderEntity]));
    },
    workflow: async (_m: EntityManager, order: OrderEntity, settings?: unknown) => {
      expect(settings).toBeUndefined(); // the store has them from lockMany's statement: no read of their own
      return {
        runAction: () => {
          if (bad.has(order.orderNumber)) throw new Error(`boom ${order.orderNumber}`);
          return { outcome: 'accepted', operation: 'auth', operationId: `op-${order.orderNumber}` };
        },
      };
    },
    save: async (m: EntityManager & { writes: string[] }, order: OrderEntity, _wf: unknown, _meta: unknown, _extra: unknown, batch?: WriteBatch) => {
      expect(batch).toBeInstanceOf(WriteBatch); // rows of the chunk are written together
      m.writes.push(order.orderNumber);
      return order;
    },
    flush: async () => void flushes++,
  } as unknown as OrderStore;
  return { store, lockCalls, flushes: () => flushes };
}

const audit = { currentRow: () => undefined } as never; // outside an HTTP request: no audit rows
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
