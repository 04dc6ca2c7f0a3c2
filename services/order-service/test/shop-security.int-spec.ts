import { randomBytes } from 'node:crypto';
import { ConnectionCheckCompleted, EventEnvelope, ShopCredentialsUpdatedV1 } from '@rcp/contracts';
import { Keyring } from '@rcp/secrets';
import { DataSource } from 'typeorm';
import { Harness, orderBody, startHarness } from './harness';
import { credentialAad, transportAad } from '../src/shops/credential-keyrings';
import { rotateCredentials } from '../src/shops/rotate';

const entry = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const OLD = entry('old2024');
const TRANSPORT = entry('t1');
const CANARY_KEY = `CanaryAuthKey-${randomBytes(6).toString('hex')}`;
const CANARY_USER = `canary-user-${randomBytes(4).toString('hex')}`;

/** Every row of every table of the service's database, as JSON text. */
async function allRowsAsText(h: Harness): Promise<{ table: string; text: string }[]> {
  const tables = await h.sql<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
  const out: { table: string; text: string }[] = [];
  for (const { table_name } of tables) {
    const rows = await h.sql<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM "${table_name}" t`);
    for (const r of rows) out.push({ table: table_name, text: r.j });
  }
  return out;
}

describe('order-service shop credentials, connection check, cutover (PostgreSQL + RabbitMQ)', () => {
  let h: Harness;
  const creds = (over: Record<string, unknown> = {}) => ({ shopUrl: 'canary-shop', userName: CANARY_USER, authKey: CANARY_KEY, ...over });

  beforeAll(async () => {
    h = await startHarness({ CREDENTIALS_ENCRYPTION_KEYS: OLD, CREDENTIALS_TRANSPORT_KEYS: TRANSPORT, CONNECTION_CHECK_WAIT_MS: '300' });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  it('stores credentials sealed per field: no plaintext in any table, masked in every answer, sealed in the event, audited without values', async () => {
    const put = await h.http().put(`/shops/${h.shopId}/credentials`).send(creds()).expect(200);
    expect(put.body).toMatchObject({ shopId: h.shopId, credentialsConfigured: true, credentials: { version: 1, authKey: expect.stringMatching(/^\*+[A-Za-z0-9]{2}$/) } });
    const get = await h.http().get(`/shops/${h.shopId}/settings`).expect(200);
    expect(get.body).toMatchObject({ credentialsConfigured: true, credentials: { version: 1, updatedBy: `key:${h.adminKeyId}` }, notificationEmails: [] });
    for (const body of [put.text, get.text]) {
      expect(body).not.toContain(CANARY_KEY);
      expect(body).not.toContain(CANARY_USER);
    }

    const event = (await h.waitForEvent('ShopCredentialsUpdated', (e) => e.shopId === h.shopId)) as EventEnvelope<ShopCredentialsUpdatedV1>;
    expect(event.data.version).toBe(1);
    expect(JSON.stringify(event)).not.toContain(CANARY_KEY);
    expect(JSON.parse(Keyring.parse(TRANSPORT).open(event.data.sealed, transportAad(h.shopId, 1)))).toEqual(creds());
    expect(() => Keyring.parse(TRANSPORT).open(event.data.sealed, transportAad('other-shop', 1))).toThrow();

    const [row] = await h.sql<Record<string, string>>(`SELECT * FROM shop_credentials WHERE shop_id = $1`, [h.shopId]);
    expect(row!.auth_key).toMatch(/^v1\.old2024\./);
    const rows = await allRowsAsText(h);
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.filter((r) => r.text.includes(CANARY_KEY) || r.text.includes(CANARY_USER))).toEqual([]);

    const audit = await h.http().get('/audit').query({ shopId: h.shopId, action: 'credentials' }).expect(200);
    expect(audit.body.items.map((a: { action: string }) => a.action)).toEqual(expect.arrayContaining(['credentials.update', 'credentials.deliver', 'credentials.read']));
    expect(JSON.stringify(audit.body)).not.toContain(CANARY_KEY);
    expect(JSON.stringify(audit.body)).not.toContain(CANARY_USER);
    const history = await h.http().get(`/shops/${h.shopId}/history`).query({ kind: 'credentials' }).expect(200);
    expect(history.body.items[0]).toMatchObject({ kind: 'credentials.update', actor: `key:${h.adminKeyId}`, detail: { version: 1 } });
  });

  it('validates credentials (400 naming the field, audit row without values) and versions each change', async () => {
    const bad = await h.http().put(`/shops/${h.shopId}/credentials`).send({ shopUrl: 'bad shop/url', userName: CANARY_USER, authKey: 'short', extra: 1 }).expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['shopUrl', 'authKey', 'extra']));
    const refused = await h.http().get('/audit').query({ shopId: h.shopId, action: 'credentials.update' }).expect(200);
    const row = refused.body.items.find((a: { outcome: string }) => a.outcome === 'refused');
    expect(row.request.body).toEqual({ fields: ['shopUrl', 'userName', 'authKey', 'extra'] });
    expect(JSON.stringify(refused.body)).not.toContain(CANARY_USER);
    const second = await h.http().put(`/shops/${h.shopId}/credentials`).send(creds()).expect(200);
    expect(second.body.credentials.version).toBe(2);
    await h.waitForEvent('ShopCredentialsUpdated', (e) => e.shopId === h.shopId && (e.data as ShopCredentialsUpdatedV1).version === 2);
    const redeliver = await h.http().post(`/shops/${h.shopId}/credentials/redeliver`).expect(200);
    expect(redeliver.body).toEqual({ shopId: h.shopId, version: 2, redelivered: true });
    await h.http().post(`/shops/unknown-shop-x/credentials/redeliver`).expect(404);
  });

  it('tampering one byte of a stored ciphertext makes reading fail with a clear error', async () => {
    const shop = `${h.shopId}-t`;
    await h.http().put(`/shops/${shop}/credentials`).send(creds()).expect(200);
    const [row] = await h.sql<{ auth_key: string }>(`SELECT auth_key FROM shop_credentials WHERE shop_id = $1`, [shop]);
    const parts = row!.auth_key.split('.');
    const ct = Buffer.from(parts[4]!, 'base64url');
    ct[0] = ct[0]! ^ 0x01;
    await h.sql(`UPDATE shop_credentials SET auth_key = $2 WHERE shop_id = $1`, [shop, [...parts.slice(0, 4), ct.toString('base64url')].join('.')]);
    const get = await h.http().get(`/shops/${shop}/settings`).expect(200);
    expect(get.body).toMatchObject({ credentialsConfigured: true, credentials: null, credentialsError: expect.stringMatching(/authKey .* cannot be decrypted: .*tampered/) });
    const redeliver = await h.http().post(`/shops/${shop}/credentials/redeliver`).expect(500);
    expect(redeliver.body.message).toMatch(/stored credential authKey of shop .* cannot be decrypted/);
    // a value moved to another shop (same key, other associated data) fails too
    const [good] = await h.sql<{ user_name: string }>(`SELECT user_name FROM shop_credentials WHERE shop_id = $1`, [h.shopId]);
    await h.sql(`UPDATE shop_credentials SET auth_key = $2 WHERE shop_id = $1`, [shop, good!.user_name]);
    expect((await h.http().get(`/shops/${shop}/settings`).expect(200)).body.credentialsError).toMatch(/authKey/);
  });

  it('rotation re-encrypts everything under the new key, old ciphertext readable until then, idempotent', async () => {
    const ds = h.app.get(DataSource);
    await h.sql(`DELETE FROM shop_credentials WHERE shop_id = $1`, [`${h.shopId}-t`]);
    const NEW = entry('new2025');
    const ring = Keyring.parse(`${NEW},${OLD}`);
    const [before] = await h.sql<{ auth_key: string }>(`SELECT auth_key FROM shop_credentials WHERE shop_id = $1`, [h.shopId]);
    expect(ring.open(before!.auth_key, credentialAad(h.shopId, 'authKey'))).toBe(CANARY_KEY);
    const report = await rotateCredentials(ds, ring, 1);
    expect(report).toMatchObject({ currentKeyId: 'new2025', shops: 1, values: 3, rotated: 3, alreadyCurrent: 0, failed: [] });
    const [after] = await h.sql<{ auth_key: string; user_name: string; shop_url: string }>(`SELECT * FROM shop_credentials WHERE shop_id = $1`, [h.shopId]);
    for (const v of [after!.auth_key, after!.user_name, after!.shop_url]) expect(v).toMatch(/^v1\.new2025\./);
    expect(Keyring.parse(NEW).open(after!.auth_key, credentialAad(h.shopId, 'authKey'))).toBe(CANARY_KEY);
    expect(() => Keyring.parse(OLD).open(after!.auth_key, credentialAad(h.shopId, 'authKey'))).toThrow(/not in the keyring/);
    expect(await rotateCredentials(ds, ring, 1)).toMatchObject({ rotated: 0, alreadyCurrent: 3, failed: [] });
    // the running service (old key only) can no longer read it: the clear error, not garbage
    expect((await h.http().get(`/shops/${h.shopId}/settings`).expect(200)).body.credentialsError).toMatch(/key "new2025", which is not in the keyring/);
  });

  it('connection check: 202 while the gateway has not answered, then the recorded answer and history', async () => {
    const res = await h.httpAs(h.adminKey).post(`/shops/${h.shopId}/connection-check`).expect(202);
    expect(res.body).toMatchObject({ status: 'pending', shopId: h.shopId, outcome: null });
    const requested = await h.waitForEvent('ConnectionCheckRequested', (e) => (e.data as { checkId: string }).checkId === res.body.checkId);
    expect(requested.shopId).toBe(h.shopId);
    await h.publish(ConnectionCheckCompleted, { checkId: res.body.checkId, outcome: 'wrong-credentials', errorCode: 'RCCS_E01-001', message: '認証エラー', latencyMs: 12 });
    await waitUntil(async () => (await h.http().get(`/shops/${h.shopId}/connection-check/${res.body.checkId}`)).body.status === 'completed');
    const done = await h.http().get(`/shops/${h.shopId}/connection-check/${res.body.checkId}`).expect(200);
    expect(done.body).toMatchObject({ outcome: 'wrong-credentials', errorCode: 'RCCS_E01-001', latencyMs: 12 });
    // an answer for another shop's check id does not touch it
    await h.http().get(`/shops/other-shop/connection-check/${res.body.checkId}`).expect(404);
    const history = await h.http().get(`/shops/${h.shopId}/history`).query({ kind: 'connection-check' }).expect(200);
    expect(history.body.items.map((i: { kind: string }) => i.kind)).toEqual(['connection-check.completed', 'connection-check.requested']);
    expect(history.body.items[0].detail).toMatchObject({ outcome: 'wrong-credentials', errorCode: 'RCCS_E01-001' });
  });

  it('cutover: enabling the card API is refused while orders are in progress, lists them, allowed after resolving or on a recorded override', async () => {
    const shop = `${h.shopId}-c`;
    const base = `/shops/${shop}`;
    await h.http().put(`${base}/settings`).send({ useCardApi: false, notificationEmails: ['ops@example.jp'], notificationWebhookUrls: ['https://hooks.example.jp/rcp'] }).expect(200);
    for (const n of [1, 2, 3]) await h.http().post(`${base}/orders`).send(orderBody(n)).expect(201);
    await h.http().post(`${base}/orders`).send(orderBody(4, { billedAmount: 0, totalAmount: 0 })).expect(201);
    await h.http().post(`${base}/orders`).send(orderBody(5, { paymentMethod: '銀行振込' })).expect(201);
    // useCardApi=false refuses payment actions, so put two orders into オーソリエラー / オーソリ中 directly
    await h.sql(`UPDATE orders SET payment_tag = 'オーソリ済' WHERE shop_id = $1 AND order_number = $2`, [shop, orderBody(1).orderNumber]);
    await h.sql(`UPDATE orders SET payment_tag = 'オーソリエラー' WHERE shop_id = $1 AND order_number = $2`, [shop, orderBody(2).orderNumber]);

    const check = await h.http().get(`${base}/cutover-check`).expect(200);
    expect(check.body).toEqual({
      shopId: shop,
      ok: false,
      total: 2,
      blocking: [
        { orderNumber: orderBody(1).orderNumber, paymentTag: 'オーソリ済' },
        { orderNumber: orderBody(2).orderNumber, paymentTag: 'オーソリエラー' },
      ],
    });
    const refused = await h.http().put(`${base}/settings`).send({ useCardApi: true }).expect(409);
    expect(refused.body).toMatchObject({ statusCode: 409, errors: [{ field: 'useCardApi' }], details: { cutover: { total: 2, blocking: check.body.blocking } } });
    expect((await h.http().get(`${base}/settings`)).body.useCardApi).toBe(false);
    await h.http().put(`${base}/settings`).send({ useCardApi: true, overrideCutover: true }).expect(400);
    await h.http().put(`${base}/settings`).send({ autoCapture: true, overrideCutover: true, overrideReason: 'x'.repeat(10) }).expect(400);

    // resolve: オーソリ済 → 未オーソリ, オーソリエラー deleted
    await h.sql(`UPDATE orders SET payment_tag = '未オーソリ' WHERE shop_id = $1 AND order_number = $2`, [shop, orderBody(1).orderNumber]);
    await h.http().delete(`${base}/orders/${orderBody(2).orderNumber}`).expect(204);
    expect((await h.http().get(`${base}/cutover-check`).expect(200)).body).toMatchObject({ ok: true, total: 0, blocking: [] });
    const enabled = await h.http().put(`${base}/settings`).send({ useCardApi: true }).expect(200);
    expect(enabled.body).toMatchObject({ useCardApi: true, notificationEmails: ['ops@example.jp'], notificationWebhookUrls: ['https://hooks.example.jp/rcp'] });

    // again blocked (an authorization in progress), then an admin override with a reason
    await h.http().put(`${base}/settings`).send({ useCardApi: false }).expect(200);
    await h.sql(`UPDATE orders SET payment_tag = 'オーソリ中' WHERE shop_id = $1 AND order_number = $2`, [shop, orderBody(3).orderNumber]);
    await h.http().put(`${base}/settings`).send({ useCardApi: true }).expect(409);
    const override = await h.http().put(`${base}/settings`).send({ useCardApi: true, overrideCutover: true, overrideReason: 'order 3 handled manually in RMS' }).expect(200);
    expect(override.body.useCardApi).toBe(true);
    const history = await h.http().get(`${base}/history`).query({ kind: 'cutover' }).expect(200);
    expect(history.body.items).toEqual([
      expect.objectContaining({ kind: 'cutover.override', actor: `key:${h.adminKeyId}`, detail: { reason: 'order 3 handled manually in RMS', total: 1, blocking: [{ orderNumber: orderBody(3).orderNumber, paymentTag: 'オーソリ中' }] } }),
    ]);
    const audit = await h.http().get('/audit').query({ shopId: shop, action: 'cutover.override' }).expect(200);
    expect(audit.body.items).toEqual([expect.objectContaining({ outcome: 'accepted', reason: 'order 3 handled manually in RMS', actor: expect.objectContaining({ keyId: h.adminKeyId }) })]);
    const settingsHistory = await h.http().get(`${base}/history`).query({ kind: 'settings' }).expect(200);
    expect(settingsHistory.body.items[0].detail).toMatchObject({ overrideCutover: true, changes: { useCardApi: { from: false, to: true } } });
    await h.http().put(`${base}/settings`).send({ notificationEmails: ['not-an-email'] }).expect(400);
  });
});

async function waitUntil(probe: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}
