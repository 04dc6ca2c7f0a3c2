import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@rcp/testing';
import { gatewayDataSourceOptions } from '../persistence/data-source';
import { ShopLimiter, TOKEN_VALIDITY_MS } from './shop-limiter';

/**
 * The limiter's statements against the real PostgreSQL: two limiters (as two replicas) on one database. A held
 * submission keeps its slot between its calls, takes its tokens ahead in one statement and renews its lease when it
 * takes a later token.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let db: TestDatabase;
let ds: DataSource;

beforeAll(async () => {
  db = await createTestDatabase('gw_limits');
  ds = new DataSource(gatewayDataSourceOptions(db.url));
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
}, 60_000);

afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

const tokensOf = async (shop: string) => Number(((await ds.query(`SELECT tokens FROM shop_rate_bucket WHERE shop_id = $1`, [shop])) as { tokens: number }[])[0]?.tokens);

describe('ShopLimiter on PostgreSQL', () => {
  it('keeps the slot of a held submission between its calls: another replica calls only after the hold ends', async () => {
    const limits = { maxConcurrency: 1, requestsPerSecond: 1000, burst: 100 };
    const a = new ShopLimiter(ds, limits, 10_000);
    const b = new ShopLimiter(ds, limits, 10_000);
    const spans: { who: string; start: number; end: number }[] = [];
    const call = (who: string, ms: number) => async () => {
      const start = performance.now();
      await sleep(ms);
      spans.push({ who, start, end: performance.now() });
    };
    let heldUntil = 0;
    const held = a.hold('shop-hold', 2, async () => {
      await a.run('shop-hold', call('a1', 30));
      await sleep(60); // persisting the card request between request id and submit
      await a.run('shop-hold', call('a2', 30));
      heldUntil = performance.now();
    });
    await sleep(40); // a1 done, a is between its calls
    await Promise.all([held, b.run('shop-hold', call('b', 10))]);
    const bSpan = spans.find((s) => s.who === 'b')!;
    expect(bSpan.start).toBeGreaterThanOrEqual(heldUntil - 1);
    expect(spans.map((s) => s.who)).toEqual(['a1', 'a2', 'b']);
  });

  it('takes the tokens of a held submission in one statement and spends the one taken ahead without another', async () => {
    const limits = { maxConcurrency: 2, requestsPerSecond: 0.001, burst: 3 };
    const a = new ShopLimiter(ds, limits, 10_000);
    const b = new ShopLimiter(ds, limits, 10_000);
    await a.hold('shop-tokens', 2, async () => {
      await a.run('shop-tokens', async () => undefined);
      expect(await tokensOf('shop-tokens')).toBeCloseTo(1, 2); // 3 - 2
      await b.run('shop-tokens', async () => undefined); // the other replica takes the last one
      expect(await tokensOf('shop-tokens')).toBeCloseTo(0, 2);
      await a.run('shop-tokens', async () => undefined); // its own token, taken ahead: no wait
    });
    expect(await tokensOf('shop-tokens')).toBeCloseTo(0, 2);
  });

  it('a later call renews the held lease with its token, and takes another slot when the held one was taken over', async () => {
    const limits = { maxConcurrency: 2, requestsPerSecond: 1000, burst: 100 };
    let now = 0;
    const a = new ShopLimiter(ds, limits, 10_000, () => now);
    const leases = async () =>
      (await ds.query(`SELECT slot, holder, EXTRACT(EPOCH FROM (lease_until - clock_timestamp())) * 1000 AS ms FROM shop_call_slot WHERE shop_id = 'shop-renew' ORDER BY slot`)) as {
        slot: number;
        holder: string | null;
        ms: number;
      }[];
    await a.hold('shop-renew', 2, async () => {
      await a.run('shop-renew', async () => undefined);
      const [first] = await leases();
      expect(Number(first!.ms)).toBeGreaterThan(10_000); // leaseMs + the tokens' validity
      expect(Number(first!.ms)).toBeLessThanOrEqual(10_000 + TOKEN_VALIDITY_MS);
      await ds.query(`UPDATE shop_call_slot SET lease_until = clock_timestamp() + interval '1 second' WHERE shop_id = 'shop-renew' AND slot = 0`);
      now += TOKEN_VALIDITY_MS + 1;
      await a.run('shop-renew', async () => undefined);
      expect(Number((await leases())[0]!.ms)).toBeGreaterThan(9_000); // renewed with the token
      await ds.query(`UPDATE shop_call_slot SET holder = 'someone-else' WHERE shop_id = 'shop-renew' AND slot = 0`);
      await a.run('shop-renew', async () => {
        const rows = await leases();
        expect(rows.map((r) => r.holder === 'someone-else' || r.holder?.startsWith('gw-'))).toEqual([true, true]);
        expect(rows[1]!.holder).toMatch(/^gw-/);
      });
    });
    // the hold freed the slot it held last, not the one taken over
    expect((await leases()).map((r) => r.holder)).toEqual(['someone-else', null]);
  });

  it('with slotLingerMs: the next call reuses the kept slot (tokens taken on it, lease renewed); another replica gets it once unused that long', async () => {
    const limits = { maxConcurrency: 1, requestsPerSecond: 0.001, burst: 10, slotLingerMs: 100 };
    const a = new ShopLimiter(ds, limits, 10_000);
    const b = new ShopLimiter(ds, limits, 10_000);
    const slot = async () => ((await ds.query(`SELECT holder, lease_until FROM shop_call_slot WHERE shop_id = 'shop-linger'`)) as { holder: string | null; lease_until: Date }[])[0]!;
    await a.run('shop-linger', async () => undefined);
    const kept = await slot();
    expect(kept.holder).toMatch(/^gw-/); // kept, not freed
    expect(await tokensOf('shop-linger')).toBeCloseTo(9, 2);
    await sleep(5);
    await a.hold('shop-linger', 2, async () => {
      await a.run('shop-linger', async () => undefined);
      await a.run('shop-linger', async () => undefined);
    });
    expect(await tokensOf('shop-linger')).toBeCloseTo(7, 2); // both tokens of the hold taken on the kept slot in one go
    const renewed = await slot();
    expect(renewed.holder).toBe(kept.holder);
    expect(renewed.lease_until.getTime()).toBeGreaterThan(kept.lease_until.getTime());
    const started = performance.now();
    await b.run('shop-linger', async () => undefined); // the only slot is a's until unused for 100 ms
    expect(performance.now() - started).toBeGreaterThanOrEqual(80);
    expect(await tokensOf('shop-linger')).toBeCloseTo(6, 2);
    await a.close();
    await b.close();
    expect((await slot()).holder).toBeNull();
  });
});
