import { redactUrl } from '@rcp/config';
import { ensureDatabase, runMigrationsLocked } from '@rcp/database';
import { loadGatewayConfig } from './config/gateway-config';
import { createGatewayDataSource, GATEWAY_MIGRATION_LOCK } from './persistence/data-source';

/** Creates the database if missing and runs pending migrations (also done at service start). */
export async function migrate(url: string): Promise<string[]> {
  await ensureDatabase(url);
  const ds = createGatewayDataSource(url);
  await ds.initialize();
  try {
    return await runMigrationsLocked(ds, GATEWAY_MIGRATION_LOCK);
  } finally {
    await ds.destroy();
  }
}

if (require.main === module) {
  const config = loadGatewayConfig();
  migrate(config.databaseUrl)
    .then((applied) => console.log(`payment-gateway migrations on ${redactUrl(config.databaseUrl)}: ${applied.length ? applied.join(', ') : 'none pending'}`))
    .catch((err: unknown) => {
      console.error(`payment-gateway migrations failed: ${(err as Error).message}`);
      process.exit(1);
    });
}
