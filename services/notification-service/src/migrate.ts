import { redactUrl } from '@rcp/config';
import { ensureDatabase, runMigrationsLocked } from '@rcp/database';
import { loadNotificationEnv } from './config/env';
import { MIGRATION_LOCK_KEY, createDataSource } from './data-source';

/** Creates the database if missing and applies pending migrations under the advisory lock. */
export async function migrateDatabase(databaseUrl: string): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const dataSource = createDataSource(databaseUrl);
  await dataSource.initialize();
  try {
    return await runMigrationsLocked(dataSource, MIGRATION_LOCK_KEY);
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  const env = loadNotificationEnv();
  migrateDatabase(env.NOTIFY_DATABASE_URL)
    .then((applied) => {
      console.log(`notification-service: ${applied.length} migration(s) applied to ${redactUrl(env.NOTIFY_DATABASE_URL)}${applied.length ? `: ${applied.join(', ')}` : ''}`);
    })
    .catch((err: unknown) => {
      console.error(`notification-service migration failed: ${(err as Error).message}`);
      process.exit(1);
    });
}
