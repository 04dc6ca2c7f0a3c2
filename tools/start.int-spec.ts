/**
 * `npm start` hands each service an environment; every service validates its environment at boot and exits on a
 * bad one. This boots each service from dist/ with exactly that environment (only the port, the database, the
 * messaging prefix and the admin key swapped for test ones), so a setting npm start gets wrong fails here.
 */
import { generateApiKey } from '@rcp/auth';
import { createTestDatabase, spawnService, testRabbitUrl, uniqueName, type SpawnedService, type TestDatabase } from '@rcp/testing';
import { devServiceSpecs } from './start';

const dbs: TestDatabase[] = [];
const started: SpawnedService[] = [];

afterAll(async () => {
  for (const s of started.reverse()) await s.stop().catch(() => undefined);
  await Promise.all(dbs.map((d) => d.drop().catch(() => undefined)));
}, 60_000);

describe('npm start environment', () => {
  it('every service boots with the environment npm start gives it', async () => {
    const prefix = uniqueName('start');
    const adminKey = generateApiKey().key;
    for (const spec of devServiceSpecs(2525)) {
      const dbVar = Object.keys(spec.env).find((k) => k.endsWith('DATABASE_URL'));
      expect(dbVar).toBeDefined();
      const db = await createTestDatabase('start');
      dbs.push(db);
      const service = await spawnService({
        service: spec.name,
        portEnv: spec.portEnv,
        readyTimeoutMs: 45_000,
        env: {
          ...spec.env,
          [dbVar as string]: db.url,
          RABBITMQ_URL: testRabbitUrl(),
          MESSAGING_NAME_PREFIX: prefix,
          RCP_BOOTSTRAP_ADMIN_KEY: adminKey,
          LOG_LEVEL: 'warn',
          SIM_LOG_LEVEL: 'warn',
        },
      });
      started.push(service);
      expect(service.process.exitCode).toBeNull();
    }
    expect(started.map((s) => s.name)).toEqual(['rccs-simulator', 'payment-gateway', 'order-service', 'notification-service']);
  }, 120_000);
});
