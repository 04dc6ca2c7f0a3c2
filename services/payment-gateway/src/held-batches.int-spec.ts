import { AuthRequested, createEnvelope } from '@rcp/contracts';
import { Metrics } from '@rcp/observability';
import { uniqueName } from '@rcp/testing';
import { SaturationLinger } from './batching/linger-while-saturated';
import { EventBus, newOperationId, orderNumber, SHOP, SimulatorHandle, startGatewayUnderTest, type GatewayUnderTest } from './test-support/harness';

const HOLD_MS = 5000;
const TARGET = 4;

/**
 * The saturation linger as wired in the running gateway: a held batch goes out once it reaches
 * GATEWAY_BATCH_LINGER_TARGET_ORDERS, not when the hold ends; a smaller one waits for the hold.
 */
describe('payment-gateway held batches (real broker, database and simulator)', () => {
  const namePrefix = uniqueName('gw_hold');
  let stack: GatewayUnderTest;
  let sim: SimulatorHandle;
  let bus: EventBus;
  let linger: SaturationLinger;

  beforeAll(async () => {
    stack = await startGatewayUnderTest(namePrefix, 'gw_hold', {
      GATEWAY_BATCH_LINGER_MS: String(HOLD_MS),
      GATEWAY_BATCH_LINGER_MAX_MS: String(HOLD_MS),
      GATEWAY_BATCH_LINGER_TARGET_ORDERS: String(TARGET),
    });
    ({ sim, bus } = stack);
    linger = stack.gateway.app.get(SaturationLinger, { strict: false });
  }, 120_000);

  afterAll(() => stack?.stop());

  /** What a saturated event loop reports (the sampler's idle readings take ≈ 8 s to bring the mean back down). */
  const saturate = () => {
    linger.observe(1000);
    expect(linger.linger()).toBe(HOLD_MS);
  };

  /** Authorization batches the gateway reports as sent for `reason` (its `rcp_batch_flush_size` histogram). */
  const flushesFor = async (reason: string) => {
    const text = await stack.gateway.app.get(Metrics, { strict: false }).render();
    const line = text.split('\n').find((l) => l.startsWith('rcp_batch_flush_size_count{') && l.includes('operation="auth"') && l.includes(`reason="${reason}"`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  const publishAuths = async (n: number) => {
    const sent = Array.from({ length: n }, () =>
      createEnvelope(AuthRequested, { operationId: newOperationId(), orderNumber: orderNumber(), amount: 1000, payType: 0 }, { shopId: SHOP.shopId }),
    );
    await bus.publisher.publish(sent);
    return sent;
  };

  it('sends a held batch as soon as it has the target number of orders, in one card request', async () => {
    saturate();
    const started = performance.now();
    const sent = await publishAuths(TARGET);
    const results = await Promise.all(sent.map((e) => bus.resultOf(e.data.operationId, HOLD_MS + 10_000)));
    const elapsed = performance.now() - started;

    expect(results.map((r) => r.type)).toEqual(sent.map(() => 'AuthCompleted'));
    expect(elapsed).toBeLessThan(HOLD_MS - 1000); // not held for the linger
    const ledger = (await sim.ledger({ shopUrl: SHOP.shopUrl, op: 'authori' })).filter((e) => sent.some((s) => s.data.orderNumber === e.orderNumber));
    expect(ledger).toHaveLength(TARGET);
    expect(new Set(ledger.map((e) => e.requestId)).size).toBe(1);
    expect(await flushesFor('target')).toBe(1);
  }, 30_000);

  it('holds a smaller batch for the linger', async () => {
    saturate();
    const started = performance.now();
    const sent = await publishAuths(TARGET - 2);
    const results = await Promise.all(sent.map((e) => bus.resultOf(e.data.operationId, HOLD_MS + 10_000)));
    const elapsed = performance.now() - started;

    expect(results.map((r) => r.type)).toEqual(sent.map(() => 'AuthCompleted'));
    expect(elapsed).toBeGreaterThanOrEqual(HOLD_MS - 200);
    expect(await flushesFor('hold')).toBe(1);
  }, 30_000);
});
