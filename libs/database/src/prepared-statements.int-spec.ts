import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { TestDatabase, createTestDatabase } from '@rcp/testing';
import { pgClientPoolOption, preparingClient } from './prepared-statements';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('db_prepared');
});

afterAll(async () => {
  await db?.drop();
});

/** The statements the DataSource's (single) connection has prepared. */
const prepared = async (ds: DataSource): Promise<{ statement: string }[]> => ds.query(`SELECT statement FROM pg_prepared_statements ORDER BY prepare_time`);

describe('preparingClient (real PostgreSQL)', () => {
  it('runs a recurring statement as a prepared statement of the connection, through TypeORM', async () => {
    const ds = new DataSource({ type: 'postgres', url: db.url, extra: { max: 1, ...pgClientPoolOption(true, { minUses: 2 }) } });
    await ds.initialize();
    try {
      await ds.query(`CREATE TABLE item (id int PRIMARY KEY, name text)`);
      for (let i = 1; i <= 4; i++) await ds.query(`INSERT INTO item (id, name) VALUES ($1, $2)`, [i, `n${i}`]);
      expect(await ds.query(`SELECT name FROM item WHERE id = $1`, [3])).toEqual([{ name: 'n3' }]);
      const statements = await prepared(ds);
      expect(statements.map((s) => s.statement)).toEqual(['INSERT INTO item (id, name) VALUES ($1, $2)']);
      // results and errors are unchanged
      await expect(ds.query(`INSERT INTO item (id, name) VALUES ($1, $2)`, [1, 'dup'])).rejects.toThrow(/duplicate key/);
      expect(await ds.query(`SELECT count(*)::int AS n FROM item`)).toEqual([{ n: 4 }]);
    } finally {
      await ds.destroy();
    }
  });

  it('is off when disabled', async () => {
    const ds = new DataSource({ type: 'postgres', url: db.url, extra: { max: 1, ...pgClientPoolOption(false) } });
    await ds.initialize();
    try {
      for (let i = 0; i < 5; i++) await ds.query(`SELECT $1::int AS v`, [i]);
      expect(await prepared(ds)).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });

  it('recovers after a migration changed the result columns: one failure, then the statement is prepared afresh', async () => {
    const pool = new Pool({ connectionString: db.url, max: 1, Client: preparingClient({ minUses: 1 }) });
    try {
      await pool.query(`CREATE TABLE widget (id int PRIMARY KEY)`);
      await pool.query(`INSERT INTO widget VALUES (1)`);
      // pg's Pool.query uses the callback form
      expect((await pool.query(`SELECT * FROM widget WHERE id = $1`, [1])).rows).toEqual([{ id: 1 }]);
      await pool.query(`ALTER TABLE widget ADD COLUMN colour text DEFAULT 'red'`);
      await expect(pool.query(`SELECT * FROM widget WHERE id = $1`, [1])).rejects.toThrow(/cached plan must not change result type/);
      expect((await pool.query(`SELECT * FROM widget WHERE id = $1`, [1])).rows).toEqual([{ id: 1, colour: 'red' }]);
    } finally {
      await pool.end();
    }
  });
});
