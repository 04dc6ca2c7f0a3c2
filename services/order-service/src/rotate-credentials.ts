import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { redactUrl } from '@rcp/config';
import { Keyring } from '@rcp/secrets';
import { parseOrderEnv } from './config/env';
import { migrateOrderDatabase } from './app';
import { orderDataSourceOptions } from './database/data-source';
import { rotateCredentials } from './shops/rotate';

/**
 * Re-encrypts every stored shop credential under the current key of CREDENTIALS_ENCRYPTION_KEYS (first entry).
 * Run after putting a new key first and keeping the old ones: `node dist/services/order-service/src/rotate-credentials.js`
 * (or `npm run rotate-credentials`); then the old keys can be removed. Exit 1 when a value could not be opened.
 */
async function main(): Promise<void> {
  const env = parseOrderEnv();
  const keyring = Keyring.fromEnv('CREDENTIALS_ENCRYPTION', process.env);
  const batch = Number(process.argv.find((a) => a.startsWith('--batch-size='))?.split('=')[1] ?? 100);
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) throw new Error('--batch-size must be an integer between 1 and 10000');
  await migrateOrderDatabase(env.ORDER_DATABASE_URL);
  const ds = new DataSource(orderDataSourceOptions(env.ORDER_DATABASE_URL));
  await ds.initialize();
  try {
    console.log(`rotating shop credentials on ${redactUrl(env.ORDER_DATABASE_URL)} to key "${keyring.currentKeyId}" (ring: ${keyring.keyIds().join(', ')})`);
    const report = await rotateCredentials(ds, keyring, batch, (r) => console.log(`  … ${r.shops} shops, ${r.rotated} values re-encrypted`));
    console.log(
      `done: ${report.shops} shops, ${report.values} values, ${report.rotated} re-encrypted, ${report.alreadyCurrent} already under "${report.currentKeyId}", ${report.failed.length} failed`,
    );
    for (const f of report.failed) console.error(`  FAILED shop ${f.shopId} field ${f.field}: ${f.reason}`);
    if (report.failed.length) process.exitCode = 1;
  } finally {
    await ds.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(`rotate-credentials failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
