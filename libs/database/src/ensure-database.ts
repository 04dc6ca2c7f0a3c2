import { Client } from 'pg';
import { redactUrl } from '@rcp/config';

/**
 * Creates the database named in `url` when it does not exist (connecting to the server's `postgres`
 * database to do so). Safe when several processes race: a concurrent creation is treated as success.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error(`Database URL ${redactUrl(url)} names no database`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${redactUrl(admin.toString())} (${(err as Error).message}). ` +
        `Start it ('pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start', or 'docker compose up -d postgres') ` +
        `or set DATABASE_URL.`,
    );
  }
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code !== '42P04' && code !== '23505') throw err; // created concurrently by another process
      }
    }
  } finally {
    await client.end();
  }
}
