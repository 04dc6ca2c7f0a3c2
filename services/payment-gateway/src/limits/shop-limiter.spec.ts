import type { DataSource } from 'typeorm';
import { MAX_TOKENS_AHEAD, ShopLimiter, TOKEN_VALIDITY_MS } from './shop-limiter';

interface Row {
  slot: number | null;
  slot_free: boolean;
  tokens: number | null;
  bucket: boolean;
  slots: boolean;
  taken?: number;
}

/**
 * Fake DataSource: records statements (and the parameters of each acquire); the acquire statement answers with the
 * queued rows (then a granted slot with every token asked for), the token statement with `tokenAnswers` (then a token).
 */
function fakeDb(answers: Row[] = [], tokenAnswers: { held: boolean; taken: number | null; tokens: number }[] = []) {
  const statements: string[] = [];
  const acquireParams: unknown[][] = [];
  const tokenParams: unknown[][] = [];
  const db = {
    query: async (sql: string, params: unknown[]) => {
      const kind = /WITH free_slot/.test(sql)
        ? 'acquire'
        : /WITH mine/.test(sql)
          ? 'token'
          : /INSERT INTO shop_call_slot/.test(sql)
            ? 'seed'
            : /holder = NULL/.test(sql)
              ? 'release'
              : 'other';
      statements.push(kind);
      if (kind === 'acquire') {
        acquireParams.push(params);
        return [answers.shift() ?? { slot: 0, slot_free: true, tokens: 5, bucket: true, slots: true, taken: params[6] as number }];
      }
      if (kind === 'token') {
        tokenParams.push(params);
        return [tokenAnswers.shift() ?? { held: true, taken: params[6] as number, tokens: 5 }];
      }
      return [];
    },
  } as unknown as DataSource;
  return { db, statements, acquireParams, tokenParams };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// 50 calls/s refill less than one token in TOKENS_AHEAD_WINDOW_MS: no tokens are taken ahead (as at Rakuten's limit)
const limits = { maxConcurrency: 2, requestsPerSecond: 50, burst: 10 };

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

  it('a held submission costs two statements for its two calls: slot + both tokens together, release', async () => {
    const { db, statements, acquireParams } = fakeDb();
    const limiter = new ShopLimiter(db, limits, 60_000);
    const calls: string[] = [];
    await limiter.hold('shop-1', 2, async () => {
      await limiter.run('shop-1', async () => calls.push('getRCCSRequestId'));
      await limiter.run('shop-1', async () => calls.push('authori'));
    });
    expect(calls).toEqual(['getRCCSRequestId', 'authori']);
    expect(statements).toEqual(['seed', 'acquire', 'release']);
    // two tokens asked for; the lease outlives the tokens' validity
    expect(acquireParams[0]?.slice(5)).toEqual([60_000 + TOKEN_VALIDITY_MS, 2]);
    // a plain call takes one token, with the same lease
    await limiter.run('shop-1', async () => undefined);
    expect(acquireParams[1]?.slice(5)).toEqual([60_000 + TOKEN_VALIDITY_MS, 1]);
  });

  it('a later call of a hold takes a fresh token (renewing the lease) once the tokens taken ahead expired or ran out', async () => {
    let now = 0;
    const { db, statements } = fakeDb();
    const limiter = new ShopLimiter(db, limits, 60_000, () => now);
    await limiter.hold('shop-1', 2, async () => {
      await limiter.run('shop-1', async () => undefined);
      now += TOKEN_VALIDITY_MS + 1; // e.g. a slow getRCCSRequestId
      await limiter.run('shop-1', async () => undefined);
      await limiter.run('shop-1', async () => undefined); // a third call (e.g. getRCCSResult after an unknown outcome)
    });
    expect(statements).toEqual(['seed', 'acquire', 'token', 'token', 'release']);
  });

  it('a hold granted fewer tokens than calls takes the missing one when it is needed', async () => {
    const { db, statements } = fakeDb([{ slot: 1, slot_free: true, tokens: 1.5, bucket: true, slots: true, taken: 1 }]);
    const limiter = new ShopLimiter(db, limits, 60_000);
    await limiter.hold('shop-1', 2, async () => {
      await limiter.run('shop-1', async () => undefined);
      await limiter.run('shop-1', async () => undefined);
    });
    expect(statements).toEqual(['seed', 'acquire', 'token', 'release']);
  });

  it('waits for a token on its held slot, and takes a new slot when the held one is no longer its own', async () => {
    const { db, statements } = fakeDb(
      [],
      [
        { held: true, taken: null, tokens: 0.999 }, // no token yet: wait, ask again
        { held: true, taken: 1, tokens: 1 },
        { held: false, taken: null, tokens: 5 }, // slot lost
      ],
    );
    let now = 0;
    const limiter = new ShopLimiter(db, limits, 60_000, () => now);
    await limiter.hold('shop-1', 1, async () => {
      await limiter.run('shop-1', async () => undefined);
      await limiter.run('shop-1', async () => undefined);
      now += 1;
      await limiter.run('shop-1', async () => undefined);
    });
    expect(statements).toEqual(['seed', 'acquire', 'token', 'token', 'token', 'acquire', 'release']);
  });

  it('a call made while another call of the same hold is running takes a slot of its own (never two calls on one slot)', async () => {
    const { db, statements } = fakeDb();
    const limiter = new ShopLimiter(db, limits, 60_000);
    await limiter.hold('shop-1', 2, async () => {
      await Promise.all([limiter.run('shop-1', async () => undefined), limiter.run('shop-1', async () => undefined)]);
    });
    expect(statements).toEqual(['seed', 'acquire', 'acquire', 'release', 'release']);
  });

  it('a hold makes no statement when it calls nothing, and frees its slot when its work fails', async () => {
    const { db, statements } = fakeDb();
    const limiter = new ShopLimiter(db, limits, 60_000);
    await limiter.hold('shop-1', 2, async () => undefined);
    expect(statements).toEqual([]);
    await expect(
      limiter.hold('shop-1', 2, async () => {
        await limiter.run('shop-1', async () => undefined);
        throw new Error('ledger down');
      }),
    ).rejects.toThrow('ledger down');
    expect(statements).toEqual(['seed', 'acquire', 'release']);
  });

  describe('with slotLingerMs (a slot kept for the next call)', () => {
    const lingering = { ...limits, slotLingerMs: 30 };

    it('reuses the kept slot: one statement per call under load (token + lease renewal), freed once unused for slotLingerMs', async () => {
      const { db, statements, tokenParams } = fakeDb();
      const limiter = new ShopLimiter(db, lingering, 60_000);
      await limiter.run('shop-1', async () => undefined);
      await limiter.hold('shop-1', 2, async () => {
        await limiter.run('shop-1', async () => undefined);
        await limiter.run('shop-1', async () => undefined);
      });
      await limiter.run('shop-1', async () => undefined);
      expect(statements).toEqual(['seed', 'acquire', 'token', 'token']); // the hold took its two tokens on the kept slot at once
      expect(tokenParams.map((p) => p[6])).toEqual([2, 1]);
      expect(tokenParams[0]?.slice(1, 3)).toEqual([0, expect.stringMatching(/^gw-/)]); // the kept slot, as its holder
      await sleep(60);
      expect(statements.slice(4)).toEqual(['release']);
      await limiter.run('shop-1', async () => undefined); // nothing kept any more: acquire again
      expect(statements.slice(5)).toEqual(['acquire']);
      await limiter.close(); // shutdown frees the kept slot at once
      expect(statements.slice(6)).toEqual(['release']);
    });

    it('gives a kept slot to one call at a time: concurrent calls take slots of their own', async () => {
      const { db, statements } = fakeDb();
      const limiter = new ShopLimiter(db, lingering, 60_000);
      await limiter.run('shop-1', async () => undefined);
      await Promise.all([limiter.run('shop-1', async () => sleep(5)), limiter.run('shop-1', async () => sleep(5))]);
      expect(statements).toEqual(['seed', 'acquire', 'token', 'acquire']);
      await limiter.close();
      expect(statements.slice(4)).toEqual(['release', 'release']);
    });

    it('frees a kept slot without a token (and waits for one as usual), and acquires anew when it was lost', async () => {
      const { db, statements } = fakeDb([], [
        { held: true, taken: null, tokens: 0.2 },
        { held: false, taken: null, tokens: 5 },
      ]);
      const limiter = new ShopLimiter(db, lingering, 60_000);
      await limiter.run('shop-1', async () => undefined);
      await limiter.run('shop-1', async () => undefined);
      expect(statements).toEqual(['seed', 'acquire', 'token', 'release', 'acquire']);
      await limiter.run('shop-1', async () => undefined);
      expect(statements.slice(5)).toEqual(['token', 'acquire']);
      await limiter.close();
    });

    it('frees a kept slot when taking its token fails (the error goes to the caller)', async () => {
      const { db, statements } = fakeDb();
      const limiter = new ShopLimiter(db, lingering, 60_000);
      await limiter.run('shop-1', async () => undefined);
      const query = db.query.bind(db);
      (db as unknown as { query: typeof query }).query = async (sql: string, params: unknown[]) => {
        if (/WITH mine/.test(sql)) throw new Error('connection lost');
        return query(sql, params);
      };
      await expect(limiter.run('shop-1', async () => undefined)).rejects.toThrow('connection lost');
      expect(statements).toEqual(['seed', 'acquire', 'release']);
      await limiter.close();
      expect(statements).toEqual(['seed', 'acquire', 'release']); // nothing kept any more
    });

    it('after close, calls free their slot at once', async () => {
      const { db, statements } = fakeDb();
      const limiter = new ShopLimiter(db, lingering, 60_000);
      await limiter.close();
      await limiter.run('shop-1', async () => undefined);
      expect(statements).toEqual(['seed', 'acquire', 'release']);
    });
  });
  describe('with a generous rate (tokens taken ahead for the next calls)', () => {
    const generous = { maxConcurrency: 2, requestsPerSecond: 100_000, burst: 100_000, slotLingerMs: 30 };

    it('takes up to MAX_TOKENS_AHEAD tokens more; calls on the kept slot spend them without a statement while they are valid', async () => {
      let now = 0;
      const { db, statements, acquireParams, tokenParams } = fakeDb();
      const limiter = new ShopLimiter(db, generous, 60_000, () => now);
      await limiter.run('shop-1', async () => undefined);
      expect(acquireParams[0]?.[6]).toBe(1 + MAX_TOKENS_AHEAD);
      await limiter.hold('shop-1', 2, async () => {
        await limiter.run('shop-1', async () => undefined);
        await limiter.run('shop-1', async () => undefined);
      });
      await limiter.run('shop-1', async () => undefined);
      expect(statements).toEqual(['seed', 'acquire']); // four calls, one statement
      now += TOKEN_VALIDITY_MS + 1; // the tokens taken ahead expired: the next call pays its statement again
      await limiter.run('shop-1', async () => undefined);
      expect(statements).toEqual(['seed', 'acquire', 'token']);
      expect(tokenParams[0]?.[6]).toBe(1 + MAX_TOKENS_AHEAD);
      await limiter.close();
      expect(statements.slice(3)).toEqual(['release']);
    });

    it('spends tokens taken ahead only on their own kept slot: a concurrent call takes a slot (and tokens) of its own', async () => {
      const { db, statements } = fakeDb();
      const limiter = new ShopLimiter(db, generous, 60_000);
      await limiter.run('shop-1', async () => undefined);
      await Promise.all([limiter.run('shop-1', async () => sleep(5)), limiter.run('shop-1', async () => sleep(5))]);
      expect(statements).toEqual(['seed', 'acquire', 'acquire']);
      await limiter.close();
    });

    it('uses what a statement granted: fewer tokens than asked leave nothing ahead', async () => {
      const { db, statements } = fakeDb([{ slot: 0, slot_free: true, tokens: 1.2, bucket: true, slots: true, taken: 1 }]);
      const limiter = new ShopLimiter(db, generous, 60_000);
      await limiter.run('shop-1', async () => undefined);
      await limiter.run('shop-1', async () => undefined);
      expect(statements).toEqual(['seed', 'acquire', 'token']);
      await limiter.close();
    });
  });
});
