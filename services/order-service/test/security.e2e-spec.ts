/**
 * Security acceptance, end to end with every service as a process from dist/ (run `npm run build` first; the
 * integration test command does): a distinctive canary 認証キー is configured in the simulator and set ONLY through
 * order-service's credentials API (never in GATEWAY_SHOPS). After an authorize → ship → capture flow, connection
 * checks of every kind and the cutover check, the canary must appear in no process output (all at debug level), no
 * event on the exchange (a tap bound to `#`) and no HTTP answer we received.
 */
import { randomBytes } from 'node:crypto';
import * as amqp from 'amqplib';
import { EventEnvelope } from '@rcp/contracts';
import { prefixed } from '@rcp/messaging';
import { generateApiKey } from '@rcp/auth';
import { createTestDatabase, spawnService, testRabbitUrl, uniqueName, waitFor, type SpawnedService, type TestDatabase } from '@rcp/testing';

type Json = any;

const CANARY = `CanaryKey${randomBytes(12).toString('hex')}Zz`;
const key32 = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const num = (n: number) => `338459-20240601-${String(n).padStart(8, '0')}`;

const prefix = uniqueName('sec');
const shopA = uniqueName('seca').replace(/_/g, '-'); // canary credentials, right
const shopB = uniqueName('secb').replace(/_/g, '-'); // known to the simulator, wrong key stored
const shopC = uniqueName('secc').replace(/_/g, '-'); // 店舗URL unknown to the simulator
const shopD = uniqueName('secd').replace(/_/g, '-'); // no credentials at all
const adminKey = generateApiKey().key;
const transportKeys = key32('tr1');

const dbs: TestDatabase[] = [];
const procs: SpawnedService[] = [];
let sim: SpawnedService;
let gateway: SpawnedService;
let order: SpawnedService;
let conn: Awaited<ReturnType<typeof amqp.connect>> | undefined;
const events: EventEnvelope<Json>[] = [];
const rawEvents: string[] = [];
const responses: string[] = [];

async function http(base: string, method: string, path: string, body?: unknown, key: string | null = adminKey): Promise<{ status: number; body: Json; text: string }> {
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  responses.push(`${method} ${path} → ${res.status} ${JSON.stringify(Object.fromEntries(res.headers))} ${text}`);
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed, text };
}
const api = (method: string, path: string, body?: unknown) => http(order.url, method, path, body);

async function tagIs(shop: string, n: number, tag: string): Promise<Json> {
  return waitFor(async () => {
    const r = await api('GET', `/shops/${shop}/orders/${num(n)}`);
    return r.body.paymentTag === tag ? r.body : undefined;
  }, `${shop}/${num(n)} tagged ${tag}`, 20_000, 100);
}

async function createOrder(shop: string, n: number): Promise<void> {
  const r = await api('POST', `/shops/${shop}/orders`, { orderNumber: num(n), orderedAt: '2024-06-01T01:00:00Z', paymentMethod: 'クレジットカード', totalAmount: 1500, billedAmount: 1500 });
  expect(r.status).toBe(201);
}

async function act(shop: string, action: string, n: number): Promise<Json> {
  const r = await api('POST', `/shops/${shop}/orders/actions/${action}`, { orderNumbers: [num(n)] });
  expect(r.status).toBe(200);
  expect(r.body.results[0].outcome).toBe('accepted');
  return r.body.results[0];
}

async function check(shop: string): Promise<Json> {
  const r = await api('POST', `/shops/${shop}/connection-check`);
  expect(r.status).toBe(200);
  expect(r.body.status).toBe('completed');
  return r.body;
}

