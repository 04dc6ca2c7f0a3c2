import type { DataSource } from 'typeorm';
import type { OperationRow } from '../ledger/ledger';
import type { ResultWriter } from '../results/result-writer';
import type { SubmitOutcome, Submitter } from '../submission/submitter';
import { Resubmitter } from './resubmitter';

const op = (id: string, resubmissions = 0, attempts = 1): OperationRow =>
  ({ operation_id: id, shop_id: 'shop', order_number: `order-${id}`, kind: 'auth', state: 'requeued', attempts, resubmissions }) as unknown as OperationRow;

/** A card API that fails every request carrying one of `poisoned` (request-level, like an HTTP 500), or every request. */
function world(rows: OperationRow[], fails: (ids: string[]) => string | undefined) {
  const batches: string[][] = [];
  const counted: string[][] = [];
  const delays: number[][] = [];
  const deadLettered: { ids: string[]; reason: string }[] = [];
  const manager = {
    query: async (_sql: string, params: unknown[]) => {
      counted.push(params[0] as string[]);
      delays.push(params[2] as number[]);
      return [];
    },
  };
  const dataSource = {
    query: async () => rows,
    transaction: async (fn: (m: unknown) => Promise<unknown>) => fn(manager),
  } as unknown as DataSource;
  const submitter = {
    submitBatch: async (_shop: string, _kind: string, ids: string[]): Promise<SubmitOutcome[]> => {
      batches.push(ids);
      const error = fails(ids);
      return ids.map(() => (error ? { kind: 'retry', error } : { kind: 'submitted' }));
    },
  } as unknown as Submitter;
  const results = {
    deadLetter: async (_m: unknown, ops: OperationRow[], reason: string) => {
      if (ops.length) deadLettered.push({ ids: ops.map((o) => o.operation_id), reason });
    },
  } as unknown as ResultWriter;
  const resubmitter = new Resubmitter(dataSource, submitter, results, { maxAttempts: 2, batchSize: 10, leaseMs: 1000, retryDelaysMs: [100, 400] });
  return { resubmitter, batches, counted, deadLettered, delays };
}

describe('Resubmitter', () => {
  it('resubmits requeued operations of a shop and kind in one batch', async () => {
    const w = world([op('a'), op('b'), op('c')], () => undefined);
    expect(await w.resubmitter.runOnce()).toBe(3);
    expect(w.batches).toEqual([['a', 'b', 'c']]);
    expect(w.counted).toEqual([]);
    expect(w.deadLettered).toEqual([]);
  });

  it('splits a failing batch down to the poisonous operation: only it is counted and dead-lettered (F1)', async () => {
    const rows = ['a', 'b', 'c', 'd', 'e'].map((id) => op(id, 1)); // each on its last round
    const w = world(rows, (ids) => (ids.includes('d') ? 'authori: SOAP fault S:Server: Internal Server Error (HTTP 500)' : undefined));
    await w.resubmitter.runOnce();
    expect(w.batches[0]).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(w.batches).toEqual([['a', 'b', 'c', 'd', 'e'], ['a', 'b', 'c'], ['d', 'e'], ['d'], ['e']]);
    // every healthy operation was submitted in a batch without the poisonous one
    for (const id of ['a', 'b', 'c', 'e']) expect(w.batches.some((b) => b.includes(id) && !b.includes('d'))).toBe(true);
    expect(w.deadLettered).toEqual([{ ids: ['d'], reason: expect.stringContaining('HTTP 500') }]);
    expect(w.counted).toEqual([]);
  });

  it('counts an attempt against every operation when the card API fails them all, alone too', async () => {
    const w = world([op('a'), op('b')], () => 'HTTP 500');
    await w.resubmitter.runOnce();
    expect(w.batches).toEqual([['a', 'b'], ['a'], ['b']]);
    expect(w.counted).toEqual([['a', 'b']]);
    expect(w.delays).toEqual([[100, 400]]);
    expect(w.deadLettered).toEqual([]);
  });

  it('gives up on failed rounds, not on card requests joined: a high `attempts` alone dead-letters nothing (F5)', async () => {
    // in-process retries and isolating splits attach an operation to many card requests within one round
    const w = world([op('a', 0, 9), op('b', 1, 1)], (ids) => (ids.includes('b') ? 'HTTP 500' : undefined));
    await w.resubmitter.runOnce();
    expect(w.deadLettered).toEqual([{ ids: ['b'], reason: 'HTTP 500' }]);
    expect(w.counted).toEqual([]);
  });

  it('does not split while the circuit is open (nothing reached the card API)', async () => {
    const w = world([op('a'), op('b')], () => 'circuit open for shop shop');
    await w.resubmitter.runOnce();
    expect(w.batches).toEqual([['a', 'b']]);
    expect(w.counted).toEqual([['a', 'b']]);
  });
});
