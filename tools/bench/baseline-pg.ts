import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import type { QueryRunner } from 'typeorm';
import { createEnvelope, PaymentTagChanged } from '@rcp/contracts';
import { MessagingTables1764300000000 } from '@rcp/messaging';
import { closedLoop } from './measure';

/**
 * B2: raw `pg` transactions shaped like ours — lock + update an order row and insert one outbox row (the real
 * `outbox_message` table from @rcp/messaging's migration, with its partial indexes and NOTIFY trigger), committed
 * with synchronous_commit on — at concurrency = pool size (TypeORM's pg pool: 10). Returns commits per second.
 */
export async function baselinePg(databaseUrl: string, durationMs: number, poolSize = 10): Promise<number> {
  const setup = new Client({ connectionString: databaseUrl });
  await setup.connect();
  try {
    // a second pass in the same run finds the tables there (the bench measures its baselines twice)
    const ready = await setup.query(`SELECT to_regclass('bench_order') IS NOT NULL AS ready`);
    if (ready.rows[0].ready) return await measure(databaseUrl, durationMs, poolSize);
    await new MessagingTables1764300000000().up({ query: (sql: string) => setup.query(sql) } as unknown as QueryRunner);
    await setup.query(`CREATE TABLE bench_order (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(), shop_id varchar(64) NOT NULL, order_number varchar(32) NOT NULL,
      status varchar(16) NOT NULL, payment_tag varchar(16), pending_operation_id uuid, updated_at timestamptz NOT NULL DEFAULT now())`);
    await setup.query(`CREATE UNIQUE INDEX bench_order_live ON bench_order (shop_id, order_number)`);
    await setup.query(`INSERT INTO bench_order (shop_id, order_number, status, payment_tag)
      SELECT 'bench-shop-1', '999001-20250101-' || lpad(g::text, 10, '0'), '未確認', '未オーソリ' FROM generate_series(1, 10000) g`);
  } finally {
    await setup.end();
  }
  return measure(databaseUrl, durationMs, poolSize);
}

async function measure(databaseUrl: string, durationMs: number, poolSize: number): Promise<number> {
  const pool = new Pool({ connectionString: databaseUrl, max: poolSize, options: '-c synchronous_commit=on' });
  try {
    let n = 0;
    const { perSecond } = await closedLoop(poolSize, durationMs, async () => {
      const orderNumber = `999001-20250101-${String((n++ % 10000) + 1).padStart(10, '0')}`;
      const envelope = createEnvelope(
        PaymentTagChanged,
        { orderNumber, from: '未オーソリ', to: 'オーソリ中', cause: 'authorize', actor: 'operator:bench' },
        { shopId: 'bench-shop-1' },
      );
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(`SELECT id FROM bench_order WHERE shop_id = $1 AND order_number = $2 FOR UPDATE`, ['bench-shop-1', orderNumber]);
        await client.query(`UPDATE bench_order SET payment_tag = 'オーソリ中', pending_operation_id = $3, updated_at = now() WHERE shop_id = $1 AND order_number = $2`, [
          'bench-shop-1',
          orderNumber,
          randomUUID(),
        ]);
        await client.query(`INSERT INTO outbox_message (id, type, routing_key, payload, headers) VALUES ($1, $2, $3, $4, '{}')`, [
          envelope.id,
          envelope.type,
          PaymentTagChanged.routingKey,
          JSON.stringify(envelope),
        ]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    });
    return perSecond;
  } finally {
    await pool.end();
  }
}