beforeAll(async () => {
  dbs.push(...(await Promise.all([createTestDatabase('sec_sim'), createTestDatabase('sec_gw'), createTestDatabase('sec_order')])));
  const [simDb, gwDb, orderDb] = dbs as [TestDatabase, TestDatabase, TestDatabase];
  sim = await spawnService({
    service: 'rccs-simulator',
    portEnv: 'SIM_PORT',
    env: {
      SIMULATOR_DATABASE_URL: simDb.url,
      SIM_PROCESSING_DELAY_MS: '200',
      SIM_SHOPS: JSON.stringify([
        { shopUrl: shopA, userName: 'canary-user', authKey: CANARY },
        { shopUrl: shopB, userName: 'user-b', authKey: 'the-right-key-of-b' },
      ]),
      SIM_LOG_LEVEL: 'debug',
    },
  });
  procs.push(sim);
  gateway = await spawnService({
    service: 'payment-gateway',
    portEnv: 'GATEWAY_PORT',
    readyPath: '/health/ready',
    env: {
      GATEWAY_DATABASE_URL: gwDb.url,
      RABBITMQ_URL: testRabbitUrl(),
      MESSAGING_NAME_PREFIX: prefix,
      RCCS_ENDPOINT: `${sim.url}/rccsapi-services/RCCSApiService`,
      RCCS_CONNECT_TIMEOUT_MS: '1000',
      RCCS_RESPONSE_TIMEOUT_MS: '1500',
      GATEWAY_CHECK_TIMEOUT_MS: '5000',
      GATEWAY_SHOPS: '[]',
      GATEWAY_CREDENTIALS_KEYS: key32('gw1'),
      CREDENTIALS_TRANSPORT_KEYS: transportKeys,
      GATEWAY_CREDENTIALS_CACHE_MS: '200',
      GATEWAY_BATCH_MAX_WAIT_MS: '30',
      GATEWAY_FIRST_POLL_DELAY_MS: '100',
      GATEWAY_POLL_BACKOFF_FACTOR: '1.5',
      GATEWAY_POLL_MAX_DELAY_MS: '300',
      GATEWAY_POLL_TICK_MS: '50',
      GATEWAY_CALL_RETRIES: '0',
      RCP_BOOTSTRAP_ADMIN_KEY: adminKey,
      LOG_LEVEL: 'debug',
    },
  });
  procs.push(gateway);

  // The tap is bound before order-service starts so no event is missed.
  conn = await amqp.connect(testRabbitUrl());
  const ch = await conn.createChannel();
  const exchange = prefixed('rakuten.payments', prefix);
  await ch.assertExchange(exchange, 'topic', { durable: true, autoDelete: true });
  const tap = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  await ch.bindQueue(tap.queue, exchange, '#');
  await ch.consume(tap.queue, (msg) => {
    if (!msg) return;
    const text = msg.content.toString();
    rawEvents.push(`${JSON.stringify(msg.properties)} ${text}`);
    events.push(JSON.parse(text) as EventEnvelope<Json>);
  }, { noAck: true });

  order = await spawnService({
    service: 'order-service',
    portEnv: 'ORDER_PORT',
    env: {
      ORDER_DATABASE_URL: orderDb.url,
      RABBITMQ_URL: testRabbitUrl(),
      MESSAGING_NAME_PREFIX: prefix,
      RCP_BOOTSTRAP_ADMIN_KEY: adminKey,
      OUTBOX_POLL_INTERVAL_MS: '50',
      CREDENTIALS_ENCRYPTION_KEYS: key32('enc1'),
      CREDENTIALS_TRANSPORT_KEYS: transportKeys,
      CONNECTION_CHECK_WAIT_MS: '8000',
      LOG_LEVEL: 'debug',
    },
  });
  procs.push(order);
}, 60_000);

afterAll(async () => {
  await conn?.close().catch(() => undefined);
  for (const p of [...procs].reverse()) await p.stop().catch(() => undefined);
  await Promise.all(dbs.map((d) => d.drop().catch(() => undefined)));
}, 30_000);

