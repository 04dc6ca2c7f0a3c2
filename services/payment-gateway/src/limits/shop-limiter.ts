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
 * Per-shop limits coordinated through PostgreSQL, not process memory:
 * - requests per second: a token-bucket row per shop, refilled and decremented in one atomic UPDATE using the
 *   database clock (so replicas agree);
 * - concurrency: N lease rows per shop; a call takes a free (or expired) slot with `FOR UPDATE SKIP LOCKED`
 *   and frees it afterwards. Leases expire, so a crashed replica cannot hold a slot forever.
 */
export class ShopLimiter implements CallLimiter {
  private readonly holder = `gw-${process.pid}-${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly dataSource: DataSource,
    private readonly limits: ShopLimits,
    private readonly leaseMs: number,
  ) {}

  async run<T>(shopId: string, fn: () => Promise<T>): Promise<T> {
    const slot = await this.acquireSlot(shopId);
    try {
      await this.takeToken(shopId);
      return await fn();
    } finally {
      await this.releaseSlot(shopId, slot).catch(() => undefined);
    }
  }

  async takeToken(shopId: string): Promise<void> {
    const { requestsPerSecond: rate, burst } = this.limits;
    await this.dataSource.query(
      `INSERT INTO shop_rate_bucket (shop_id, tokens, updated_at) VALUES ($1, $2, clock_timestamp()) ON CONFLICT (shop_id) DO NOTHING`,
      [shopId, burst],
    );
    for (;;) {
      const rows = await queryRows<{ taken: boolean; tokens: number }>(this.dataSource, 
        `WITH refill AS (
           SELECT shop_id, LEAST($2::float8, tokens + EXTRACT(EPOCH FROM (clock_timestamp() - updated_at)) * $3::float8) AS tokens
           FROM shop_rate_bucket WHERE shop_id = $1 FOR UPDATE
         )
         UPDATE shop_rate_bucket b
            SET tokens = CASE WHEN r.tokens >= 1 THEN r.tokens - 1 ELSE r.tokens END, updated_at = clock_timestamp()
           FROM refill r WHERE b.shop_id = r.shop_id
         RETURNING (r.tokens >= 1) AS taken, r.tokens AS tokens`,
        [shopId, burst, rate],
      );
      const row = rows[0];
      if (!row || row.taken) return;
      await sleep(Math.max(5, Math.ceil(((1 - Number(row.tokens)) / rate) * 1000)));
    }
  }

  private async acquireSlot(shopId: string): Promise<number> {
    const n = this.limits.maxConcurrency;
    await this.dataSource.query(
      `INSERT INTO shop_call_slot (shop_id, slot) SELECT $1, s FROM generate_series(0, $2::int - 1) s ON CONFLICT DO NOTHING`,
      [shopId, n],
    );
    let wait = 5;
    for (;;) {
      const rows = await queryRows<{ slot: number }>(this.dataSource, 
        `UPDATE shop_call_slot SET holder = $3, lease_until = clock_timestamp() + ($4::int * interval '1 millisecond')
          WHERE (shop_id, slot) = (
            SELECT shop_id, slot FROM shop_call_slot
             WHERE shop_id = $1 AND slot < $2 AND lease_until < clock_timestamp()
             ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)
          RETURNING slot`,
        [shopId, n, this.holder, this.leaseMs],
      );
      if (rows[0]) return rows[0].slot;
      await sleep(wait);
      wait = Math.min(wait * 2, 100);
    }
  }

  private async releaseSlot(shopId: string, slot: number): Promise<void> {
    await this.dataSource.query(`UPDATE shop_call_slot SET holder = NULL, lease_until = 'epoch' WHERE shop_id = $1 AND slot = $2 AND holder = $3`, [
      shopId,
      slot,
      this.holder,
    ]);
  }
}

/** No limits (unit tests). */
export const unlimited: CallLimiter = { run: (_shop, fn) => fn() };
