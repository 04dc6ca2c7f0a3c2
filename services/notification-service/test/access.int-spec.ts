import { INestApplication } from '@nestjs/common';
import { generateApiKey, listHttpRoutes } from '@rcp/auth';
import { EventPublisher } from '@rcp/messaging';
import { SpawnedService, TestDatabase, createTestDatabase, spawnService, testRabbitUrl, uniqueName, waitFor } from '@rcp/testing';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { bootstrap } from '../src/bootstrap';
import { sampleEvents } from './fixtures';

const ADMIN_KEY = generateApiKey().key;
const PUBLIC = [/^\/health\//, /^\/metrics$/];
const isRead = (m: string) => m === 'GET' || m === 'HEAD';

/** Keys are issued by a real order-service process (the key authority) and reach this service over RabbitMQ. */
describe('notification-service operator access (keys replicated from order-service)', () => {
  let notifyDb: TestDatabase;
  let orderDb: TestDatabase;
  let app: INestApplication;
  let orders: SpawnedService;
  let publisher: EventPublisher;
  let base: string;
  const prefix = uniqueName('acc');
  const shopA = `${uniqueName('shop').replace(/_/g, '-')}-a`;
  const shopB = `${uniqueName('shop').replace(/_/g, '-')}-b`;
  const keys = {} as Record<'viewerA' | 'operatorA' | 'revokedA', { key: string; keyId: string }>;
  const ruleIds = {} as Record<'A' | 'B' | 'any', string>;
  let deliveryB: string;

  const as = (key?: string) => (key ? request.agent(base).set('authorization', `Bearer ${key}`) : request.agent(base));
  const admin = () => as(ADMIN_KEY);
  const issue = async (name: string, role: string, shops: string[]) => {
    const res = await fetch(`${orders.url}/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, role, shops }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { key: string; keyId: string };
  };
  const ruleBody = (shopId: string) => ({ shopId, eventTypes: ['AuthFailed'], emails: ['ops@example.jp'], webhooks: [{ url: 'http://127.0.0.1:1/h', secret: 'webhook-secret-0123456789' }] });

  beforeAll(async () => {
    notifyDb = await createTestDatabase('rcp_notify_access');
    orderDb = await createTestDatabase('rcp_order_access');
    app = await bootstrap({
      logger: false,
      env: {
        NOTIFY_PORT: '0',
        NOTIFY_DATABASE_URL: notifyDb.url,
        RABBITMQ_URL: testRabbitUrl(),
        MESSAGING_NAME_PREFIX: prefix,
        SMTP_URL: 'smtp://127.0.0.1:1',
        NOTIFY_RETRY_DELAYS_MS: '60000',
        RCP_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
        API_KEY_CACHE_TTL_MS: '200',
        RATE_LIMIT_MAX: '150',
      },
    });
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    orders = await spawnService({
      service: 'order-service',
      portEnv: 'ORDER_PORT',
      readyTimeoutMs: 30_000,
      env: { ORDER_DATABASE_URL: orderDb.url, RABBITMQ_URL: testRabbitUrl(), MESSAGING_NAME_PREFIX: prefix, RCP_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY, OUTBOX_POLL_INTERVAL_MS: '50', LOG_LEVEL: 'warn' },
    });
    publisher = new EventPublisher({ url: testRabbitUrl(), namePrefix: prefix });
    keys.viewerA = await issue('viewer a', 'viewer', [shopA]);
    keys.operatorA = await issue('operator a', 'operator', [shopA]);
    keys.revokedA = await issue('revoked a', 'operator', [shopA]);
    ruleIds.A = (await admin().post('/rules').send(ruleBody(shopA)).expect(201)).body.id;
    ruleIds.B = (await admin().post('/rules').send(ruleBody(shopB)).expect(201)).body.id;
    ruleIds.any = (await admin().post('/rules').send(ruleBody('*')).expect(201)).body.id;
    await publisher.publish([sampleEvents(shopA).AuthFailed, sampleEvents(shopB).AuthFailed]);
    const ds = app.get(DataSource);
    const shopsWithDeliveries = async () => (await ds.query(`SELECT DISTINCT shop_id FROM delivery WHERE shop_id IN ($1, $2)`, [shopA, shopB])).length;
    await waitFor(async () => (await shopsWithDeliveries()) === 2, 'deliveries of both shops');
    deliveryB = ((await ds.query(`SELECT id FROM delivery WHERE shop_id = $1 LIMIT 1`, [shopB])) as { id: string }[])[0].id;
    await waitFor(async () => (await as(keys.operatorA.key).get('/rules')).status === 200, 'operator key replicated', 10_000);
    await waitFor(async () => (await as(keys.revokedA.key).get('/rules')).status === 200, 'revoked-to-be key replicated', 10_000);
    await waitFor(async () => (await as(keys.viewerA.key).get('/rules')).status === 200, 'viewer key replicated', 10_000);
  }, 60_000);

  afterAll(async () => {
    await publisher?.close();
    await orders?.stop();
    await app?.close();
    await notifyDb?.drop();
    await orderDb?.drop();
  });

  const routes = () => listHttpRoutes(app).filter((r) => !PUBLIC.some((p) => p.test(r.path)));
  const fill = (path: string, shop: 'A' | 'B') =>
    path.startsWith('/deliveries/') ? path.replace(':id', deliveryB) : path.replace(':id', shop === 'A' ? ruleIds.A : ruleIds.B);

  it('accepts a key issued on order-service and rejects it soon after it is revoked there', async () => {
    await as(keys.revokedA.key).get('/deliveries').expect(200);
    const res = await fetch(`${orders.url}/api-keys/${keys.revokedA.keyId}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(res.status).toBe(200);
    await waitFor(async () => (await as(keys.revokedA.key).get('/deliveries')).status === 401, 'revocation replicated', 10_000);
    const rows = await app.get(DataSource).query(`SELECT action, target FROM audit_log WHERE action LIKE 'api-key.replicate%'`);
    expect(rows).toEqual(expect.arrayContaining([{ action: 'api-key.replicate', target: keys.operatorA.keyId }, { action: 'api-key.replicate-revocation', target: keys.revokedA.keyId }]));
  });

  it('every route: 401 without a key and with a revoked key; health stays public', async () => {
    const list = routes();
    expect(list.map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining(['GET /rules', 'POST /rules', 'POST /deliveries/:id/retry', 'GET /audit']));
    for (const r of list) {
      const none = await as()[r.method.toLowerCase() as 'get'](fill(r.path, 'A')).send({});
      expect({ route: `${r.method} ${r.path}`, status: none.status }).toEqual({ route: `${r.method} ${r.path}`, status: 401 });
      expect(none.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', errors: [] });
      const revoked = await as(keys.revokedA.key)[r.method.toLowerCase() as 'get'](fill(r.path, 'A')).send({});
      expect({ route: `${r.method} ${r.path}`, status: revoked.status }).toEqual({ route: `${r.method} ${r.path}`, status: 401 });
    }
    await as().get('/health/live').expect(200);
    await as().get('/metrics').expect(200);
  });

  it('every mutating route: 403 for a viewer', async () => {
    for (const r of routes().filter((x) => !isRead(x.method))) {
      const res = await as(keys.viewerA.key)[r.method.toLowerCase() as 'post'](fill(r.path, 'A')).send(ruleBody(shopA));
      expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({ route: `${r.method} ${r.path}`, status: 403 });
    }
    expect((await admin().get(`/rules/${ruleIds.A}`).expect(200)).body.shopId).toBe(shopA);
  });

  it('every route: 403/404 for a shop-A operator addressing shop B; lists never show shop B', async () => {
    for (const r of routes()) {
      const client = as(keys.operatorA.key);
      const res = await client[r.method.toLowerCase() as 'post'](fill(r.path, 'B')).query({ shopId: shopB }).send(ruleBody(shopB));
      expect({ route: `${r.method} ${r.path}`, status: [403, 404].includes(res.status) }).toEqual({ route: `${r.method} ${r.path}`, status: true });
    }
    await as(keys.operatorA.key).post('/rules').send(ruleBody('*')).expect(403);
    const rules = await as(keys.operatorA.key).get('/rules').expect(200);
    expect(rules.body.items.map((r: { id: string }) => r.id)).toEqual([ruleIds.A]);
    const deliveries = await as(keys.operatorA.key).get('/deliveries').expect(200);
    expect(deliveries.body.items.length).toBeGreaterThan(0);
    expect(deliveries.body.items.every((d: { shopId: string }) => d.shopId === shopA)).toBe(true);
    expect((await admin().get(`/rules/${ruleIds.B}`).expect(200)).body.shopId).toBe(shopB);
    expect((await admin().get(`/deliveries/${deliveryB}`).expect(200)).body.shopId).toBe(shopB);
  });

  it('audits rule changes without webhook secrets, queryable per shop', async () => {
    const created = await as(keys.operatorA.key).post('/rules').send(ruleBody(shopA)).expect(201);
    await as(keys.operatorA.key).patch(`/rules/${created.body.id}`).send({ name: 'renamed' }).expect(200);
    const audit = await as(keys.operatorA.key).get('/audit').query({ action: 'rule' }).expect(200);
    expect(audit.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'rule.create', target: created.body.id, shopId: shopA, outcome: 'accepted', actor: expect.objectContaining({ keyId: keys.operatorA.keyId }) }),
        expect.objectContaining({ action: 'rule.update', target: created.body.id, shopId: shopA, outcome: 'accepted' }),
      ]),
    );
    expect(audit.body.items.every((a: { shopId: string }) => a.shopId === shopA)).toBe(true);
    const all = JSON.stringify(await app.get(DataSource).query('SELECT * FROM audit_log'));
    expect(all).not.toContain('webhook-secret-0123456789');
    for (const k of [ADMIN_KEY, ...Object.values(keys).map((x) => x.key)]) expect(all).not.toContain(k.slice(17));
  });

  it('sends security headers, keeps CORS closed and rate-limits per key', async () => {
    const res = await admin().get('/rules').set('origin', 'https://evil.example').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await as().options('/rules').set('origin', 'https://evil.example').set('access-control-request-method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    let last = 0;
    let body: unknown;
    for (let i = 0; i < 160 && last !== 429; i++) {
      const r = await as(keys.viewerA.key).get('/rules');
      last = r.status;
      body = r.body;
    }
    expect(last).toBe(429);
    expect(body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
  });
});
