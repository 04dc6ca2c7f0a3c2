import { INestApplication } from '@nestjs/common';
import { AuthFailed, EventEnvelope, createEnvelope } from '@rcp/contracts';
import { EventPublisher } from '@rcp/messaging';
import { TestDatabase, createTestDatabase, testRabbitUrl, uniqueName, waitFor } from '@rcp/testing';
import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { generateApiKey } from '@rcp/auth';
import { DataSource } from 'typeorm';
import { bootstrap } from '../src/bootstrap';
import { paymentResult, sampleEvents } from './fixtures';
import { ReceivedMail, startSmtpSink } from './smtp-sink';
import { WebhookReceiver, freePort } from './webhook-receiver';

const SECRET = 'integration-secret-0123456789';
/** Bootstrap admin key of this test's service (RCP_BOOTSTRAP_ADMIN_KEY). */
const ADMIN_KEY = generateApiKey().key;

describe('notification-service (PostgreSQL, RabbitMQ, SMTP, HTTP)', () => {
  let db: TestDatabase;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  const receiver = new WebhookReceiver(SECRET);
  let receiverUrl: string;
  let app: INestApplication;
  let http: ReturnType<typeof request.agent>;
  let publisher: EventPublisher;
  let dataSource: DataSource;
  const namePrefix = uniqueName('n');

  const order = (n: number) => `338459-20250301-${String(n).padStart(8, '0')}`;
  const mailsFor = (shop: string) => smtp.mails.filter((m) => m.subject.includes(shop));
  const createRule = async (body: Record<string, unknown>) => {
    const res = await http.post('/rules').send(body);
    expect(res.status).toBe(201);
    return res.body as { id: string; webhooks: { url: string; secret: string }[] };
  };
  const deliveries = async (query: Record<string, string>) => (await http.get('/deliveries').query(query)).body as {
    items: { id: string; status: string; attempts: number; lastError: string | null; target: string; channel: string }[];
    total: number;
  };
  const publish = (events: EventEnvelope | EventEnvelope[]) => publisher.publish(events);

  beforeAll(async () => {
    db = await createTestDatabase('rcp_notify');
    smtp = await startSmtpSink();
    receiverUrl = `http://127.0.0.1:${await receiver.start()}/hooks/rcp`;
    app = await bootstrap({
      logger: false,
      env: {
        NOTIFY_PORT: '0',
        RCP_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
        NOTIFY_DATABASE_URL: db.url,
        RABBITMQ_URL: testRabbitUrl(),
        MESSAGING_NAME_PREFIX: namePrefix,
        SMTP_URL: smtp.url,
        MAIL_FROM: 'RCP 通知 <notify@rcp.test>',
        NOTIFY_RETRY_DELAYS_MS: '150,300',
        NOTIFY_WORKER_POLL_MS: '50',
        NOTIFY_WEBHOOK_TIMEOUT_MS: '2000',
      },
    });
    http = request.agent(`http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`).set('authorization', `Bearer ${ADMIN_KEY}`);
    dataSource = app.get(DataSource);
    publisher = new EventPublisher({ url: testRabbitUrl(), namePrefix });
    await publisher.waitForConnect();
  });

  afterAll(async () => {
    await publisher?.close();
    await app?.close();
    await receiver.stop();
    await smtp?.close();
    await db?.drop();
  });

  it('answers health probes', async () => {
    expect((await http.get('/health/live')).status).toBe(200);
    const ready = await http.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info.database.status).toBe('up');
  });

  it('turns every handled event type into a Japanese mail and a verified webhook', async () => {
    const rule = await createRule({
      shopId: 'shop-all',
      eventTypes: ['AuthFailed', 'CaptureFailed', 'AuthCancelFailed', 'CaptureCancelFailed', 'PaymentRequestDeadLettered', 'PaymentStuck', 'AuthExpiring'],
      emails: ['ops@shop-all.jp'],
      webhooks: [{ url: receiverUrl, secret: SECRET }],
    });
    expect(rule.webhooks[0].secret).not.toContain(SECRET.slice(0, 8));

    const events = sampleEvents('shop-all', order(1));
    await publish(Object.values(events));
    await waitFor(() => mailsFor('shop-all').length >= 7 && receiver.received.filter((w) => w.body.shopId === 'shop-all').length >= 7, '7 mails and 7 webhooks');

    const expectations: Record<string, { subject: string; body: string[] }> = {
      AuthFailed: { subject: 'オーソリエラー', body: ['RCCS_E22-822', '210G55', '限度額オーバーです', '再度オーソリを実行してください'] },
      CaptureFailed: { subject: '売上請求エラー', body: ['RCCS_E31-102', '売上請求できません', '注文者に連絡'] },
      AuthCancelFailed: { subject: 'オーソリ取消エラー', body: ['RCCS_E41-001', 'R状況確認'] },
      CaptureCancelFailed: { subject: '売上請求取消エラー', body: ['RCCS_E51-001', '再度取消を実行'] },
      PaymentRequestDeadLettered: { subject: '要対応: 決済処理の停止', body: ['ECONNREFUSED', '再投入(replay)'] },
      PaymentStuck: { subject: '処理遅延', body: ['1時間5分', '接続確認'] },
      AuthExpiring: { subject: 'オーソリ有効期限間近', body: ['残り日数: 5', '有効期限までに売上請求'] },
    };
    for (const [type, want] of Object.entries(expectations)) {
      const mail = mailsFor('shop-all').find((m) => m.text.includes(events[type].id)) as ReceivedMail;
      expect(mail).toBeDefined();
      expect(mail.to).toEqual(['ops@shop-all.jp']);
      expect(mail.from).toBe('notify@rcp.test');
      expect(mail.subject).toContain(want.subject);
      expect(mail.subject).toContain('shop-all');
      expect(mail.subject).toContain(order(1));
      expect(mail.text).toContain('ショップ: shop-all');
      expect(mail.text).toContain(`受注番号: ${order(1)}`);
      for (const fragment of want.body) expect(mail.text).toContain(fragment);

      const hook = receiver.received.find((w) => w.eventId === events[type].id);
      expect(hook).toMatchObject({ verified: true, eventType: type, body: { id: events[type].id, type, shopId: 'shop-all' } });
    }
    const log = await deliveries({ shopId: 'shop-all', status: 'sent' });
    expect(log.total).toBe(14);
  });

  it('notifies once per incident: redelivered messages and repeated events', async () => {
    await createRule({ shopId: 'shop-dup', eventTypes: ['AuthFailed'], emails: ['ops@shop-dup.jp'], webhooks: [{ url: receiverUrl, secret: SECRET }] });
    const data = paymentResult({ orderNumber: order(2) });
    const first = createEnvelope(AuthFailed, data, { shopId: 'shop-dup' });
    const repeat = createEnvelope(AuthFailed, { ...data, processedAt: '2025-03-01T03:10:00.000Z' }, { shopId: 'shop-dup' });
    await publish([first, first, repeat]);
    await waitFor(async () => {
      const [row] = await dataSource.query(`SELECT occurrences, suppressed FROM incident WHERE incident_key LIKE 'shop-dup|%'`);
      return row?.occurrences === 2 && row.suppressed === 1;
    }, 'both distinct events to be processed');
    await waitFor(() => mailsFor('shop-dup').length === 1 && receiver.received.some((w) => w.body.shopId === 'shop-dup'), 'the notification');
    await new Promise((r) => setTimeout(r, 300));
    expect(mailsFor('shop-dup')).toHaveLength(1);
    expect(receiver.received.filter((w) => w.body.shopId === 'shop-dup')).toHaveLength(1);
    expect((await deliveries({ shopId: 'shop-dup' })).total).toBe(2);

    const another = createEnvelope(AuthFailed, paymentResult({ orderNumber: order(3) }), { shopId: 'shop-dup' });
    await publish(another);
    await waitFor(() => mailsFor('shop-dup').length === 2, 'a different incident to be notified');
  });

  it('batches many failures into one digest mail', async () => {
    await createRule({ shopId: 'shop-digest', eventTypes: ['AuthFailed', 'CaptureFailed'], emails: ['digest@shop.jp'], digestWindowSeconds: 1 });
    const events = Array.from({ length: 6 }, (_, i) => createEnvelope(AuthFailed, paymentResult({ orderNumber: order(100 + i) }), { shopId: 'shop-digest' }));
    await publish(events);
    await waitFor(() => mailsFor('shop-digest').length > 0, 'the digest mail', 10_000);
    await new Promise((r) => setTimeout(r, 1300));
    const mails = mailsFor('shop-digest');
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toBe('[RCP] 【まとめ】shop-digest 要対応の通知 6件');
    for (let i = 0; i < 6; i++) expect(mails[0].text).toContain(order(100 + i));
    const log = await deliveries({ shopId: 'shop-digest' });
    expect(log.items).toHaveLength(1);
    expect(log.items[0]).toMatchObject({ status: 'sent', channel: 'email', target: 'digest@shop.jp' });
  });

  it('retries a webhook while the receiver is down and delivers when it is back', async () => {
    const port = await freePort();
    const late = new WebhookReceiver(SECRET);
    await createRule({ shopId: 'shop-flaky', eventTypes: ['CaptureFailed'], webhooks: [{ url: `http://127.0.0.1:${port}/hook`, secret: SECRET }] });
    const event = sampleEvents('shop-flaky', order(4)).CaptureFailed;
    await publish(event);
    const failed = await waitFor(async () => (await deliveries({ shopId: 'shop-flaky', status: 'failed' })).items[0], 'a failed attempt');
    expect(failed.attempts).toBe(1);
    expect(failed.lastError).toMatch(/ECONNREFUSED/);
    await late.start(port);
    try {
      await waitFor(async () => (await deliveries({ shopId: 'shop-flaky', status: 'sent' })).total === 1, 'delivery after recovery', 5000);
      expect(late.received).toHaveLength(1);
      expect(late.received[0]).toMatchObject({ verified: true, eventId: event.id });
    } finally {
      await late.stop();
    }
  });

  it('parks a delivery whose receiver stays down, shows it in the log and retries it on request', async () => {
    const port = await freePort();
    await createRule({ shopId: 'shop-down', eventTypes: ['PaymentStuck'], webhooks: [{ url: `http://127.0.0.1:${port}/hook`, secret: SECRET }] });
    const event = sampleEvents('shop-down', order(5)).PaymentStuck;
    await publish(event);
    const parked = await waitFor(async () => (await deliveries({ shopId: 'shop-down', status: 'parked' })).items[0], 'the delivery to be parked', 5000);
    expect(parked).toMatchObject({ channel: 'webhook', attempts: 3, lastError: expect.stringMatching(/ECONNREFUSED/) });
    const detail = await http.get(`/deliveries/${parked.id}`);
    expect(detail.body.parkedAt).toEqual(expect.any(String));
    expect(detail.body.events[0].id).toBe(event.id);

    const back = new WebhookReceiver(SECRET);
    await back.start(port);
    try {
      const retried = await http.post(`/deliveries/${parked.id}/retry`);
      expect(retried.status).toBe(202);
      expect(retried.body).toMatchObject({ status: 'pending', attempts: 0 });
      await waitFor(async () => (await http.get(`/deliveries/${parked.id}`)).body.status === 'sent', 'the retried delivery', 5000);
      expect(back.received[0]).toMatchObject({ verified: true, eventId: event.id });
      expect((await http.post(`/deliveries/${parked.id}/retry`)).status).toBe(409);
    } finally {
      await back.stop();
    }
  });

  it('validates rules with field errors and never returns a webhook secret', async () => {
    const bad = await http.post('/rules').send({
      shopId: 'shop-x',
      eventTypes: ['AuthFailed', 'OrderShipped'],
      emails: ['nope'],
      webhooks: [{ url: 'ftp://example.jp', secret: 'short' }],
      extra: 1,
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['eventTypes', 'emails', 'webhooks.0.url', 'webhooks.0.secret', 'extra']),
    );
    expect(JSON.stringify(bad.body)).not.toContain('short');

    const noTarget = await http.post('/rules').send({ shopId: 'shop-x', eventTypes: ['AuthFailed'] });
    expect(noTarget.status).toBe(400);
    expect(noTarget.body.errors[0].field).toBe('emails');

    const created = await createRule({ shopId: 'shop-x', eventTypes: ['AuthFailed'], webhooks: [{ url: 'https://hooks.example.jp/a', secret: 'x-secret-value-0001' }] });
    const patched = await http.patch(`/rules/${created.id}`).send({ webhooks: [{ url: 'https://hooks.example.jp/a' }, { url: 'https://hooks.example.jp/b' }] });
    expect(patched.status).toBe(400);
    expect(patched.body.errors).toEqual([{ field: 'webhooks.1.secret', message: expect.any(String) }]);
    const kept = await http.patch(`/rules/${created.id}`).send({ webhooks: [{ url: 'https://hooks.example.jp/a' }], emails: ['a@example.jp'] });
    expect(kept.status).toBe(200);
    const [stored] = await dataSource.query('SELECT webhooks FROM notification_rule WHERE id = $1', [created.id]);
    expect(stored.webhooks[0].secret).toBe('x-secret-value-0001');

    const list = await http.get('/rules').query({ shopId: 'shop-x' });
    expect(list.body.items).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toContain('x-secret-value');
    expect((await http.get(`/rules/${created.id}`)).body.webhooks[0].secret).toMatch(/^\*+01$/);
    expect((await http.delete(`/rules/${created.id}`)).status).toBe(204);
    expect((await http.get(`/rules/${created.id}`)).status).toBe(404);
    expect((await http.get('/deliveries').query({ status: 'lost', limit: 0 })).body.errors.map((e: { field: string }) => e.field)).toEqual(['status', 'limit']);
    expect((await http.get(`/deliveries/${randomUUID()}`)).status).toBe(404);
  });
});
