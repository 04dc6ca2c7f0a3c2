import { Client } from 'pg';
import { type TestDatabase, createTestDatabase, testDatabaseServerUrl, uniqueName, withDatabase } from '@rcp/testing';
import { provisionOrder } from '../src/domain/fake-card';
import type { OrderRecord, ResultRecord } from '../src/domain/types';
import { PostgresStore } from '../src/store/postgres.store';
import type { SubmitCommand } from '../src/store/store.port';
import { storeContract } from './store-contract';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('rcp_sim_store');
});
afterAll(async () => db.drop());

async function open(url = db.url): Promise<PostgresStore> {
  const store = new PostgresStore({ url, poolSize: 4 });
  await store.init();
  return store;
}

storeContract('postgres', () => open());

describe('PostgresStore specifics', () => {
  const T0 = new Date('2024-01-06T00:00:00.000Z');
  const N = (i: number) => `654321-20240105-${String(i).padStart(8, '0')}`;
  let store: PostgresStore;
  beforeEach(async () => {
    store = await open();
    await store.reset();
  });
  afterEach(() => store.close());

  function submit(requestId: number, numbers: string[]): SubmitCommand {
    return {
      shopUrl: 'shop',
      requestId,
      op: 'authori',
      now: T0,
      issuedAfter: new Date(0),
      itemCount: numbers.length,
      acceptedUntil: T0,
      completeAt: T0,
      orderNumbers: [...new Set(numbers)].sort(),
      provision: (missing) => missing.map((n) => provisionOrder(n, 'shop', T0)),
      decide: (orders) => {
        const changed: OrderRecord[] = [...orders.values()].map((o) => ({ ...o, cardState: 'authorized' }));
        const results: ResultRecord[] = numbers.map((n, seq) => ({
          requestId,
          seq,
          shopUrl: 'shop',
          op: 'authori',
          orderNumber: n,
          helpItem: '',
          payType: 0,
          price: 1,
          brandName: null,
          cardNo: null,
          ownerName: null,
          expYM: null,
          companyName: null,
          cardImstCount: 0,
          cardState: 'authorized',
          stateBefore: 'unauthorized',
          approvalNumber: '0000000',
          transactionId: '',
          errorCode: 'RCCS_N00-000',
          ccsErrorCode: '000000',
          ccsErrorCodeDetail: null,
          message: 'ok',
          createdAt: T0,
          regAt: T0,
        }));
        return { results, changed };
      },
    };
  }

  it('handles a batch with a fixed number of statements, whatever its size', async () => {
    const counts: number[] = [];
    for (const size of [1, 100]) {
      const numbers = Array.from({ length: size }, (_, i) => N(size * 1000 + i));
      // first contact (orders provisioned) and a second operation on the same orders
      for (let round = 0; round < 2; round++) {
        const id = await store.issueRequestId('shop', T0);
        const before = store.statements;
        expect((await store.submit(submit(id, numbers))).ok).toBe(true);
        counts.push(store.statements - before);
      }
    }
    expect(counts[0]).toBe(counts[2]);
    expect(counts[1]).toBe(counts[3]);
    expect(counts[1]).toBeLessThanOrEqual(4); // BEGIN, claim + lock, write orders + results, COMMIT
    expect(counts[0]).toBeLessThanOrEqual(5); // + provisioning insert
    expect((await store.listOrders({ limit: 1000, offset: 0 })).length).toBe(101);
  });

  it('lets exactly one of two concurrent submits with the same request id win', async () => {
    const id = await store.issueRequestId('shop', T0);
    const outcomes = await Promise.all([store.submit(submit(id, [N(1)])), store.submit(submit(id, [N(2)]))]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.find((o) => !o.ok)).toEqual({ ok: false, reason: 'used' });
  });

  it('serialises concurrent batches over the same orders without deadlocking', async () => {
    const numbers = Array.from({ length: 50 }, (_, i) => N(i));
    const ids = await Promise.all(Array.from({ length: 6 }, () => store.issueRequestId('shop', T0)));
    const outcomes = await Promise.all(ids.map((id, i) => store.submit(submit(id, i % 2 ? [...numbers].reverse() : numbers))));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect((await store.ledger({ limit: 1000, offset: 0 })).length).toBe(300);
  });

  it('creates its database when missing and migrates idempotently under the lock', async () => {
    const name = uniqueName('rcp_sim_new').toLowerCase();
    const url = withDatabase(testDatabaseServerUrl(), name);
    try {
      const [a, b] = await Promise.all([open(url), open(url)]);
      await a.upsertShop({ shopUrl: 's', userName: 'u', authKey: 'k' });
      expect(await b.listShops()).toHaveLength(1);
      await Promise.all([a.close(), b.close()]);
      const again = await open(url);
      expect(await again.ping()).toBe(true);
      await again.close();
    } finally {
      const admin = new Client({ connectionString: testDatabaseServerUrl() });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  });
});

// Regression (chaos scenario 6a): a backend terminated in the middle of a transaction crashed the simulator with an
// unhandled 'error' event from the checked-out pg client.
describe('PostgresStore when its database connection is terminated mid-transaction', () => {
  it('survives, and retries the transaction on a fresh connection', async () => {
    const store = await open();
    const killer = new Client({ connectionString: db.url });
    await killer.connect();
    const crashes: unknown[] = [];
    const onUncaught = (err: unknown) => crashes.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      let attempts = 0;
      const tx = (store as unknown as { tx<T>(work: (c: Client) => Promise<T>): Promise<T> }).tx.bind(store);
      const value = await tx(async (client) => {
        attempts++;
        if (attempts === 1) {
          const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          await killer.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
          await new Promise((r) => setTimeout(r, 100)); // let the termination reach the idle client
        }
        const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
        return rows[0].one;
      });
      expect(value).toBe(1);
      expect(attempts).toBe(2);
      expect(crashes).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await killer.end();
      await store.close();
    }
  });
});
