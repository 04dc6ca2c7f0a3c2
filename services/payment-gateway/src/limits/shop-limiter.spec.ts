import type { DataSource } from 'typeorm';
import { ShopLimiter } from './shop-limiter';

interface Row {
  slot: number | null;
  slot_free: boolean;
  tokens: number | null;
  bucket: boolean;
  slots: boolean;
}

/** Fake DataSource: records statements; the acquire statement answers with the queued rows (then a granted slot). */
function fakeDb(answers: Row[] = []) {
  const statements: string[] = [];
  const db = {
    query: async (sql: string) => {
      const kind = /WITH free_slot/.test(sql) ? 'acquire' : /INSERT INTO shop_call_slot/.test(sql) ? 'seed' : /holder = NULL/.test(sql) ? 'release' : 'other';
      statements.push(kind);
      if (kind === 'acquire') return [answers.shift() ?? { slot: 0, slot_free: true, tokens: 5, bucket: true, slots: true }];
      return [];
    },
  } as unknown as DataSource;
  return { db, statements };
}

const limits = { maxConcurrency: 2, requestsPerSecond: 1000, burst: 10 };

describe('ShopLimiter', () => {
  it('costs two statements per card-API call: slot + token together, release (rows created once per shop and process)', async () => {
    const { db, statements } = fakeDb();
    const limiter = new ShopLimiter(db, limits, 60_000);
    await expect(limiter.run('shop-1', async () => 'a')).resolves.toBe('a');
    await limiter.run('shop-1', async () => 'b');
    await limiter.run('shop-1', async () => 'c');
    expect(statements).toEqual(['seed', 'acquire', 'release', 'acquire', 'release', 'acquire', 'release']);
    await limiter.run('shop-2', async () => 'd');
    expect(statements.slice(7)).toEqual(['seed', 'acquire', 'release']);
  });

  it('waits and asks again while no slot or no token is free, without re-creating rows that exist', async () => {
    const { db, statements } = fakeDb([
      { slot: null, slot_free: false, tokens: 5, bucket: true, slots: true }, // all slots busy
      { slot: null, slot_free: true, tokens: 0.99, bucket: true, slots: true }, // slot free, token due in ≈ 0 ms
    ]);
    const limiter = new ShopLimiter(db, limits, 60_000);
    await limiter.run('shop-1', async () => undefined);
    expect(statements).toEqual(['seed', 'acquire', 'acquire', 'acquire', 'release']);
  });

  it('re-creates the rows once when they disappeared behind its back', async () => {
    const { db, statements } = fakeDb([{ slot: null, slot_free: false, tokens: null, bucket: false, slots: false }]);
    const limiter = new ShopLimiter(db, limits, 60_000);
    await limiter.run('shop-1', async () => undefined);
    expect(statements).toEqual(['seed', 'acquire', 'seed', 'acquire', 'release']);
  });

  it('releases the slot when the call fails', async () => {
    const { db, statements } = fakeDb();
    const limiter = new ShopLimiter(db, limits, 60_000);
    await expect(limiter.run('shop-1', async () => Promise.reject(new Error('card API down')))).rejects.toThrow('card API down');
    expect(statements).toEqual(['seed', 'acquire', 'release']);
  });
});
