import { INestApplication } from '@nestjs/common';
import * as amqp from 'amqplib';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createEnvelope, EventContract, EventEnvelope } from '@rcp/contracts';
import { EventPublisher, prefixed } from '@rcp/messaging';
import { generateApiKey, parseApiKey } from '@rcp/auth';
import { createTestDatabase, testRabbitUrl, uniqueName, waitFor, TestDatabase } from '@rcp/testing';
import { createOrderServiceApp } from '../src/app';
import { OrderEnv, parseOrderEnv } from '../src/config/env';
import { ManualClock } from '../src/common/clock';

export const T0 = new Date('2024-06-01T00:00:00Z');

/** One booted order-service with its own database, prefixed exchange, a clock and a tap on `#`. */
export interface Harness {
  app: INestApplication;
  env: OrderEnv;
  clock: ManualClock;
  db: TestDatabase;
  shopId: string;
  /** The RCP_BOOTSTRAP_ADMIN_KEY of this harness (admin, every shop) and its key id. */
  adminKey: string;
  adminKeyId: string;
  /** HTTP client that sends the admin key. */
  http: () => ReturnType<typeof request.agent>;
  /** HTTP client with a given key (undefined = no credentials). */
  httpAs: (key: string | undefined) => ReturnType<typeof request.agent>;
  /** Every event seen on the exchange, in arrival order. */
  events: EventEnvelope[];
  waitForEvent(type: string, match?: (e: EventEnvelope) => boolean, timeoutMs?: number): Promise<EventEnvelope>;
  /** Publishes an event as another system (e.g. the gateway) would: its own connection, another app-id. */
  publish<T extends object>(contract: EventContract<T>, data: T, meta?: { shopId?: string; id?: string }): Promise<EventEnvelope<T>>;
  publishEnvelope(envelope: EventEnvelope): Promise<void>;
  /** The service's own publisher (app-id `order-service`): what any of its replicas publishes. */
  ownPublisher: EventPublisher;
  sql<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function startHarness(envOverrides: Record<string, string> = {}): Promise<Harness> {
  const db = await createTestDatabase('rcp_order');
  const prefix = uniqueName('ord');
  const clock = new ManualClock(T0);
  const adminKey = generateApiKey().key;
  const env = parseOrderEnv({
    RCP_BOOTSTRAP_ADMIN_KEY: adminKey,
    ORDER_DATABASE_URL: db.url,
    RABBITMQ_URL: testRabbitUrl(),
    MESSAGING_NAME_PREFIX: prefix,
    EXPIRY_JOB_INTERVAL_MS: '0',
    STUCK_JOB_INTERVAL_MS: '0',
    OUTBOX_POLL_INTERVAL_MS: '50',
    LOG_LEVEL: 'silent',
    ...envOverrides,
  });
  const app = await createOrderServiceApp(env, { clock, logger: false });
  const conn = await amqp.connect(testRabbitUrl());
  const ch = await conn.createChannel();
  const exchange = prefixed(env.EXCHANGE, prefix);
  await ch.assertExchange(exchange, 'topic', { durable: true, autoDelete: true });
  const q = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  await ch.bindQueue(q.queue, exchange, '#');
  const events: EventEnvelope[] = [];
  await ch.consume(q.queue, (msg) => {
    if (msg) events.push(JSON.parse(msg.content.toString()) as EventEnvelope);
  }, { noAck: true });
  // another system's publisher: the service's own (app.get(EventPublisher)) marks its messages as the service's
  const publisher = new EventPublisher({ url: testRabbitUrl(), exchange: env.EXCHANGE, namePrefix: prefix, connectionName: `${prefix}-other-system`, appId: 'other-system' });
  const dataSource = app.get(DataSource);
  const shopId = uniqueName('shop').replace(/_/g, '-');
  return {
    app,
    env,
    clock,
    db,
    shopId,
    adminKey,
    adminKeyId: parseApiKey(adminKey)!.keyId,
    http: () => request.agent(app.getHttpServer()).set('authorization', `Bearer ${adminKey}`),
    httpAs: (key) => (key ? request.agent(app.getHttpServer()).set('authorization', `Bearer ${key}`) : request.agent(app.getHttpServer())),
    events,
    waitForEvent: (type, match = () => true, timeoutMs = 10_000) =>
      waitFor(() => events.find((e) => e.type === type && match(e)), `event ${type}`, timeoutMs),
    async publish(contract, data, meta = {}) {
      const envelope = createEnvelope(contract, data, { shopId: meta.shopId ?? shopId, id: meta.id });
      await publisher.publish(envelope);
      return envelope;
    },
    publishEnvelope: (envelope) => publisher.publish(envelope),
    ownPublisher: app.get(EventPublisher),
    sql: (query, params) => dataSource.query(query, params),
    async close() {
      await ch.close().catch(() => undefined);
      await conn.close().catch(() => undefined);
      await publisher.close();
      await app.close();
      await db.drop();
    },
  };
}

/** A valid order body for POST /shops/:shopId/orders. */
export function orderBody(n: number, over: Record<string, unknown> = {}) {
  return {
    orderNumber: `338459-20240531-${String(n).padStart(8, '0')}`,
    orderedAt: '2024-05-31T01:00:00Z',
    paymentMethod: 'クレジットカード',
    totalAmount: 1000,
    billedAmount: 1000,
    ...over,
  };
}

/** Result payload as the gateway would publish it. */
export function resultData(orderNumber: string, operationId: string, operation: string, over: Record<string, unknown> = {}) {
  return {
    operationId,
    orderNumber,
    operation,
    rccsRequestId: 101,
    cardStatus: 12,
    errorCode: 'RCCS_N00-000',
    ccsErrorCode: '000000',
    message: null,
    approvalNumber: '0123456',
    transactionId: 'tx-1',
    amount: 1000,
    errorClass: null,
    processedAt: T0.toISOString(),
    ...over,
  } as never;
}
