/**
 * Observability end to end, with every service as its own process from dist/ (as in production):
 * rccs-simulator, payment-gateway, order-service and notification-service on fresh databases and one messaging
 * prefix, tracing on with the `file` exporter (one JSON-lines file of finished spans per service).
 *
 * - Traces: one authorization is ONE trace from order-service's HTTP request through its outbox publish, the
 *   broker hop and the gateway's consumer down to the gateway's card-API HTTP call.
 * - Metrics: /metrics of order-service, gateway and notification-service change as named during authorize + capture.
 * - Logs: stdout lines are JSON with `service`; a handled message's lines carry `messageId` and `correlationId`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiKey } from '@rcp/auth';
import type { FileSpanRecord } from '@rcp/observability';
import { createTestDatabase, spawnService, testRabbitUrl, uniqueName, waitFor, type SpawnedService, type TestDatabase } from '@rcp/testing';

type Json = any;

const prefix = uniqueName('obs');
const shop = { shopId: uniqueName('obsshop').replace(/_/g, '-'), userName: 'obs-user', authKey: `obs-auth-key-${prefix}` };
const adminKey = generateApiKey().key;
const traceDir = mkdtempSync(join(tmpdir(), 'rcp-traces-'));
const traceFile = (service: string) => join(traceDir, `${service}.jsonl`);
const dbs: TestDatabase[] = [];
const services: Record<'sim' | 'gateway' | 'order' | 'notify', SpawnedService> = {} as never;
const num = (n: number) => `338459-20240701-${String(n).padStart(8, '0')}`;

function tracing(service: string): Record<string, string> {
  return { OTEL_TRACES_EXPORTER: 'file', OTEL_TRACES_FILE: traceFile(service), LOG_LEVEL: 'info' };
}

function spans(service: string): FileSpanRecord[] {
  let text = '';
  try {
    text = readFileSync(traceFile(service), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as FileSpanRecord);
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(services.order.url + path, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function tagIs(n: number, tag: string): Promise<Json> {
  return waitFor(
    async () => {
      const d = await api('GET', `/shops/${shop.shopId}/orders/${num(n)}`);
      return d.body?.paymentTag === tag ? d.body : undefined;
    },
    `${num(n)} tagged ${tag}`,
    20_000,
    100,
  );
}

async function act(action: string, n: number): Promise<void> {
  const r = await api('POST', `/shops/${shop.shopId}/orders/actions/${action}`, { orderNumbers: [num(n)] });
  expect(r.status).toBe(200);
  expect(r.body.results[0].outcome).toBe('accepted');
}

async function createOrder(n: number, amount: number): Promise<void> {
  const r = await api('POST', `/shops/${shop.shopId}/orders`, {
    orderNumber: num(n),
    orderedAt: '2024-07-01T01:00:00Z',
    paymentMethod: 'クレジットカード',
    totalAmount: amount,
    billedAmount: amount,
  });
  expect(r.status).toBe(201);
}

/** Prometheus text → `name{labels}` → value (histogram `_count`/`_sum` series included, `_bucket` left out). */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#') || line.includes('_bucket{')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function scrape(s: SpawnedService): Promise<Map<string, number>> {
  const res = await fetch(`${s.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return parseMetrics(await res.text());
}

/** Sum of the series of `name` whose labels contain every `key="value"` of `labels`. */
function total(metrics: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [series, value] of metrics) {
    const brace = series.indexOf('{');
    if ((brace < 0 ? series : series.slice(0, brace)) !== name) continue;
    if (Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`))) sum += value;
  }
  return sum;
}

const has = (metrics: Map<string, number>, name: string) => [...metrics.keys()].some((k) => k === name || k.startsWith(`${name}{`));

beforeAll(async () => {
  dbs.push(...(await Promise.all(['obs_sim', 'obs_gw', 'obs_order', 'obs_notify'].map((p) => createTestDatabase(p)))));
  const [simDb, gwDb, orderDb, notifyDb] = dbs;
  const common = { RABBITMQ_URL: testRabbitUrl(), MESSAGING_NAME_PREFIX: prefix, RCP_BOOTSTRAP_ADMIN_KEY: adminKey };
  services.sim = await spawnService({
    service: 'rccs-simulator',
    portEnv: 'SIM_PORT',
    env: {
      SIMULATOR_DATABASE_URL: simDb.url,
      SIM_PROCESSING_DELAY_MS: '100',
      SIM_SHOPS: JSON.stringify([{ shopUrl: shop.shopId, userName: shop.userName, authKey: shop.authKey }]),
      SIM_LOG_LEVEL: 'warn',
      ...tracing('rccs-simulator'),
    },
  });
  [services.gateway, services.order, services.notify] = await Promise.all([
    spawnService({
      service: 'payment-gateway',
      portEnv: 'GATEWAY_PORT',
      readyPath: '/health/ready',
      env: {
        ...common,
        GATEWAY_DATABASE_URL: gwDb.url,
        RCCS_ENDPOINT: `${services.sim.url}/rccsapi-services/RCCSApiService`,
        GATEWAY_SHOPS: JSON.stringify([{ shopId: shop.shopId, shopUrl: shop.shopId, userName: shop.userName, authKey: shop.authKey }]),
        GATEWAY_BATCH_MAX_WAIT_MS: '30',
        GATEWAY_FIRST_POLL_DELAY_MS: '100',
        GATEWAY_POLL_BACKOFF_FACTOR: '1.5',
        GATEWAY_POLL_MAX_DELAY_MS: '300',
        GATEWAY_POLL_TICK_MS: '50',
        ...tracing('payment-gateway'),
      },
    }),
    spawnService({
      service: 'order-service',
      portEnv: 'ORDER_PORT',
      readyPath: '/health/ready',
      env: { ...common, ORDER_DATABASE_URL: orderDb.url, OUTBOX_POLL_INTERVAL_MS: '50', ...tracing('order-service') },
    }),
    spawnService({
      service: 'notification-service',
      portEnv: 'NOTIFY_PORT',
      readyPath: '/health/ready',
      env: { ...common, NOTIFY_DATABASE_URL: notifyDb.url, SMTP_URL: 'smtp://127.0.0.1:9', ...tracing('notification-service') },
    }),
  ]);
}, 55_000);

