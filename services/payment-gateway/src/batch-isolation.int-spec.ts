import { AuthRequested, createEnvelope } from '@rcp/contracts';
import { ParkingLot } from '@rcp/messaging';
import { testRabbitUrl, uniqueName, waitFor } from '@rcp/testing';
import type { RunningGateway } from './bootstrap';
import { adminFetch, EventBus, newOperationId, orderNumber, SHOP, SimulatorHandle, startGatewayUnderTest, type GatewayUnderTest } from './test-support/harness';

/**
 * docs/reliability.md F1: one permanently failing order must not take the orders batched with it down.
 * The simulator answers HTTP 500 to every authori carrying the bad order (a request-level fault fails the whole
 * request, as the real API does); the healthy orders of its first batch must still complete, each exactly once.
 */
describe('payment-gateway batch isolation (a poisonous order fails only itself)', () => {
  const namePrefix = uniqueName('gw_iso');
  let stack: GatewayUnderTest;
  let sim: SimulatorHandle;
  let gateway: RunningGateway;
  let bus: EventBus;

  beforeAll(async () => {
    // batches of up to 10; 2 attempts: the redeliveries of one batch come back together and (before the fix) were
    // batched together again, so a healthy order had one retry to get away from the bad one
    stack = await startGatewayUnderTest(namePrefix, 'gw_iso', { GATEWAY_MAX_ATTEMPTS: '2', GATEWAY_RETRY_DELAYS_MS: '300' });
    ({ sim, gateway, bus } = stack);
  }, 120_000);

  afterAll(() => stack?.stop());

  it('dead-letters and parks only the order with a permanent 500; the healthy orders of its batch complete exactly once', async () => {
    const bad = orderNumber();
    const healthy = Array.from({ length: 9 }, () => orderNumber());
    await sim.admin('POST', '/faults', { type: 'http500', operations: ['authori'], orderNumbers: [bad] });

    const badRequest = createEnvelope(AuthRequested, { operationId: newOperationId(), orderNumber: bad, amount: 1500, payType: 0 }, { shopId: SHOP.shopId });
    const healthyRequests = healthy.map((order, i) =>
      createEnvelope(AuthRequested, { operationId: newOperationId(), orderNumber: order, amount: 1000 + i, payType: 0 }, { shopId: SHOP.shopId }),
    );
    await bus.publisher.publish([...healthyRequests.slice(0, 4), badRequest, ...healthyRequests.slice(4)]); // one batch of 10

    // each healthy order ends with its result, or (the bug) dead-lettered with the bad one
    const deadLetterOf = (operationId: string) =>
      bus.ofType('PaymentRequestDeadLettered').find((d) => (d.data.operationIds as string[]).includes(operationId));
    const outcomes = await Promise.all(
      healthyRequests.map((e) => waitFor(() => bus.results(e.data.operationId)[0] ?? deadLetterOf(e.data.operationId), `an outcome of ${e.data.orderNumber}`, 30_000)),
    );
    expect(outcomes.map((r) => r.type)).toEqual(healthy.map(() => 'AuthCompleted'));
    outcomes.forEach((r, i) => expect(r.data.orderNumber).toBe(healthy[i]));

    const dead = await waitFor(
      () => deadLetterOf(badRequest.data.operationId),
      'PaymentRequestDeadLettered of the bad order',
      30_000,
    );
    expect(dead.data.operationIds).toEqual([badRequest.data.operationId]);
    expect(dead.data.reason).toEqual(expect.stringMatching(/500/));
    // Two legitimate ways to give up, depending on where the 500 struck: the request message failed its last broker
    // attempt (parked in the queue's parking lot), or the message had been acked with the outcome unknown and the
    // resubmitter gave up (the ledger holds it). Either way nothing else may be parked.
    const dlq = `${namePrefix}.payment-gateway.dlq`;
    expect(dead.data.parkedIn).toMatch(new RegExp(`^(${dlq.replace(/[.]/g, '\\.')}|payment-gateway ledger\\b.*)$`));
    const lot = new ParkingLot({ url: testRabbitUrl() });
    try {
      if (dead.data.parkedIn === dlq) {
        const parked = await waitFor(
          async () => {
            const list = await lot.list(`${namePrefix}.payment-gateway`);
            return list.some((m) => m.messageId === badRequest.id) ? list : undefined;
          },
          'the parked request of the bad order',
          10_000,
        );
        expect(parked.map((m) => m.messageId)).toEqual([badRequest.id]);
      } else {
        expect(await lot.list(`${namePrefix}.payment-gateway`)).toEqual([]);
      }
    } finally {
      await lot.close();
    }

    // the bad order really shared its first card request with healthy ones (else this test proves nothing)
    const firstRequests = (await (await adminFetch(`${gateway.url}/admin/requests?kind=auth&orderNumber=${bad}&limit=50`)).json()) as {
      requests: { orderNumbers: string[] }[];
    };
    expect(firstRequests.requests.some((r) => r.orderNumbers.length > 1 && r.orderNumbers.some((o) => healthy.includes(o)))).toBe(true);

    // settle: no late result or dead-letter for anyone
    await new Promise((r) => setTimeout(r, 1500));
    expect(bus.ofType('PaymentRequestDeadLettered').filter((d) => (d.data.operationIds as string[]).some((id) => healthyRequests.some((h) => h.data.operationId === id)))).toEqual([]);
    for (const e of healthyRequests) expect(bus.results(e.data.operationId)).toHaveLength(1);
    expect(bus.results(badRequest.data.operationId).filter((r) => r.type.startsWith('Auth'))).toEqual([]);
    const ledger = await sim.ledger({ shopUrl: SHOP.shopUrl, op: 'authori' });
    for (const order of healthy) expect(ledger.filter((e) => e.orderNumber === order)).toHaveLength(1);
    expect(ledger.filter((e) => e.orderNumber === bad)).toHaveLength(0);
    const op = (await (await adminFetch(`${gateway.url}/admin/operations/${badRequest.data.operationId}`)).json()) as { operation: { state: string } };
    expect(op.operation.state).toBe('dead');
  }, 90_000);
});