describe('credentials travel to the gateway sealed and drive the card API', () => {
  it('authorize → ship → capture with credentials set only through the API; connection check ok', async () => {
    const put = await api('PUT', `/shops/${shopA}/credentials`, { shopUrl: shopA, userName: 'canary-user', authKey: CANARY });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ credentialsConfigured: true, credentials: { version: 1, authKey: expect.stringMatching(/^\*+Zz$/) } });
    const updated = await waitFor(() => events.find((e) => e.type === 'ShopCredentialsUpdated' && e.shopId === shopA), 'ShopCredentialsUpdated', 5000);
    expect(updated.data).toEqual({ version: 1, sealed: expect.stringMatching(/^v1\.tr1\./), updatedAt: expect.any(String) });

    // the gateway stores the delivery asynchronously: the first check may still find nothing
    const ok = await waitFor(async () => {
      const c = await check(shopA);
      return c.outcome === 'no-credentials' ? undefined : c;
    }, 'a connection check with the delivered credentials', 15_000, 200);
    expect(ok).toMatchObject({ outcome: 'ok', errorCode: 'RCCS_N00-000', latencyMs: expect.any(Number) });

    await createOrder(shopA, 1);
    await act(shopA, 'authorize', 1);
    await tagIs(shopA, 1, 'オーソリ済');
    expect((await api('PATCH', `/shops/${shopA}/orders/${num(1)}`, { status: '出荷済' })).status).toBe(200);
    await act(shopA, 'capture', 1);
    const done = await tagIs(shopA, 1, '売上請求済');
    expect(done.apiLog.filter((l: Json) => l.direction === 'result').map((l: Json) => l.eventType)).toEqual(['AuthCompleted', 'CaptureCompleted']);
    const ledger = await http(sim.url, 'GET', `/admin/ledger?orderNumber=${num(1)}`, undefined, null);
    expect(ledger.body.entries.map((e: Json) => e.op)).toEqual(['authori', 'sales']);

    // the gateway's admin API: a key is needed, the stored exchanges have the key masked
    expect((await http(gateway.url, 'GET', `/admin/requests?shopId=${shopA}`, undefined, null)).status).toBe(401);
    const requests = await http(gateway.url, 'GET', `/admin/requests?shopId=${shopA}&withExchanges=true`);
    expect(requests.status).toBe(200);
    expect(requests.body.requests.length).toBeGreaterThanOrEqual(2);
    expect(requests.text).toContain('authKey');
    const history = await api('GET', `/shops/${shopA}/history`);
    expect(history.body.items.map((i: Json) => i.kind)).toEqual(expect.arrayContaining(['credentials.update', 'connection-check.requested', 'connection-check.completed']));
  }, 45_000);
});

describe('connection check (接続確認) failures against the simulator', () => {
  it('wrong key, unknown 店舗URL, no credentials, timeout (hang), unreachable (simulator stopped)', async () => {
    expect((await api('PUT', `/shops/${shopB}/credentials`, { shopUrl: shopB, userName: 'user-b', authKey: 'a-wrong-key-of-b' })).status).toBe(200);
    expect((await api('PUT', `/shops/${shopC}/credentials`, { shopUrl: shopC, userName: 'user-c', authKey: 'key-of-an-unknown-shop' })).status).toBe(200);
    const stored = (shop: string) => waitFor(async () => {
      const c = await check(shop);
      return c.outcome === 'no-credentials' ? undefined : c;
    }, `credentials of ${shop} at the gateway`, 15_000, 200);

    const wrong = await stored(shopB);
    expect(wrong).toMatchObject({ outcome: 'wrong-credentials', errorCode: 'RCCS_E01-001', message: expect.stringContaining('認証エラー') });
    // the card API answers an unknown 店舗URL exactly like a wrong key (RCCS_E01-001): reported as such, with the hint
    const unknown = await stored(shopC);
    expect(unknown).toMatchObject({ outcome: 'wrong-credentials', errorCode: 'RCCS_E01-001', message: expect.stringContaining('unknown shop') });
    expect(await check(shopD)).toMatchObject({ outcome: 'no-credentials', message: expect.stringContaining(shopD) });

    expect((await http(sim.url, 'POST', '/admin/faults', { type: 'hang', operations: ['getRCCSRequestId'], shopUrl: shopA, count: 1 }, null)).status).toBeLessThan(300);
    const timeout = await check(shopA);
    expect(timeout).toMatchObject({ outcome: 'timeout', errorCode: 'timeout' });
    expect(timeout.latencyMs).toBeGreaterThanOrEqual(1400);

    await sim.stop();
    const unreachable = await check(shopA);
    expect(unreachable).toMatchObject({ outcome: 'unreachable', errorCode: 'connect' });

    const history = await api('GET', `/shops/${shopB}/history?kind=connection-check.completed`);
    expect(history.body.items[0].detail).toMatchObject({ outcome: 'wrong-credentials', errorCode: 'RCCS_E01-001' });
  }, 45_000);
});

