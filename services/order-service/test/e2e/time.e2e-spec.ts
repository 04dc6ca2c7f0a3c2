/**
 * End to end, time-dependent paths: a card API that does not answer for hours (PaymentStuck), and a capture 61 days
 * after the authorization (refused; with autoReauthorize renewed by exactly one new authorization). order-service's
 * clock and the simulator's clock move together; the gateway runs on real time.
 */
import { waitFor } from '@rcp/testing';
import { ApiLogEntry, DAY_MS, Json, startSystem, System } from './system';

const MINUTE = 60_000;
let sys: System;
let shop: string;
const num = (n: number) => `338459-20240602-${String(n).padStart(8, '0')}`;

beforeAll(async () => {
  sys = await startSystem({
    orderEnv: { STUCK_JOB_INTERVAL_MS: '200' },
    gatewayEnv: { GATEWAY_STUCK_AFTER_MS: '2500', GATEWAY_STUCK_CHECK_INTERVAL_MS: '250' },
  });
  shop = sys.shops[0].shopId;
}, 90_000);

afterAll(() => sys?.close(), 60_000);

async function create(n: number): Promise<void> {
  const r = await sys.api('POST', `/shops/${shop}/orders`, { orderNumber: num(n), orderedAt: '2024-06-02T01:00:00Z', paymentMethod: 'クレジットカード', totalAmount: 2400, billedAmount: 2400 });
  expect(r.status).toBe(201);
}

async function act(action: string, n: number): Promise<Json> {
  const r = await sys.api('POST', `/shops/${shop}/orders/actions/${action}`, { orderNumbers: [num(n)] });
  expect(r.status).toBe(200);
  return r.body.results[0];
}

async function detail(n: number): Promise<Json> {
  const r = await sys.api('GET', `/shops/${shop}/orders/${num(n)}`);
  expect(r.status).toBe(200);
  return r.body;
}

const tagIs = (n: number, tag: string) =>
  waitFor(async () => {
    const d = await detail(n);
    return d.paymentTag === tag ? d : undefined;
  }, `${num(n)} tagged ${tag}`, 20_000, 100);

const stuckEvents = (n: number, by: string) => sys.events.filter((e) => e.type === 'PaymentStuck' && e.data.orderNumber === num(n) && e.data.detectedBy === by);

describe('stuck operations (a card API that takes hours)', () => {
  it('flags the order with PaymentStuck once, and applies the result when it finally comes', async () => {
    expect((await sys.simAdmin('PUT', '/settings', { processingDelayMs: 2 * 60 * MINUTE })).status).toBe(200);
    await create(1);
    const auth = await act('authorize', 1);
    expect(auth).toMatchObject({ outcome: 'accepted', paymentTag: 'オーソリ中' });
    // the gateway submitted it: the simulator holds the order with a request in progress
    await waitFor(async () => (await sys.simAdmin('GET', `/orders/${num(1)}`)).status === 200, 'the authori at the simulator', 15_000, 100);

    // The gateway (real time, 2.5 s threshold here) notices the request it cannot resolve.
    const byGateway = await sys.waitForEvent('PaymentStuck', (e) => e.data.orderNumber === num(1) && e.data.detectedBy === 'payment-gateway', 15_000);
    expect(byGateway.data).toMatchObject({ operation: 'auth', operationId: auth.operationId });
    expect(byGateway.data.rccsRequestId).toBeGreaterThan(0);

    // Not yet stuck for order-service (60 minutes by default) ...
    await new Promise((r) => setTimeout(r, 500));
    expect(stuckEvents(1, 'order-service')).toEqual([]);
    expect((await sys.api('GET', `/shops/${shop}/payments/stuck`)).body.items).toEqual([]);

    // ... 61 minutes later it is: one PaymentStuck with the operation and its age.
    await sys.advance(61 * MINUTE);
    const byOrders = await sys.waitForEvent('PaymentStuck', (e) => e.data.orderNumber === num(1) && e.data.detectedBy === 'order-service', 10_000);
    expect(byOrders.shopId).toBe(shop);
    expect(byOrders.data).toMatchObject({ operation: 'auth', operationId: auth.operationId });
    expect(byOrders.data.ageSeconds).toBeGreaterThanOrEqual(61 * 60);
    const stuck = (await sys.api('GET', `/shops/${shop}/payments/stuck`)).body.items;
    expect(stuck).toEqual([expect.objectContaining({ orderNumber: num(1), paymentTag: 'オーソリ中', stuckReported: true })]);
    expect(stuck[0].pendingMinutes).toBeGreaterThanOrEqual(61);
    await new Promise((r) => setTimeout(r, 800)); // several job runs: still one event
    expect(stuckEvents(1, 'order-service')).toHaveLength(1);
    expect((await detail(1)).paymentTag).toBe('オーソリ中');

    // The card API finishes an hour later; the gateway's poll picks it up and the order is authorized.
    await sys.advance(60 * MINUTE);
    const done = await tagIs(1, 'オーソリ済');
    expect(done.apiLog.filter((l: ApiLogEntry) => l.direction === 'result').map((l: ApiLogEntry) => `${l.eventType}:${l.applied}`)).toEqual(['AuthCompleted:true']);
    expect((await sys.api('GET', `/shops/${shop}/payments/stuck`)).body.items).toEqual([]);
    expect((await sys.ledger(num(1))).map((e) => `${e.op}:${e.cardStatus}`)).toEqual(['authori:12']);
    expect((await sys.simAdmin('PUT', '/settings', { processingDelayMs: 200 })).status).toBe(200);
  });
});

