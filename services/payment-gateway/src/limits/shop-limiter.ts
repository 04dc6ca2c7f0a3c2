import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { queryRows } from '../persistence/sql';
import type { DataSource } from 'typeorm';

export interface ShopLimits {
  maxConcurrency: number;
  requestsPerSecond: number;
  burst: number;
  /**
   * How long a slot stays with this process after a call (ms; default 0: freed at once). Its next call of the shop
   * within that time reuses it — one statement for token and lease instead of a release and a new acquire — which
   * under load saves a statement per call; the slot is freed when unused that long (and on {@link ShopLimiter.close}).
   */
  slotLingerMs?: number;
}

/** Runs card-API calls of a shop within limits that hold across gateway replicas. */
export interface CallLimiter {
  run<T>(shopId: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Runs `fn`, whose card-API calls of the shop (through {@link CallLimiter.run}) are made one after another and
   * about `calls` of them, as one logical submission: they share one concurrency slot, taken at the first call and
   * freed when `fn` settles. Optional: without it `fn` simply runs.
   */
  hold?<T>(shopId: string, calls: number, fn: () => Promise<T>): Promise<T>;
  /** Frees what the limiter keeps between calls (shutdown). Optional. */
  close?(): Promise<void>;
}

/**
 * How long tokens taken ahead for the later calls of a {@link CallLimiter.hold} stay usable (ms). A call may thus start
 * up to this long after its token was taken: at most burst + rate × (W + 0.2 s) calls start in any window W.
 */
export const TOKEN_VALIDITY_MS = 200;

/**
 * Tokens a statement takes ahead for this process's next calls of the shop: what the rate refills in this long (ms),
 * at most {@link MAX_TOKENS_AHEAD}. Where the politeness limit binds (Rakuten's 10 calls/s per shop) that is 0 — every
 * call pays its statement, as before; where it does not (a generous limit, a test system), a call made on a kept slot
 * within {@link TOKEN_VALIDITY_MS} spends a token taken ahead and runs without a statement.
 */
export const TOKENS_AHEAD_WINDOW_MS = 10;
export const MAX_TOKENS_AHEAD = 16;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes a free (or expired) slot AND tokens in one atomic statement, or neither: the slot row is locked with
 * `SKIP LOCKED`, the bucket row is refilled from the database clock and decremented only when a slot was found
 * (by up to $7 whole tokens, at least one), and the slot is leased only when tokens were taken. `slot` is null when
 * nothing was taken; then `slot_free` tells whether the slots or the tokens were missing (`tokens` = tokens available
 * now; `bucket` / `slots` = the shop's rows exist). `taken` = tokens taken.
 */
const ACQUIRE_SQL = `
  WITH free_slot AS (
    SELECT shop_id, slot FROM shop_call_slot
     WHERE shop_id = $1 AND slot < $2 AND lease_until < clock_timestamp()
     ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED
  ), refill AS (
    SELECT shop_id, LEAST($3::float8, tokens + EXTRACT(EPOCH FROM (clock_timestamp() - updated_at)) * $4::float8) AS tokens
      FROM shop_rate_bucket WHERE shop_id = $1 FOR UPDATE
  ), token AS (
    UPDATE shop_rate_bucket b SET tokens = r.tokens - LEAST($7::int, floor(r.tokens)), updated_at = clock_timestamp()
      FROM refill r
     WHERE b.shop_id = r.shop_id AND r.tokens >= 1 AND EXISTS (SELECT 1 FROM free_slot)
    RETURNING b.shop_id, LEAST($7::int, floor(r.tokens))::int AS taken
  ), leased AS (
    UPDATE shop_call_slot c SET holder = $5, lease_until = clock_timestamp() + ($6::int * interval '1 millisecond')
      FROM free_slot f
     WHERE c.shop_id = f.shop_id AND c.slot = f.slot AND EXISTS (SELECT 1 FROM token)
    RETURNING c.slot
  )
  SELECT (SELECT slot FROM leased) AS slot,
         (SELECT taken FROM token) AS taken,
         EXISTS (SELECT 1 FROM free_slot) AS slot_free,
         (SELECT tokens FROM refill) AS tokens,
         EXISTS (SELECT 1 FROM refill) AS bucket,
         EXISTS (SELECT 1 FROM free_slot) OR EXISTS (SELECT 1 FROM shop_call_slot WHERE shop_id = $1 AND slot = $2::int - 1) AS slots`;

/** Creates a shop's bucket row and slot rows (idempotent, one statement). */
const SEED_SQL = `
  WITH bucket AS (
    INSERT INTO shop_rate_bucket (shop_id, tokens, updated_at) VALUES ($1, $3, clock_timestamp()) ON CONFLICT (shop_id) DO NOTHING
  )
  INSERT INTO shop_call_slot (shop_id, slot) SELECT $1, s FROM generate_series(0, $2::int - 1) s ON CONFLICT DO NOTHING`;

/**
 * Up to $7 tokens (at least one) for a slot this holder already leases, renewing the lease, in one statement; nothing
 * when no token is available (`tokens` = tokens available now) or the slot is no longer this holder's (`held` false).
 * `taken` = tokens taken (null: none).
 */
const TOKEN_SQL = `
  WITH mine AS (
    SELECT shop_id, slot FROM shop_call_slot WHERE shop_id = $1 AND slot = $2 AND holder = $3 FOR UPDATE
  ), refill AS (
    SELECT shop_id, LEAST($4::float8, tokens + EXTRACT(EPOCH FROM (clock_timestamp() - updated_at)) * $5::float8) AS tokens
      FROM shop_rate_bucket WHERE shop_id = $1 FOR UPDATE
  ), token AS (
    UPDATE shop_rate_bucket b SET tokens = r.tokens - LEAST($7::int, floor(r.tokens)), updated_at = clock_timestamp()
      FROM refill r
     WHERE b.shop_id = r.shop_id AND r.tokens >= 1 AND EXISTS (SELECT 1 FROM mine)
    RETURNING b.shop_id, LEAST($7::int, floor(r.tokens))::int AS taken
  ), renewed AS (
    UPDATE shop_call_slot c SET lease_until = clock_timestamp() + ($6::int * interval '1 millisecond')
      FROM mine m
     WHERE c.shop_id = m.shop_id AND c.slot = m.slot AND EXISTS (SELECT 1 FROM token)
    RETURNING c.slot
  )
  SELECT EXISTS (SELECT 1 FROM mine) AS held, (SELECT taken FROM token WHERE EXISTS (SELECT 1 FROM renewed)) AS taken, (SELECT tokens FROM refill) AS tokens`;

const RELEASE_SQL = `UPDATE shop_call_slot SET holder = NULL, lease_until = 'epoch' WHERE shop_id = $1 AND slot = $2 AND holder = $3`;

interface AcquireRow {
  slot: number | null;
  taken?: number | null;
  slot_free: boolean;
  tokens: number | string | null;
  bucket: boolean;
  slots: boolean;
}

interface TokenRow {
  held: boolean;
  taken: number | null;
  tokens: number | string | null;
}

/** A slot kept after a call ({@link ShopLimits.slotLingerMs}), with the tokens taken ahead that are left on it. */
interface KeptSlot {
  slot: number;
  timer: NodeJS.Timeout;
  /** Tokens taken ahead, usable until `tokensUntil` (process clock); the slot's lease outlasts them by leaseMs. */
  tokens: number;
  tokensUntil: number;
}

/** A slot and tokens taken for a call, the tokens beyond `needed` usable until `tokensUntil`. */
interface Taken {
  slot: number;
  taken: number;
  tokensUntil: number;
}

/** A slot held for the calls of one {@link ShopLimiter.hold}, with the tokens taken ahead for them. */
interface Lease {
  shopId: string;
  calls: number;
  slot?: number;
  /** Tokens taken ahead, usable until `tokensUntil` (process clock). */
  tokens: number;
  tokensUntil: number;
  /** A call of the lease is running (a concurrent one takes a slot of its own). */
  busy: boolean;
}

/**
 * Per-shop limits coordinated through PostgreSQL, not process memory:
 * - requests per second: a token-bucket row per shop, refilled and decremented atomically using the database
 *   clock (so replicas agree);
 * - concurrency: N lease rows per shop; a call takes a free (or expired) slot with `FOR UPDATE SKIP LOCKED`
 *   and frees it afterwards. Leases expire, so a crashed replica cannot hold a slot forever.
 * Statements per call: one to take slot + token together, one to release (plus one per shop and process to
 * create the rows, repeated only if they turn out to be missing); with `slotLingerMs`, a call that finds a slot kept
 * from this process's previous call takes its token and renews the lease in one statement, and the release happens
 * only once the slot was unused that long. The calls of a {@link ShopLimiter.hold} (request id
 * then submit) share one slot: one statement takes it with a token per expected call, spent within
 * {@link TOKEN_VALIDITY_MS} (a later call takes a fresh token and renews the lease in one statement), one frees it.
 * Where the rate is generous, each statement also takes a few tokens ahead ({@link TOKENS_AHEAD_WINDOW_MS}); calls on
 * the kept slot spend them without a statement while they are valid.
 */
export class ShopLimiter implements CallLimiter {
  private readonly holder = `gw-${process.pid}-${randomUUID().slice(0, 8)}`;
  /** Shops whose rows this process created (or is creating). */
  private readonly seeded = new Map<string, Promise<void>>();
  private readonly leases = new AsyncLocalStorage<Lease>();
  /** Slots kept after a call ({@link ShopLimits.slotLingerMs}), per shop, each with the timer that frees it. */
  private readonly idle = new Map<string, KeptSlot[]>();
  /** Tokens each statement takes beyond the call's own ({@link TOKENS_AHEAD_WINDOW_MS}). */
  private readonly ahead: number;
  private closed = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly limits: ShopLimits,
    private readonly leaseMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.ahead = Math.min(MAX_TOKENS_AHEAD, Math.floor((limits.requestsPerSecond * TOKENS_AHEAD_WINDOW_MS) / 1000));
  }

  async run<T>(shopId: string, fn: () => Promise<T>): Promise<T> {
    const lease = this.leases.getStore();
    if (lease && lease.shopId === shopId && !lease.busy) return this.runHeld(lease, fn);
    const t = await this.take(shopId, 1);
    try {
      return await fn();
    } finally {
      await this.park(shopId, t.slot, t.taken - 1, t.tokensUntil);
    }
  }

  async hold<T>(shopId: string, calls: number, fn: () => Promise<T>): Promise<T> {
    if (this.leases.getStore()?.shopId === shopId) return fn();
    const lease: Lease = { shopId, calls: Math.max(1, calls), tokens: 0, tokensUntil: 0, busy: false };
    try {
      return await this.leases.run(lease, fn);
    } finally {
      if (lease.slot !== undefined) await this.park(shopId, lease.slot, lease.tokens, lease.tokensUntil);
    }
  }

  /** Frees the slots kept after calls; later calls free theirs at once. */
  async close(): Promise<void> {
    this.closed = true;
    const kept = [...this.idle].flatMap(([shopId, list]) => list.map((e) => (clearTimeout(e.timer), { shopId, slot: e.slot })));
    this.idle.clear();
    await Promise.all(kept.map(({ shopId, slot }) => this.releaseSlot(shopId, slot).catch(() => undefined)));
  }

  private async runHeld<T>(lease: Lease, fn: () => Promise<T>): Promise<T> {
    lease.busy = true;
    try {
      if (lease.slot === undefined) {
        const { slot, taken, tokensUntil } = await this.take(lease.shopId, lease.calls);
        lease.slot = slot;
        lease.tokens = taken - 1;
        lease.tokensUntil = tokensUntil;
      } else if (lease.tokens > 0 && this.now() <= lease.tokensUntil) {
        lease.tokens--;
      } else {
        lease.tokens = 0;
        lease.slot = await this.token(lease.shopId, lease.slot);
      }
      return await fn();
    } finally {
      lease.busy = false;
    }
  }

  /**
   * A slot and `needed` tokens (at least one) of the shop: the slot kept from this process's previous call if there
   * is one — without a statement when it still carries enough tokens taken ahead, else with one statement when a token
   * is available now — otherwise {@link ShopLimiter.acquire}. Statements take {@link ShopLimiter.ahead} tokens more
   * and lease the slot for leaseMs + {@link TOKEN_VALIDITY_MS}: a call started on a token taken ahead still has leaseMs.
   */
  private async take(shopId: string, needed: number): Promise<Taken> {
    const kept = this.idle.get(shopId)?.pop();
    const leaseMs = this.leaseMs + TOKEN_VALIDITY_MS;
    if (kept) {
      clearTimeout(kept.timer);
      if (this.idle.get(shopId)?.length === 0) this.idle.delete(shopId);
      if (kept.tokens >= needed && this.now() <= kept.tokensUntil) return { slot: kept.slot, taken: kept.tokens, tokensUntil: kept.tokensUntil };
      const { requestsPerSecond: rate, burst } = this.limits;
      const at = this.now();
      let row: TokenRow | undefined;
      try {
        row = (await queryRows<TokenRow>(this.dataSource, TOKEN_SQL, [shopId, kept.slot, this.holder, burst, rate, leaseMs, needed + this.ahead]))[0];
      } catch (err) {
        await this.releaseSlot(shopId, kept.slot).catch(() => undefined);
        throw err;
      }
      if (row?.taken) return { slot: kept.slot, taken: Number(row.taken), tokensUntil: at + TOKEN_VALIDITY_MS };
      // no token now: wait for one without keeping the slot from others
      if (row?.held) await this.releaseSlot(shopId, kept.slot).catch(() => undefined);
    }
    const at = this.now();
    const { slot, taken } = await this.acquire(shopId, needed + this.ahead, leaseMs);
    return { slot, taken, tokensUntil: at + TOKEN_VALIDITY_MS };
  }

  /**
   * After a call: keeps the slot — with the `tokens` taken ahead that are left, usable until `tokensUntil` — for the
   * next call of the shop for `slotLingerMs`, then frees it (at once without).
   */
  private async park(shopId: string, slot: number, tokens: number, tokensUntil: number): Promise<void> {
    const linger = this.limits.slotLingerMs ?? 0;
    if (linger <= 0 || this.closed) return this.releaseSlot(shopId, slot).catch(() => undefined);
    const list = this.idle.get(shopId) ?? [];
    this.idle.set(shopId, list);
    const entry: KeptSlot = {
      slot,
      tokens: Math.max(0, tokens),
      tokensUntil,
      timer: setTimeout(() => {
        const i = list.indexOf(entry);
        if (i < 0) return;
        list.splice(i, 1);
        if (list.length === 0 && this.idle.get(shopId) === list) this.idle.delete(shopId);
        void this.releaseSlot(shopId, slot).catch(() => undefined);
      }, linger),
    };
    entry.timer.unref?.();
    list.push(entry);
  }

  /** Waits for a slot and `tokens` (at least one) of the shop, taken together. */
  private async acquire(shopId: string, tokens: number, leaseMs: number): Promise<{ slot: number; taken: number }> {
    const { maxConcurrency, requestsPerSecond: rate, burst } = this.limits;
    await this.seed(shopId);
    let slotWait = 5;
    let reseeded = false;
    for (;;) {
      const rows = await queryRows<AcquireRow>(this.dataSource, ACQUIRE_SQL, [shopId, maxConcurrency, burst, rate, this.holder, leaseMs, tokens]);
      const row = rows[0];
      if (row && row.slot !== null && row.slot !== undefined) return { slot: Number(row.slot), taken: Math.max(1, Number(row.taken ?? 1)) };
      if (!reseeded && (!row || !row.bucket || !row.slots)) {
        // rows missing (deleted behind this process's back, or more slots configured): create them once more
        reseeded = true;
        this.seeded.delete(shopId);
        await this.seed(shopId);
        continue;
      }
      if (row && row.slot_free) {
        // a slot was free but no token: wait until one is due
        await sleep(this.tokenWaitMs(row.tokens));
      } else {
        await sleep(slotWait);
        slotWait = Math.min(slotWait * 2, 100);
      }
    }
  }

  /** One token for the held `slot`, renewing its lease; a new slot (and token) when the slot is no longer held. */
  private async token(shopId: string, slot: number): Promise<number> {
    const { requestsPerSecond: rate, burst } = this.limits;
    for (;;) {
      const rows = await queryRows<TokenRow>(this.dataSource, TOKEN_SQL, [shopId, slot, this.holder, burst, rate, this.leaseMs, 1]);
      const row = rows[0];
      if (row?.taken) return slot;
      if (!row?.held) return (await this.acquire(shopId, 1, this.leaseMs)).slot;
      await sleep(this.tokenWaitMs(row.tokens));
    }
  }

  private tokenWaitMs(tokens: number | string | null | undefined): number {
    return Math.max(5, Math.ceil(((1 - Number(tokens ?? 0)) / this.limits.requestsPerSecond) * 1000));
  }

  private seed(shopId: string): Promise<void> {
    let done = this.seeded.get(shopId);
    if (!done) {
      done = this.dataSource.query(SEED_SQL, [shopId, this.limits.maxConcurrency, this.limits.burst]).then(() => undefined);
      done.catch(() => this.seeded.delete(shopId));
      this.seeded.set(shopId, done);
    }
    return done;
  }

  private async releaseSlot(shopId: string, slot: number): Promise<void> {
    await this.dataSource.query(RELEASE_SQL, [shopId, slot, this.holder]);
  }
}

/** No limits (unit tests). */
export const unlimited: CallLimiter = { run: (_shop, fn) => fn() };
