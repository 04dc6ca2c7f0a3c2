import { Client } from 'pg';
import { AuthRequested, createEnvelope } from '@rcp/contracts';
import { createTestDatabase, spawnService, uniqueName, waitFor, type SpawnedService, type TestDatabase } from '@rcp/testing';
import { EventBus, gatewayEnv, newOperationId, orderNumber, SHOP, SimulatorHandle } from './test-support/harness';

describe('payment-gateway killed with SIGKILL mid-batch', () => {
  const namePrefix = uniqueName('gwk');
  let sim: SimulatorHandle;
  let db: TestDatabase;
  let bus: EventBus;
  let gateway: SpawnedService | undefined;

  const start = () =>
    spawnService({ service: 'payment-gateway', portEnv: 'GATEWAY_PORT', env: gatewayEnv(db.url, namePrefix, sim.endpoint), readyPath: '/health/ready', readyTimeoutMs: 90_000 });

  beforeAll(async () => {
    sim = await SimulatorHandle.start();
    db = await createTestDatabase('gwk');
    gateway = await start();
    bus = await EventBus.open(namePrefix);
  }, 120_000);

  afterAll(async () => {
    await bus?.close();
    await gateway?.stop();
    await sim?.stop();
    await db?.drop();
  });

  it('gives every order exactly one result and performs no API operation twice', async () => {
    await sim.admin('POST', '/faults', { type: 'delay', operations: ['authori'], delayMs: 1500, count: 1 });
    const sent = Array.from({ length: 20 }, () =>
      createEnvelope(AuthRequested, { operationId: newOperationId(), orderNumber: orderNumber(), amount: 1500, payType: 0 }, { shopId: SHOP.shopId }),
    );
    await bus.publisher.publish(sent);

    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      await waitFor(async () => (await pg.query(`SELECT 1 FROM card_request`)).rowCount! > 0, 'a persisted card request', 20_000);
      await new Promise((r) => setTimeout(r, 300));
      await gateway!.kill();
      const before = await pg.query<{ state: string }>(`SELECT state FROM payment_operation`);
      expect(before.rows.some((r) => r.state !== 'succeeded' && r.state !== 'failed')).toBe(true);
    } finally {
      await pg.end();
    }

    gateway = await start();
    for (const e of sent) await bus.resultOf(e.data.operationId, 40_000);
    await new Promise((r) => setTimeout(r, 1000));
    for (const e of sent) {
      // The outbox is at-least-once: a relay killed between the broker's confirm and marking its rows sent publishes
      // them again after the restart, with the same message id (consumers' inboxes absorb it). What must never happen
      // is a second, different result event.
      const distinct = [...new Map(bus.results(e.data.operationId).map((r) => [r.id, r])).values()];
      expect(distinct).toHaveLength(1);
      expect(distinct[0]?.type).toBe('AuthCompleted');
    }
    const ledger = await sim.ledger({ shopUrl: SHOP.shopUrl, op: 'authori' });
    for (const e of sent) expect(ledger.filter((l) => l.orderNumber === e.data.orderNumber)).toHaveLength(1);
  }, 110_000);
});
