import { listHttpRoutes } from '@rcp/auth';
import { ApiKeysService } from '../src/access/api-keys.service';
import { Harness, orderBody, startHarness } from './harness';

/** Public on purpose: probes, Prometheus metrics, API/event documentation, the operator console's static files (its API calls need a key). Everything else must demand a key. */
const PUBLIC = [/^\/health\//, /^\/metrics$/, /^\/docs/, /^\/asyncapi/, /^\/console/];
const fill = (path: string, shopId: string, orderNumber: string) =>
  path.replace(':shopId', shopId).replace(':orderNumber', orderNumber).replace(':action', 'authorize').replace(':keyId', 'abcdefghijkl');
const isRead = (method: string) => method === 'GET' || method === 'HEAD';

describe('order-service operator access and audit', () => {
  let h: Harness;
  let shopA: string;
  let shopB: string;
  const orderA = '338459-20240531-00000001';
  const orderB = '338459-20240531-00000002';
  const keys: Record<'viewerA' | 'operatorA' | 'revokedA' | 'limited', { key: string; keyId: string }> = {} as never;

  const issue = async (name: string, role: string, shops: string[]) => {
    const res = await h.http().post('/api-keys').send({ name, role, shops }).expect(201);
    return res.body as { key: string; keyId: string };
  };

  beforeAll(async () => {
    h = await startHarness({ RATE_LIMIT_MAX: '120' });
    shopA = `${h.shopId}-a`;
    shopB = `${h.shopId}-b`;
    await h.http().post(`/shops/${shopA}/orders`).send(orderBody(1)).expect(201);
    await h.http().post(`/shops/${shopB}/orders`).send(orderBody(2)).expect(201);
    keys.viewerA = await issue('viewer a', 'viewer', [shopA]);
    keys.operatorA = await issue('operator a', 'operator', [shopA]);
    keys.revokedA = await issue('revoked a', 'operator', [shopA]);
    keys.limited = await issue('rate limited', 'viewer', [shopA]);
    await h.http().get('/orders').set('authorization', `Bearer ${keys.revokedA.key}`).expect(200);
    await h.http().delete(`/api-keys/${keys.revokedA.keyId}`).expect(200);
  });
  afterAll(() => h?.close());

  const routes = () => listHttpRoutes(h.app).filter((r) => !PUBLIC.some((p) => p.test(r.path)));

  it('finds the API routes from the running app', () => {
    const list = routes().map((r) => `${r.method} ${r.path}`);
    expect(list).toEqual(expect.arrayContaining(['GET /orders', 'POST /shops/:shopId/orders/actions/:action', 'PUT /shops/:shopId/settings', 'POST /api-keys', 'GET /audit']));
    expect(list.length).toBeGreaterThanOrEqual(12);
  });

  it('every route: 401 without a key, with a malformed key and with a revoked key', async () => {
    for (const r of routes()) {
      const path = fill(r.path, shopA, orderA);
      const none = await h.httpAs(undefined)[r.method.toLowerCase() as 'get'](path).send({});
      expect({ route: `${r.method} ${r.path}`, status: none.status }).toEqual({ route: `${r.method} ${r.path}`, status: 401 });
      expect(none.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', errors: [] });
      const bad = await h.httpAs('rcp_nonsense')[r.method.toLowerCase() as 'get'](path).send({});
      expect(bad.status).toBe(401);
      const revoked = await h.httpAs(keys.revokedA.key)[r.method.toLowerCase() as 'get'](path).send({});
      expect({ route: `${r.method} ${r.path}`, status: revoked.status }).toEqual({ route: `${r.method} ${r.path}`, status: 401 });
    }
  });

  it('public routes stay public', async () => {
    await h.httpAs(undefined).get('/health/live').expect(200);
    await h.httpAs(undefined).get('/health/ready').expect(200);
    await h.httpAs(undefined).get('/metrics').expect(200);
  });

  it('every mutating route: 403 for a viewer of the same shop (nothing changes)', async () => {
    for (const r of routes().filter((x) => !isRead(x.method))) {
      const res = await h.httpAs(keys.viewerA.key)[r.method.toLowerCase() as 'post'](fill(r.path, shopA, orderA)).send({ orderNumbers: [orderA] });
      expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({ route: `${r.method} ${r.path}`, status: 403 });
      expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    }
    const order = await h.http().get(`/shops/${shopA}/orders/${orderA}`).expect(200);
    expect(order.body.paymentTag).toBe('未オーソリ');
  });

  it('every route: 403/404 for a shop-A operator addressing shop B', async () => {
    for (const r of routes()) {
      const client = h.httpAs(keys.operatorA.key);
      const res = await client[r.method.toLowerCase() as 'post'](fill(r.path, shopB, orderB))
        .query({ shopId: shopB })
        .send({ shopId: shopB, orderNumbers: [orderB] });
      expect({ route: `${r.method} ${r.path}`, status: [403, 404].includes(res.status) }).toEqual({ route: `${r.method} ${r.path}`, status: true });
    }
    const b = await h.http().get(`/shops/${shopB}/orders/${orderB}`).expect(200);
    expect(b.body.paymentTag).toBe('未オーソリ');
  });

  it('list endpoints never show another shop', async () => {
    const orders = await h.httpAs(keys.operatorA.key).get('/orders').expect(200);
    expect(orders.body.items.map((o: { shopId: string }) => o.shopId)).toEqual([shopA]);
    const all = await h.http().get('/orders').expect(200);
    expect(all.body.items.map((o: { shopId: string }) => o.shopId).sort()).toEqual([shopA, shopB].sort());
    const audit = await h.httpAs(keys.operatorA.key).get('/audit').query({ pageSize: 200 }).expect(200);
    expect(audit.body.items.length).toBeGreaterThan(0);
    expect(audit.body.items.every((a: { shopId: string }) => a.shopId === shopA)).toBe(true);
  });

  it('audits payment actions, settings changes and key issuance, queryable, with the key as actor', async () => {
    const act = await h.httpAs(keys.operatorA.key).post(`/shops/${shopA}/orders/actions/authorize`).set('x-actor', 'sato').send({ orderNumbers: [orderA, '338459-20240531-00000099'] }).expect(200);
    await h.http().put(`/shops/${shopA}/settings`).send({ autoCapture: true }).expect(200);
    const history = await h.http().get(`/shops/${shopA}/orders/${orderA}`).expect(200);
    expect(history.body.pendingOperation).not.toBeNull();
    expect(history.body.paymentTagHistory.map((r: { actor: string }) => r.actor)).toContain(`key:${keys.operatorA.keyId}/sato`);

    const auth = await h.http().get('/audit').query({ action: 'order.authorize', shopId: shopA }).expect(200);
    expect(auth.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ target: orderA, outcome: 'accepted', correlationId: act.body.correlationId, actor: expect.objectContaining({ keyId: keys.operatorA.keyId, name: 'operator a', role: 'operator', detail: 'sato' }) }),
        expect.objectContaining({ target: '338459-20240531-00000099', outcome: 'refused', reason: 'order not found' }),
      ]),
    );
    // one row per order and action: written with the action's own statement, none added by the interceptor
    const byOperator = auth.body.items.filter((a: { target: string; actor: { keyId: string } }) => a.target === orderA && a.actor.keyId === keys.operatorA.keyId);
    expect(byOperator).toHaveLength(1);
    const created = await h.http().get('/audit').query({ action: 'order.create', shopId: shopA }).expect(200);
    expect(created.body.items.filter((a: { target: string }) => a.target === orderA)).toEqual([expect.objectContaining({ outcome: 'accepted', shopId: shopA })]);
    const refused = await h.http().get('/audit').query({ action: 'order', actor: keys.viewerA.keyId }).expect(200);
    expect(refused.body.items.length).toBeGreaterThan(0);
    expect(refused.body.items.every((a: { outcome: string }) => a.outcome === 'refused')).toBe(true);

    const settings = await h.http().get('/audit').query({ action: 'settings.update' }).expect(200);
    expect(settings.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ shopId: shopA, outcome: 'accepted', request: expect.objectContaining({ body: { autoCapture: true } }) }),
        expect.objectContaining({ shopId: shopA, outcome: 'refused', actor: expect.objectContaining({ keyId: keys.viewerA.keyId }) }),
      ]),
    );
    const issued = await h.http().get('/audit').query({ action: 'api-key.issue' }).expect(200);
    expect(issued.body.items.map((a: { target: string }) => a.target)).toEqual(expect.arrayContaining([keys.viewerA.keyId, keys.operatorA.keyId]));
    const revoked = await h.http().get('/audit').query({ action: 'api-key.revoke' }).expect(200);
    expect(revoked.body.items.filter((a: { outcome: string }) => a.outcome === 'accepted')).toEqual([expect.objectContaining({ target: keys.revokedA.keyId })]);
    await h.httpAs(keys.operatorA.key).get('/audit').query({ shopId: shopB }).expect(403);
    await h.httpAs(keys.viewerA.key).get('/audit').expect(403);
    const from = await h.http().get('/audit').query({ from: '2999-01-01T00:00:00Z' }).expect(200);
    expect(from.body.total).toBe(0);
  });

  it('never stores or publishes a secret: audit rows, events, key list', async () => {
    const secrets = [h.adminKey, ...Object.values(keys).map((k) => k.key)];
    const secretParts = secrets.map((k) => k.slice(17));
    const auditText = JSON.stringify(await h.sql('SELECT * FROM audit_log'));
    const eventsText = JSON.stringify(h.events);
    const list = await h.http().get('/api-keys').expect(200);
    const listText = JSON.stringify(list.body);
    for (const s of secretParts) {
      expect(auditText).not.toContain(s);
      expect(eventsText).not.toContain(s);
      expect(listText).not.toContain(s);
    }
    expect(listText).not.toContain('secretHash');
    const issued = h.events.filter((e) => e.type === 'ApiKeyIssued');
    expect(issued.map((e) => (e.data as { keyId: string }).keyId)).toEqual(expect.arrayContaining([keys.viewerA.keyId, keys.operatorA.keyId]));
    expect(await h.waitForEvent('ApiKeyRevoked', (e) => (e.data as { keyId: string }).keyId === keys.revokedA.keyId)).toBeTruthy();
  });

  it('key management is admin-only and cannot widen scope', async () => {
    await h.httpAs(keys.operatorA.key).post('/api-keys').send({ name: 'x', role: 'viewer', shops: [shopA] }).expect(403);
    await h.httpAs(keys.operatorA.key).get('/api-keys').expect(403);
    const shopAdmin = await issue('shop admin a', 'admin', [shopA]);
    await h.httpAs(shopAdmin.key).post('/api-keys').send({ name: 'wider', role: 'viewer', shops: ['*'] }).expect(403);
    await h.httpAs(shopAdmin.key).post('/api-keys').send({ name: 'other', role: 'viewer', shops: [shopB] }).expect(403);
    await h.httpAs(shopAdmin.key).post('/api-keys').send({ name: 'mine', role: 'viewer', shops: [shopA] }).expect(201);
    const theirs = await h.httpAs(shopAdmin.key).get('/api-keys').expect(200);
    expect(theirs.body.items.every((k: { shops: string[] }) => k.shops.length === 1 && k.shops[0] === shopA)).toBe(true);
    const bad = await h.http().post('/api-keys').send({ name: 'x', role: 'root', shops: [] }).expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['role', 'shops']);
  });

  it('sends security headers and keeps CORS closed to unknown origins', async () => {
    const res = await h.http().get('/orders').set('origin', 'https://evil.example').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await h.httpAs(undefined).options('/orders').set('origin', 'https://evil.example').set('access-control-request-method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('rate-limits per key with 429 in the error format', async () => {
    let last = 0;
    let res;
    for (let i = 0; i < 130 && last !== 429; i++) {
      res = await h.httpAs(keys.limited.key).get(`/shops/${shopA}/settings`);
      last = res.status;
    }
    expect(last).toBe(429);
    expect(res!.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', errors: [] });
    expect(res!.headers['retry-after']).toBeDefined();
    await h.httpAs(keys.viewerA.key).get(`/shops/${shopA}/settings`).expect(200);
  });

  it('prints a bootstrap admin key once on a fresh install without RCP_BOOTSTRAP_ADMIN_KEY', async () => {
    const lines: string[] = [];
    const service = h.app.get(ApiKeysService);
    const key = await service.ensureBootstrapAdmin(undefined, (l) => lines.push(l));
    expect(key).toMatch(/^rcp_/);
    expect(lines.filter((l) => l.includes(key!))).toHaveLength(1);
    expect(lines.join('\n')).toContain('RCP BOOTSTRAP ADMIN KEY');
    expect(await service.ensureBootstrapAdmin(undefined, (l) => lines.push(l))).toBeNull();
    await h.httpAs(key!).get('/api-keys').expect(200);
    const rows = await h.sql<{ secret_hash: string }>(`SELECT secret_hash FROM api_key WHERE name = 'bootstrap-admin'`);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(key!.slice(17));
  });
});
