// `node dist/tools/bench/prepared-micro.js` (after `npm run build`): PostgreSQL backend CPU of a lock + write-CTE
// transaction shaped like the order-service's, run with and without named prepared statements (libs/database
// preparingClient), alternating, on one connection of a scratch database. Prints ms per transaction.
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { preparingClient } from '@rcp/database';
import { createTestDatabase } from '@rcp/testing';

const LOCK = `SELECT o.id, o.shop_id, o.order_number, o.status, o.tag, o.amount, o.updated_at, o.data, s.a, s.b, s.c
  FROM t_orders o LEFT JOIN t_settings s ON s.shop_id = o.shop_id
  WHERE o.shop_id = $1 AND o.order_number = $2 AND o.deleted_at IS NULL FOR UPDATE OF o`;
const WRITE = `WITH o0 AS (UPDATE t_orders SET status = $1, tag = $2, updated_at = CURRENT_TIMESTAMP WHERE id = $3 RETURNING id, updated_at),
  r1 AS (INSERT INTO t_hist (order_id, from_tag, to_tag, cause, at) VALUES ($3, $4, $5, $6, $7), ($3, $5, $4, $6, $7))
  SELECT id, updated_at FROM o0`;

async function backendCpuMs(c: Client): Promise<() => number> {
  const pid = (await c.query('SELECT pg_backend_pid() AS p')).rows[0].p as number;
  return () => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // utime + stime in clock ticks of 10 ms
  };
}

async function run(c: Client, n: number): Promise<{ cpu: number; wall: number }> {
  const cpu = await backendCpuMs(c);
  const c0 = cpu();
  const w0 = Date.now();
  for (let i = 0; i < n; i++) {
    await c.query('BEGIN');
    const r = await c.query(LOCK, ['s1', `o${1 + (i % 10_000)}`]);
    await c.query(WRITE, ['st', 'tg', r.rows[0].id, 'a', 'b', 'c', new Date()]);
    await c.query('COMMIT');
  }
  return { cpu: (cpu() - c0) / n, wall: (Date.now() - w0) / n };
}

async function main() {
  const db = await createTestDatabase('bench_prepared');
  const plain = new Client({ connectionString: db.url });
  const Preparing = preparingClient({ minUses: 1 });
  const prepared = new Preparing({ connectionString: db.url });
  try {
    await plain.connect();
    await prepared.connect();
    await plain.query(`CREATE TABLE t_orders (id uuid PRIMARY KEY, shop_id text, order_number text, status text, tag text, amount int,
      updated_at timestamptz DEFAULT now(), data jsonb, deleted_at timestamptz, UNIQUE (shop_id, order_number))`);
    await plain.query(`CREATE TABLE t_settings (shop_id text PRIMARY KEY, a boolean, b int, c jsonb)`);
    await plain.query(`CREATE TABLE t_hist (id serial PRIMARY KEY, order_id uuid, from_tag text, to_tag text, cause text, at timestamptz)`);
    await plain.query(`INSERT INTO t_settings VALUES ('s1', true, 1, '{}')`);
    await plain.query(`INSERT INTO t_orders (id, shop_id, order_number, status, tag, amount, data)
      SELECT gen_random_uuid(), 's1', 'o' || g, 'new', 'x', g, '{}' FROM generate_series(1, 10000) g`);
    const n = Number(process.argv[2] ?? 2000);
    for (let round = 1; round <= 2; round++) {
      for (const [name, c] of [['unnamed ', plain], ['prepared', prepared]] as const) {
        const r = await run(c, n);
        console.log(`round ${round} ${name}: backend CPU ${r.cpu.toFixed(3)} ms / transaction, wall ${r.wall.toFixed(3)} ms`);
      }
    }
  } finally {
    await plain.end();
    await prepared.end();
    await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