describe('cutover check (R-Card Plus → card API)', () => {
  it('refuses while orders are in progress and lists them; allows after they are resolved or on a recorded admin override', async () => {
    // the simulator was stopped above: run a fresh one on the same database and port
    sim = await spawnService({
      service: 'rccs-simulator',
      portEnv: 'SIM_PORT',
      port: sim.port,
      env: { SIMULATOR_DATABASE_URL: dbs[0]!.url, SIM_PROCESSING_DELAY_MS: '200', SIM_LOG_LEVEL: 'debug', SIM_SHOPS: JSON.stringify([{ shopUrl: shopA, userName: 'canary-user', authKey: CANARY }]) },
    });
    procs.push(sim);
    await createOrder(shopA, 2);
    await createOrder(shopA, 3);
    await act(shopA, 'authorize', 2);
    await act(shopA, 'authorize', 3);
    await tagIs(shopA, 2, 'オーソリ済');
    await tagIs(shopA, 3, 'オーソリ済');
    // order 2 is being cancelled (slowly) while the shop switches the card API off and on again
    expect((await http(sim.url, 'PUT', '/admin/settings', { processingDelayMs: 4000 }, null)).status).toBeLessThan(300);
    await act(shopA, 'cancel-authorization', 2);
    expect((await api('PUT', `/shops/${shopA}/settings`, { useCardApi: false })).status).toBe(200);

    const listed = await api('GET', `/shops/${shopA}/cutover-check`);
    expect(listed.body).toEqual({
      shopId: shopA,
      ok: false,
      total: 2,
      blocking: [
        { orderNumber: num(2), paymentTag: 'オーソリ取消中' },
        { orderNumber: num(3), paymentTag: 'オーソリ済' },
      ],
    });
    const refused = await api('PUT', `/shops/${shopA}/settings`, { useCardApi: true });
    expect(refused.status).toBe(409);
    expect(refused.body.details.cutover.blocking).toEqual(listed.body.blocking);

    // order 2 resolves (the cancellation completes → 未オーソリ); order 3 is still authorized
    await tagIs(shopA, 2, '未オーソリ');
    const after = await api('GET', `/shops/${shopA}/cutover-check`);
    expect(after.body).toMatchObject({ ok: false, blocking: [{ orderNumber: num(3), paymentTag: 'オーソリ済' }] });
    expect((await api('PUT', `/shops/${shopA}/settings`, { useCardApi: true })).status).toBe(409);
    const overridden = await api('PUT', `/shops/${shopA}/settings`, { useCardApi: true, overrideCutover: true, overrideReason: 'order 3 is captured in RMS by hand' });
    expect(overridden.status).toBe(200);
    expect(overridden.body.useCardApi).toBe(true);
    const history = await api('GET', `/shops/${shopA}/history?kind=cutover`);
    expect(history.body.items).toEqual([expect.objectContaining({ kind: 'cutover.override', detail: expect.objectContaining({ reason: 'order 3 is captured in RMS by hand', total: 1 }) })]);
    const audit = await api('GET', `/audit?shopId=${shopA}&action=cutover.override`);
    expect(audit.body.items).toHaveLength(1);

    // resolved without override: cancel order 3 too, switch off and on again
    await http(sim.url, 'PUT', '/admin/settings', { processingDelayMs: 200 }, null);
    await act(shopA, 'cancel-authorization', 3);
    await tagIs(shopA, 3, '未オーソリ');
    expect((await api('PUT', `/shops/${shopA}/settings`, { useCardApi: false })).status).toBe(200);
    expect((await api('GET', `/shops/${shopA}/cutover-check`)).body).toMatchObject({ ok: true, total: 0, blocking: [] });
    expect((await api('PUT', `/shops/${shopA}/settings`, { useCardApi: true })).status).toBe(200);
  }, 60_000);
});

describe('the canary', () => {
  it('appears in no process output, no event and no API response', async () => {
    // let the last log lines and events arrive
    await new Promise((r) => setTimeout(r, 500));
    expect(events.length).toBeGreaterThan(20);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['ShopCredentialsUpdated', 'ConnectionCheckRequested', 'ConnectionCheckCompleted', 'AuthCompleted', 'CaptureCompleted']));
    expect(responses.length).toBeGreaterThan(30);
    const outputs = procs.map((p) => ({ name: p.name, text: p.output() }));
    // the processes did log (debug level), so the absence means something
    for (const o of outputs) expect(o.text.length).toBeGreaterThan(100);
    const hits = [
      ...outputs.filter((o) => o.text.includes(CANARY)).map((o) => `output of ${o.name}`),
      ...rawEvents.filter((e) => e.includes(CANARY)).map((e) => `event ${e.slice(0, 200)}`),
      ...responses.filter((r) => r.includes(CANARY)).map((r) => `response ${r.slice(0, 200)}`),
    ];
    expect(hits).toEqual([]);
  });
});
