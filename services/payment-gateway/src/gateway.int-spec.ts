import { AuthRequested, CaptureRequested, CardStatusRequested, createEnvelope } from '@rcp/contracts';
import { ParkingLot } from '@rcp/messaging';
import { testRabbitUrl, uniqueName, waitFor } from '@rcp/testing';
import type { RunningGateway } from './bootstrap';
import { EventBus, newOperationId, orderNumber, SHOP, SimulatorHandle, adminFetch, startGatewayUnderTest, type GatewayUnderTest } from './test-support/harness';

describe('payment-gateway against the simulator (RabbitMQ + PostgreSQL)', () => {
  const namePrefix = uniqueName('gw');
  let stack: GatewayUnderTest;
  let sim: SimulatorHandle;
  let gateway: RunningGateway;
  let bus: EventBus;

  beforeAll(async () => {
    stack = await startGatewayUnderTest(namePrefix, 'gw');
    ({ sim, gateway, bus } = stack);
  }, 120_000);

  afterAll(() => stack?.stop());

  afterEach(async () => {
    await sim.admin('DELETE', '/faults');
    await sim.admin('DELETE', '/decline-rules');
  });

  const auth = (order: string, amount: number, operationId = newOperationId()) =>
    bus.request(AuthRequested, { operationId, orderNumber: order, amount, payType: 0 });

  it('authorizes N orders with at most ceil(N / batch size) authori calls and answers declines as AuthFailed', async () => {
    await sim.admin('POST', '/decline-rules', { operations: ['authori'], minAmount: 9999, maxAmount: 9999 });
    const orders = Array.from({ length: 12 }, (_, i) => ({ order: orderNumber(), amount: i % 4 === 0 ? 9999 : 1000 + i }));
    const sent = orders.map((o) =>
      createEnvelope(AuthRequested, { operationId: newOperationId(), orderNumber: o.order, amount: o.amount, payType: 0 }, { shopId: SHOP.shopId }),
    );
    await bus.publisher.publish(sent); // one pipelined publish: all 12 arrive within the batch window
    const results = await Promise.all(sent.map((e) => bus.resultOf(e.data.operationId)));

    results.forEach((r, i) => {
      const declined = (orders[i] as { amount: number }).amount === 9999;
      expect(r.type).toBe(declined ? 'AuthFailed' : 'AuthCompleted');
      expect(r.data.errorClass).toBe(declined ? 'buyer-action' : null);
      expect(r.data.rccsRequestId).toEqual(expect.any(Number));
      expect(r.correlationId).toBe(sent[i]?.correlationId);
    });
    const ledger = (await sim.ledger({ shopUrl: SHOP.shopUrl, op: 'authori' })).filter((e) => orders.some((o) => o.order === e.orderNumber));
    expect(ledger).toHaveLength(12);
    expect(new Set(ledger.map((e) => e.requestId)).size).toBeLessThanOrEqual(Math.ceil(12 / 10));

    const detail = (await (await adminFetch(`${gateway.url}/admin/operations/${sent[1]?.data.operationId}`)).json()) as any;
    expect(detail.operation.state).toBe('succeeded');
    expect(detail.cardRequest.state).toBe('completed');
    expect(JSON.stringify(detail)).not.toContain(SHOP.authKey);
    expect(JSON.stringify(detail.cardRequest.exchanges)).toContain('authori');
  });

  it('answers a 0-yen authorization with AuthFailed and never calls the card API', async () => {
    const order = orderNumber();
    const e = await auth(order, 0);
    const r = await bus.resultOf(e.data.operationId);
    expect(r.type).toBe('AuthFailed');
    expect(String(r.data.message)).toMatch(/0-yen/);
    expect(r.data.rccsRequestId).toBeNull();
    expect(await sim.ledger({ orderNumber: order })).toHaveLength(0);
  });

  it('performs one API operation for duplicate messages and for two messages with one operationId', async () => {
    const order = orderNumber();
    const operationId = newOperationId();
    const first = await auth(order, 2500, operationId);
    await bus.publisher.publish(first); // same message twice
    await auth(order, 2500, operationId); // new message id, same operationId
    await bus.resultOf(operationId);
    await new Promise((r) => setTimeout(r, 800));
    expect(bus.results(operationId)).toHaveLength(1);
    expect(await sim.ledger({ orderNumber: order })).toHaveLength(1);
  });

  it('fails the capture of an authorization older than 60 days with the reason', async () => {
    const order = orderNumber();
    const a = await auth(order, 3000);
    expect((await bus.resultOf(a.data.operationId)).type).toBe('AuthCompleted');
    await sim.admin('POST', '/clock', { advanceMs: 61 * 86_400_000 });
    try {
      const c = await bus.request(CaptureRequested, { operationId: newOperationId(), orderNumber: order, amount: 3000 });
      const r = await bus.resultOf(c.data.operationId);
      expect(r.type).toBe('CaptureFailed');
      expect(r.data.errorCode).toBe('RCCS_E21-003');
      expect(r.data.errorClass).toBe('operator-action');
      expect(String(r.data.message).length).toBeGreaterThan(0);
    } finally {
      await sim.admin('POST', '/clock', { reset: true });
    }
  });

  it('retries through HTTP 500s and completes', async () => {
    await sim.admin('POST', '/faults', { type: 'http500', count: 5 });
    const order = orderNumber();
    const e = await auth(order, 1800);
    const r = await bus.resultOf(e.data.operationId, 20_000);
    expect(r.type).toBe('AuthCompleted');
    const faults = await sim.admin<{ fired: number }[] | { faults: { fired: number }[] }>('GET', '/faults');
    const list = Array.isArray(faults) ? faults : faults.faults;
    expect(list[0]?.fired).toBe(5);
    expect(await sim.ledger({ orderNumber: order })).toHaveLength(1);
  });

  it('parks the request and publishes PaymentRequestDeadLettered when the API keeps failing; a replay after recovery completes', async () => {
    await sim.admin('POST', '/faults', { type: 'http500' });
    const order = orderNumber();
    const e = await auth(order, 2100);
    const dead = await waitFor(
      () => bus.ofType('PaymentRequestDeadLettered').find((d) => (d.data.operationIds as string[]).includes(e.data.operationId)),
      'PaymentRequestDeadLettered',
      20_000,
    );
    expect(dead.data.reason).toEqual(expect.stringMatching(/500|fault|circuit/i));
    expect(dead.data.parkedIn).toBe(`${namePrefix}.payment-gateway.dlq`);
    expect(JSON.stringify(dead)).not.toContain(SHOP.authKey);
    const lot = new ParkingLot({ url: testRabbitUrl() });
    const queue = `${namePrefix}.payment-gateway`;
    try {
      await waitFor(async () => (await lot.list(queue)).some((m) => m.messageId === e.id), 'the parked request', 10_000);
      expect(bus.results(e.data.operationId).filter((r) => r.type.startsWith('Auth'))).toHaveLength(0);

      await sim.admin('DELETE', '/faults');
      await new Promise((r) => setTimeout(r, 400)); // let the breaker half-open
      const replay = await lot.replay(queue, { messageIds: [e.id] });
      expect(replay.replayed).toEqual([e.id]);
    } finally {
      await lot.close(); // its broker connection would keep the jest worker from exiting
    }
    const r = await waitFor(() => bus.results(e.data.operationId).find((x) => x.type === 'AuthCompleted'), 'AuthCompleted after replay', 20_000);
    expect(r.data.orderNumber).toBe(order);
  });

  it('learns through getRCCSResult that a dropped sales call was registered and never resubmits it', async () => {
    const order = orderNumber();
    const a = await auth(order, 4200);
    expect((await bus.resultOf(a.data.operationId)).type).toBe('AuthCompleted');
    await sim.admin('POST', '/faults', { type: 'drop', operations: ['sales'], count: 1 });
    const c = await bus.request(CaptureRequested, { operationId: newOperationId(), orderNumber: order, amount: 4200 });
    const r = await bus.resultOf(c.data.operationId, 20_000);
    expect(r.type).toBe('CaptureCompleted');
    expect(await sim.ledger({ orderNumber: order, op: 'sales' })).toHaveLength(1);
    const detail = (await (await adminFetch(`${gateway.url}/admin/operations/${c.data.operationId}`)).json()) as any;
    expect(detail.cardRequest.timeline.map((t: { state: string }) => t.state)).toEqual(expect.arrayContaining(['outcome-unknown', 'submitted', 'completed']));
  });

  it('reports the card status of an order', async () => {
    const order = orderNumber();
    const a = await auth(order, 5100);
    expect((await bus.resultOf(a.data.operationId)).type).toBe('AuthCompleted');
    const s = await bus.request(CardStatusRequested, { operationId: newOperationId(), orderNumber: order });
    const r = await bus.resultOf(s.data.operationId);
    expect(r.type).toBe('CardStatusReported');
    expect(r.data).toMatchObject({ found: true, cardStatus: 12, amount: 5100 });
  });

  it('is ready with database and broker up, and lists the ledger', async () => {
    const ready = (await (await fetch(`${gateway.url}/health/ready`)).json()) as any;
    expect(ready).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, broker: { status: 'up' }, 'card-api-circuits': { status: 'up' } } });
    expect(ready.info['card-api-circuits'].shops).toMatchObject({ [SHOP.shopId]: 'closed' });
    const list = (await (await adminFetch(`${gateway.url}/admin/requests?kind=auth&state=completed&limit=5`)).json()) as any;
    expect(list.requests.length).toBeGreaterThan(0);
    expect(list.requests.every((r: { kind: string; state: string }) => r.kind === 'auth' && r.state === 'completed')).toBe(true);
    expect((await adminFetch(`${gateway.url}/admin/requests?state=bogus`)).status).toBe(400);
    // operator access: no key → 401, a wrong key → 401; health and metrics stay public
    expect((await fetch(`${gateway.url}/admin/requests`)).status).toBe(401);
    expect((await fetch(`${gateway.url}/admin/requests`, { headers: { authorization: 'Bearer rcp_AAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } })).status).toBe(401);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/rcp_messages_published_total\{service="payment-gateway",type="AuthCompleted"\} [1-9]/);
    expect(metrics).toMatch(/rcp_messages_consumed_total\{service="payment-gateway",queue="payment-gateway",type="AuthRequested",outcome="ack"\} [1-9]/);
    expect(metrics).toMatch(/rcp_card_api_request_duration_seconds_count\{operation="authori",outcome="ok",code="[^"]+"\} [1-9]/);
    expect(metrics).toMatch(/rcp_card_api_batch_size_count\{operation="authori"\} [1-9]/);
    expect(metrics).toContain(`rcp_circuit_breaker_state{shop="${SHOP.shopId}",endpoint="rccs"} 0`);
    expect(metrics).toMatch(/rcp_outbox_lag_seconds\{service="payment-gateway"\} \d/);
  });
});
