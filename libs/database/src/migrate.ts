import { DataSource } from 'typeorm';

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so several replicas (or a migration Job
 * racing a pod) never run the same migration twice. TypeORM itself has no migration lock.
 * @param lockKey - any stable integer per service; the same key serialises migrations of that service
 */
export async function runMigrationsLocked(dataSource: DataSource, lockKey: number): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [lockKey]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [lockKey]);
    }
  } finally {
    await runner.release();
  }
}
