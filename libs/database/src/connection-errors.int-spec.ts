import { Client, Pool } from 'pg';
import { TestDatabase, createTestDatabase } from '@rcp/testing';
import { pgClientPoolOption } from './prepared-statements';

let db: TestDatabase;
let admin: Client;

beforeAll(async () => {
  db = await createTestDatabase('db_conn_errors');
  admin = new Client({ connectionString: db.url });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await db?.drop();
});

describe('connection errors (real PostgreSQL)', () => {
  it.each([
    ['with prepared statements', true],
    ['without prepared statements', false],
  ])('a checked-out connection the server ends between statements does not crash the process (%s)', async (_, prepared) => {
    const pool = new Pool({ connectionString: db.url, max: 2, ...pgClientPoolOption(prepared) });
    pool.on('error', () => undefined);
    try {
      // Checked out and holding no listener of its own — as a client is between pg-pool's hand-over and its holder's
      // listener (TypeORM attaches one when the checkout's promise settles): no query runs when the FATAL arrives.
      const client = await pool.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // (not events.once: it would listen for 'error' itself)
      const ended = new Promise((resolve) => client.once('end', resolve));
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await ended;

      // the holder learns it from its next statement; the pool discards the client and hands out a fresh one
      await expect(client.query('SELECT 1')).rejects.toThrow(/not queryable|terminat/i);
      client.release(true);
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('the bare pg client class would have crashed: the same event with no listener throws', () => {
    const bare = new Client({ connectionString: db.url });
    expect(() => bare.emit('error', new Error('terminating connection due to administrator command'))).toThrow(/administrator command/);
    const safe = new (pgClientPoolOption(false).Client)({ connectionString: db.url });
    expect(() => safe.emit('error', new Error('terminating connection due to administrator command'))).not.toThrow();
  });
});
