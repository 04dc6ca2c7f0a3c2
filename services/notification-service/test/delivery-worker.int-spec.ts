import { INestApplication } from '@nestjs/common';
import { EventPublisher } from '@rcp/messaging';
import { TestDatabase, createTestDatabase, testRabbitUrl, uniqueName, waitFor } from '@rcp/testing';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { generateApiKey } from '@rcp/auth';
import { DataSource } from 'typeorm';
import { bootstrap } from '../src/bootstrap';
import { sampleEvents } from './fixtures';
import { startSmtpSink } from './smtp-sink';
import { WebhookReceiver, freePort } from './webhook-receiver';

const SECRET = 'worker-secret-0123456789';
/** Bootstrap admin key of this test's service (RCP_BOOTSTRAP_ADMIN_KEY). */
const ADMIN_KEY = generateApiKey().key;

describe('delivery worker across restarts and replicas', () => {
  let db: TestDatabase;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let publisher: EventPublisher;
  const namePrefix = uniqueName('n');
  const apps: INestApplication[] = [];

  const boot = async () => {
    const app = await bootstrap({
      logger: false,
      env: {
        NOTIFY_PORT: '0',
        RCP_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
        NOTIFY_DATABASE_URL: db.url,
        RABBITMQ_URL: testRabbitUrl(),
        MESSAGING_NAME_PREFIX: namePrefix,
        SMTP_URL: smtp.url,
        NOTIFY_RETRY_DELAYS_MS: '400,400,400,400',
        NOTIFY_WORKER_POLL_MS: '30',
        NOTIFY_WORKER_BATCH: '5',
      },
    });
    apps.push(app);
    return app;
  };
  const httpOf = (app: INestApplication) => request.agent(`http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`).set('authorization', `Bearer ${ADMIN_KEY}`);

  beforeAll(async () => {
    db = await createTestDatabase('rcp_notify_worker');
    smtp = await startSmtpSink();
    publisher = new EventPublisher({ url: testRabbitUrl(), namePrefix });
  });

  afterAll(async () => {
    await publisher?.close();
    for (const app of apps) await app.close().catch(() => undefined);
    await smtp?.close();
    await db?.drop();
  });

  it('keeps a failing delivery across a restart and delivers it from the next process', async () => {
    const port = await freePort();
    const first = await boot();
    const rule = await httpOf(first)
      .post('/rules')
      .send({ shopId: 'shop-restart', eventTypes: ['AuthFailed'], webhooks: [{ url: `http://127.0.0.1:${port}/h`, secret: SECRET }] });
    expect(rule.status).toBe(201);
    const event = sampleEvents('shop-restart').AuthFailed;
    await publisher.publish(event);
    const ds = first.get(DataSource);
    await waitFor(async () => (await ds.query(`SELECT 1 FROM delivery WHERE status = 'failed'`)).length === 1, 'a failed attempt');
    await first.close();

    const receiver = new WebhookReceiver(SECRET);
    await receiver.start(port);
    try {
      const second = await boot();
      await waitFor(async () => (await httpOf(second).get('/deliveries').query({ status: 'sent' })).body.total === 1, 'delivery by the new process', 5000);
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0]).toMatchObject({ verified: true, eventId: event.id });
    } finally {
      await receiver.stop();
    }
  });

  it('lets two replicas share the queue without sending anything twice', async () => {
    const receiver = new WebhookReceiver(SECRET);
    const url = `http://127.0.0.1:${await receiver.start()}/h`;
    try {
      const a = apps[apps.length - 1];
      const b = await boot();
      const ruleRes = await httpOf(a).post('/rules').send({ shopId: 'shop-replicas', eventTypes: ['PaymentStuck'], webhooks: [{ url, secret: SECRET }] });
      const ds = a.get(DataSource);
      const event = sampleEvents('shop-replicas').PaymentStuck;
      await ds.query(
        `INSERT INTO delivery (shop_id, rule_id, channel, target, event_types, events, status, next_attempt_at, created_at, updated_at)
         SELECT 'shop-replicas', $1, 'webhook', $2, ARRAY['PaymentStuck'], $3::jsonb, 'pending', now(), now(), now() FROM generate_series(1, 60)`,
        [ruleRes.body.id, url, JSON.stringify([event])],
      );
      await waitFor(async () => (await httpOf(b).get('/deliveries').query({ shopId: 'shop-replicas', status: 'sent' })).body.total === 60, 'all 60 sent', 10_000);
      const ids = receiver.received.map((w) => w.deliveryId);
      expect(ids).toHaveLength(60);
      expect(new Set(ids).size).toBe(60);
      expect(receiver.received.every((w) => w.verified)).toBe(true);
      const [{ max }] = await ds.query(`SELECT max(attempts) AS max FROM delivery WHERE shop_id = 'shop-replicas'`);
      expect(max).toBe(1);
    } finally {
      await receiver.stop();
    }
  });
});
