import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Default URLs of the local services this project's machines run; overridden by the environment. */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_RABBITMQ_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** The PostgreSQL server URL tests use (an admin connection: it may create and drop databases). */
export function testDatabaseServerUrl(): string {
  return process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
}

/** The RabbitMQ URL tests use. */
export function testRabbitUrl(): string {
  return process.env.RABBITMQ_URL ?? DEFAULT_RABBITMQ_URL;
}

/**
 * A short name unique to this test run, safe for database, queue and exchange names.
 * @param prefix - what the name is for, e.g. `msg` or `gw`
 */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** Replaces the database part of a PostgreSQL URL. */
export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A database created for one test file; drop it in `afterAll`. */
export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty database with a unique name on the test PostgreSQL server. */
export async function createTestDatabase(prefix = 'rcp_test'): Promise<TestDatabase> {
  const name = uniqueName(prefix).toLowerCase();
  const admin = new Client({ connectionString: testDatabaseServerUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(testDatabaseServerUrl(), name),
    async drop() {
      const c = new Client({ connectionString: testDatabaseServerUrl() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