afterAll(async () => {
  for (const s of [services.notify, services.order, services.gateway, services.sim]) await s?.stop().catch(() => undefined);
  await Promise.all(dbs.map((d) => d.drop().catch(() => undefined)));
  rmSync(traceDir, { recursive: true, force: true });
}, 30_000);

describe('observability across processes', () => {
  let authorizeTraceId = '';

  it('metrics: /metrics of order-service, gateway and notification-service change during authorize + capture', async () => {
    const before = { order: await scrape(services.order), gateway: await scrape(services.gateway), notify: await scrape(services.notify) };

    await createOrder(1, 1200);
    await act('authorize', 1);
    await tagIs(1, 'オーソリ済');
    expect((await api('PATCH', `/shops/${shop.shopId}/orders/${num(1)}`, { status: '出荷済' })).status).toBe(200);
    await act('capture', 1);
    await tagIs(1, '売上請求済');
    // a declined authorization too: AuthFailed is what notification-service consumes (and logs, see below)
    expect((await fetch(`${services.sim.url}/admin/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderNumber: num(2), shopUrl: shop.shopId, amount: 5000, creditLimit: 3000 }),
    })).status).toBeLessThan(300);
    await createOrder(2, 5000);
    await act('authorize', 2);
    await tagIs(2, 'オーソリエラー');
    await waitFor(async () => total(await scrape(services.notify), 'rcp_messages_consumed_total', { type: 'AuthFailed' }) > 0, 'notification-service consumed AuthFailed', 15_000, 100);

    const after = { order: await scrape(services.order), gateway: await scrape(services.gateway), notify: await scrape(services.notify) };
    const grew = (svc: keyof typeof before, name: string, labels: Record<string, string> = {}) =>
      expect({ svc, name, labels, grew: total(after[svc], name, labels) > total(before[svc], name, labels) }).toMatchObject({ grew: true });

    grew('order', 'rcp_messages_published_total', { type: 'AuthRequested' });
    grew('order', 'rcp_messages_published_total', { type: 'CaptureRequested' });
    grew('order', 'rcp_messages_consumed_total', { type: 'AuthCompleted', outcome: 'ack' });
    grew('order', 'rcp_messages_consumed_total', { type: 'CaptureCompleted', outcome: 'ack' });
    grew('order', 'http_request_duration_seconds_count', { route: '/shops/:shopId/orders/actions/:action' });
    grew('gateway', 'rcp_messages_consumed_total', { type: 'AuthRequested', outcome: 'ack' });
    grew('gateway', 'rcp_messages_consumed_total', { type: 'CaptureRequested', outcome: 'ack' });
    grew('gateway', 'rcp_messages_published_total', { type: 'AuthCompleted' });
    grew('gateway', 'rcp_messages_published_total', { type: 'CaptureCompleted' });
    grew('gateway', 'rcp_card_api_request_duration_seconds_count', { operation: 'authori', outcome: 'ok' });
    grew('gateway', 'rcp_card_api_request_duration_seconds_count', { operation: 'sales', outcome: 'ok' });
    grew('gateway', 'rcp_card_api_request_duration_seconds_count', { operation: 'getRCCSResult' });
    grew('gateway', 'rcp_card_api_batch_size_count', { operation: 'authori' });
    grew('gateway', 'rcp_card_api_batch_size_count', { operation: 'sales' });
    grew('gateway', 'http_request_duration_seconds_count', { route: '/metrics' });
    grew('notify', 'rcp_messages_consumed_total', { type: 'AuthFailed', outcome: 'ack' });
    grew('notify', 'http_request_duration_seconds_count', { route: '/metrics' });
    for (const svc of ['order', 'gateway'] as const) {
      expect(has(after[svc], 'rcp_outbox_lag_seconds')).toBe(true);
      expect(has(after[svc], 'rcp_outbox_pending')).toBe(true);
    }
    for (const [svc, queue] of [['order', 'order-service'], ['gateway', 'payment-gateway'], ['notify', 'notification-service']] as const) {
      expect(total(after[svc], 'rcp_parking_lot_depth', { queue: `${prefix}.${queue}.dlq` })).toBe(0);
      expect(has(after[svc], 'rcp_parking_lot_depth')).toBe(true);
    }
    expect(total(after.gateway, 'rcp_circuit_breaker_state', { shop: shop.shopId })).toBe(0);
    expect(has(after.gateway, 'rcp_payment_operations_in_flight')).toBe(true);

    const authorize = spans('order-service').find((s) => s.kind === 1 && /\/orders\/actions\/authorize/.test(String(s.attributes['http.target'] ?? s.attributes['url.path'] ?? '')));
    expect(authorize).toBeDefined();
    authorizeTraceId = authorize!.traceId;
  }, 50_000);

  it('traces: one authorization is one trace spanning order-service, the broker and the gateway down to its card-API call', async () => {
    expect(authorizeTraceId).not.toBe('');
    const inTrace = (service: string) => spans(service).filter((s) => s.traceId === authorizeTraceId);
    // the gateway's card-API client spans end after the response; wait until they are written
    const all = await waitFor(
      () => {
        const list = [...inTrace('order-service'), ...inTrace('payment-gateway'), ...inTrace('rccs-simulator')];
        return list.some((s) => s.service === 'payment-gateway' && s.kind === 2 && /rccsapi-services/.test(JSON.stringify(s.attributes))) ? list : undefined;
      },
      'the gateway card-API span in the authorization trace',
      10_000,
      100,
    );
    const byId = new Map(all.map((s) => [s.spanId, s]));
    const ancestors = (s: FileSpanRecord): FileSpanRecord[] => {
      const chain: FileSpanRecord[] = [];
      for (let p = s.parentSpanId && byId.get(s.parentSpanId); p; p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined) chain.push(p);
      return chain;
    };
    const root = all.find((s) => s.service === 'order-service' && s.kind === 1 && !s.parentSpanId)!;
    expect(root).toBeDefined();
    // order-service: HTTP server span → outbox publish (amqplib producer span)
    const publish = all.find((s) => s.service === 'order-service' && s.kind === 3 && s.attributes['messaging.rabbitmq.routing_key'] === 'payment.auth.requested');
    expect(publish).toBeDefined();
    expect(ancestors(publish!)).toContain(root);
    // broker hop → gateway: consume span (amqplib) and the transport's handler span
    const consume = all.find((s) => s.service === 'payment-gateway' && s.kind === 4 && s.name === 'handle AuthRequested');
    expect(consume).toBeDefined();
    expect(ancestors(consume!)).toEqual(expect.arrayContaining([publish, root]));
    // gateway → card API: the HTTP client span of the RCCS call descends from the consumer, hence from the request
    const cardApi = all.filter((s) => s.service === 'payment-gateway' && s.kind === 2 && /rccsapi-services/.test(JSON.stringify(s.attributes)));
    expect(cardApi.length).toBeGreaterThan(0);
    for (const call of cardApi) expect(ancestors(call)).toEqual(expect.arrayContaining([consume, publish, root]));
    // and the simulator's server span of that call continues the same trace
    expect(all.some((s) => s.service === 'rccs-simulator' && s.kind === 1)).toBe(true);
    expect(new Set(all.map((s) => s.service))).toEqual(new Set(['order-service', 'payment-gateway', 'rccs-simulator']));
  }, 20_000);

  it('logs: every stdout line is JSON with service; a handled message logs with messageId and correlationId', async () => {
    for (const [name, s] of [['order-service', services.order], ['payment-gateway', services.gateway], ['notification-service', services.notify]] as const) {
      const lines = s.output().split('\n').filter((l) => l.trim());
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        let parsed: Json;
        try {
          parsed = JSON.parse(line);
        } catch {
          throw new Error(`${name}: not a JSON line: ${line.slice(0, 200)}`);
        }
        expect({ service: parsed.service, level: typeof parsed.level, time: typeof parsed.time }).toEqual({ service: name, level: 'string', time: 'string' });
      }
      expect(s.output()).not.toContain(shop.authKey);
      expect(s.output()).not.toContain(adminKey);
    }
    const handled = services.notify
      .output()
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Json)
      .find((l) => l.type === 'AuthFailed' && /AuthFailed .* rule\(s\)/.test(l.msg));
    expect(handled).toMatchObject({ service: 'notification-service', messageId: expect.any(String), correlationId: expect.any(String) });
    expect(handled.msg).toContain(handled.messageId);
    // HTTP request lines carry the request's correlation id
    const request = services.order
      .output()
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Json)
      .find((l) => l.msg === 'request completed');
    expect(request?.correlationId).toEqual(expect.any(String));
  }, 10_000);
});
