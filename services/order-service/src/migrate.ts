import { redactUrl } from '@rcp/config';
import { parseOrderEnv } from './config/env';
import { migrateOrderDatabase } from './app';

/** Standalone migration entry (e.g. a Kubernetes Job): creates the database if missing and migrates. */
async function main(): Promise<void> {
  const env = parseOrderEnv();
  const applied = await migrateOrderDatabase(env.ORDER_DATABASE_URL);
  console.log(`order-service database ${redactUrl(env.ORDER_DATABASE_URL)}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