describe('authorization validity (61 days)', () => {
  it('refuses a capture 61 days after the authorization with the reason; with autoReauthorize renews it with exactly one new authorization', async () => {
    await create(2);
    await act('authorize', 2);
    const authorized = await tagIs(2, 'オーソリ済');
    const expiresAt = new Date(authorized.authorization.expiresAt).getTime();
    expect(expiresAt - sys.clock.now().getTime()).toBeGreaterThan(59 * DAY_MS);
    expect((await sys.api('PATCH', `/shops/${shop}/orders/${num(2)}`, { status: '出荷済' })).status).toBe(200);

    await sys.advance(61 * DAY_MS);
    const expiring = (await sys.api('GET', `/shops/${shop}/payments/expiring?withinDays=7`)).body.items;
    expect(expiring.find((o: Json) => o.orderNumber === num(2))).toMatchObject({ expired: true, paymentTag: 'オーソリ済' });

    const refused = await act('capture', 2);
    expect(refused).toMatchObject({ outcome: 'refused', paymentTag: 'オーソリ済' });
    expect(refused.reason).toMatch(/expired.*reauthorize/);
    await new Promise((r) => setTimeout(r, 500));
    expect((await detail(2)).paymentTag).toBe('オーソリ済');
    const ledgerBefore = await sys.ledger(num(2));
    expect(ledgerBefore.map((e) => e.op)).toEqual(['authori']); // no doomed sales was sent

    expect((await sys.api('PUT', `/shops/${shop}/settings`, { autoReauthorize: true })).status).toBe(200);
    const renewed = await act('capture', 2);
    expect(renewed).toMatchObject({ outcome: 'accepted', operation: 'auth-cancel', paymentTag: 'オーソリ取消中' });
    const captured = await tagIs(2, '売上請求済');
    expect(captured.paymentTagHistory.map((t: Json) => t.to)).toEqual([
      '未オーソリ', 'オーソリ中', 'オーソリ済', // the first authorization
      'オーソリ取消中', '未オーソリ', 'オーソリ中', 'オーソリ済', '売上請求中', '売上請求済', // the renewal plan
    ]);
    expect(captured.apiLog.filter((l: ApiLogEntry) => l.direction === 'result').map((l: ApiLogEntry) => `${l.eventType}:${l.errorCode}`)).toEqual([
      'AuthCompleted:RCCS_N00-000',
      'AuthCancelCompleted:RCCS_N00-000',
      'AuthCompleted:RCCS_N00-000',
      'CaptureCompleted:RCCS_N00-000',
    ]);
    // the new authorization is valid for another 60 days from now
    expect(new Date(captured.authorization.expiresAt).getTime() - sys.clock.now().getTime()).toBeGreaterThan(59 * DAY_MS);

    const ledger = await sys.ledger(num(2));
    expect(ledger.map((e) => `${e.op}:${e.errorCode}:${e.cardStatus}`)).toEqual([
      'authori:RCCS_N00-000:12',
      'authoriCancel:RCCS_N00-000:32',
      'authori:RCCS_N00-000:12',
      'sales:RCCS_N00-000:22',
    ]);
    const newAuthorizations = ledger.slice(ledgerBefore.length).filter((e) => e.op === 'authori');
    expect(newAuthorizations).toHaveLength(1);
    expect(sys.events.filter((e) => e.type === 'AuthRequested' && e.data.orderNumber === num(2))).toHaveLength(2);
    expect(sys.events.filter((e) => e.type === 'CaptureRequested' && e.data.orderNumber === num(2))).toHaveLength(1);
  });
});
