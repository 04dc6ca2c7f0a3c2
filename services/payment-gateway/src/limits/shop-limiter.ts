import { randomUUID } from 'node:crypto';
import { queryRows } from '../persistence/sql';
import type { DataSource } from 'typeorm';

export interface ShopLimits {
  maxConcurrency: number;
  requestsPerSecond: number;
  burst: number;
}

/** Runs card-API calls of a shop within limits that hold across gateway replicas. */
export interface CallLimiter {
  run<T>(shopId: string, fn: () => Promise<T>): Promise<T>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes a free (or expired) slot AND one token in one atomic statement, or neither: the slot row is locked with
 * `SKIP LOCKED`, the bucket row is refilled from the database clock and decremented only when a slot was found,
 * and the slot is leased only when the token was taken. `slot` is null when nothing was taken; then `slot_free`
 * tells whether the slots or the tokens were missing (`tokens` = tokens available now; `bucket` / `slots` = the
 * shop's rows exist).
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
    UPDATE shop_rate_bucket b SET tokens = r.tokens - 1, updated_at = clock_timestamp()
      FROM refill r
     WHERE b.shop_id = r.shop_id AND r.tokens >= 1 AND EXISTS (SELECT 1 FROM free_slot)
    RETURNING b.shop_id
  ), leased AS (
    UPDATE shop_call_slot c SET holder = $5, lease_until = clock_timestamp() + ($6::int * interval '1 millisecond')
      FROM free_slot f
     WHERE c.shop_id = f.shop_id AND c.slot = f.slot AND EXISTS (SELECT 1 FROM token)
    RETURNING c.slot
  )
  SELECT (SELECT slot FROM leased) AS slot,
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

const RELEASE_SQL = `UPDATE shop_call_slot SET holder = NULL, lease_until = 'epoch' WHERE shop_id = $1 AND slot = $2 AND holder = $3`;

interface AcquireRow {
  slot: number | null;
  slot_free: boolean;
  tokens: number | string | null;
  bucket: boolean;
  slots: boolean;
}

/**
 * Per-shop limits coordinated through PostgreSQL, not process memory:
 * - requests per second: a token-bucket row per shop, refilled and decremented atomically using the database
 *   clock (so replicas agree);
 * - concurrency: N lease rows per shop; a call takes a free (or expired) slot with `FOR UPDATE SKIP LOCKED`
 *   and frees it afterwards. Leases expire, so a crashed replica cannot hold a slot forever.
 * Statements per call: one to take slot + token together, one to release (plus one per shop and process to
 * create the rows, repeated only if they turn out to be missing).
 */
export class ShopLimiter implements CallLimiter {
  private readonly holder = `gw-${process.pid}-${randomUUID().slice(0, 8)}`;
  /** Shops whose rows this process created (or is creating). */
  private readonly seeded = new Map<string, Promise<void>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly limits: ShopLimits,
    private readonly leaseMs: number,
  ) {}

  async run<T>(shopId: string, fn: () => Promise<T>): Promise<T> {
    const slot = await this.acquire(shopId);
    try {
      return await fn();
    } finally {
      await this.releaseSlot(shopId, slot).catch(() => undefined);
    }
  }

  /** Waits for a slot and a token of the shop, taken together. */
  private async acquire(shopId: string): Promise<number> {
    const { maxConcurrency, requestsPerSecond: rate, burst } = this.limits;
    await this.seed(shopId);
    let slotWait = 5;
    let reseeded = false;
    for (;;) {
      const rows = await queryRows<AcquireRow>(this.dataSource, ACQUIRE_SQL, [shopId, maxConcurrency, burst, rate, this.holder, this.leaseMs]);
      const row = rows[0];
      if (row && row.slot !== null && row.slot !== undefined) return Number(row.slot);
      if (!reseeded && (!row || !row.bucket || !row.slots)) {
        // rows missing (deleted behind this process's back, or more slots configured): create them once more
        reseeded = true;
        this.seeded.delete(shopId);
        await this.seed(shopId);
        continue;
      }
      if (row && row.slot_free) {
        // a slot was free but no token: wait until one is due
        await sleep(Math.max(5, Math.ceil(((1 - Number(row.tokens ?? 0)) / rate) * 1000)));
      } else {
        await sleep(slotWait);
        slotWait = Math.min(slotWait * 2, 100);
      }
    }
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
