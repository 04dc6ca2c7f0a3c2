/**
 * End-to-end harness: the rccs-simulator and payment-gateway run as processes from dist/ (run `npm run build` first;
 * the integration test command does), order-service runs in-process with a clock the test moves. Fresh databases and
 * one messaging name prefix per system; a tap queue bound to `#` on the prefixed exchange records every event.
 */
import type { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import * as amqp from 'amqplib';
import { EventEnvelope } from '@rcp/contracts';
import { EventPublisher, prefixed } from '@rcp/messaging';
import { generateApiKey } from '@rcp/auth';
import { createTestDatabase, spawnService, testRabbitUrl, uniqueName, waitFor, type SpawnedService, type TestDatabase } from '@rcp/testing';
import { createOrderServiceApp } from '../../src/app';
import { Clock } from '../../src/common/clock';
import { parseOrderEnv } from '../../src/config/env';

export const DAY_MS = 86_400_000;

/** JSON read from the services' HTTP answers and events (assertions check the shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read JSON loosely and assert its shape
export type Json = any;

/** Real time plus an offset the test moves (results carry the simulator's times, so the base must be real). */
export class OffsetClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

export interface ShopCreds {
  shopId: string;
  shopUrl: string;
  userName: string;
  authKey: string;
}

export interface HttpResult<T = Json> {
  status: number;
  body: T;
  text: string;
}

export interface LedgerEntry {
  time: string;
  op: string;
  requestId: number;
  orderNumber: string;
  amount: number | null;
  errorCode: string;
  ccsErrorCode: string | null;
  message: string | null;
  cardStatus: number;
}

export interface ApiLogEntry {
  direction: 'request' | 'result';
  eventType: string;
  operation: string;
  operationId: string | null;
  rccsRequestId: number | null;
  cardStatus: number | null;
  errorCode: string | null;
  ccsErrorCode: string | null;
  message: string | null;
  amount: number | null;
  errorClass: string | null;
  applied: boolean;
}

export interface SystemOptions {
  /** Number of shops (each gets its own credentials in the simulator and the gateway). */
  shops?: number;
  simEnv?: Record<string, string>;
  gatewayEnv?: Record<string, string>;
  orderEnv?: Record<string, string>;
}

export interface System {
  shops: ShopCreds[];
  prefix: string;
  adminKey: string;
  clock: OffsetClock;
  app: INestApplication;
  orderUrl: string;
  sim: SpawnedService;
  gateway: SpawnedService;
  /** Every event seen on the prefixed exchange, in arrival order. */
  events: EventEnvelope<Json>[];
  api<T = Json>(method: string, path: string, body?: unknown, init?: { key?: string | null; contentType?: string; raw?: string | Buffer }): Promise<HttpResult<T>>;
  simAdmin<T = Json>(method: string, path: string, body?: unknown): Promise<HttpResult<T>>;
  ledger(orderNumber: string): Promise<LedgerEntry[]>;
  /** Moves order-service's clock and the simulator's clock together. */
  advance(ms: number): Promise<void>;
  waitForEvent(type: string, match?: (e: EventEnvelope<Json>) => boolean, timeoutMs?: number): Promise<EventEnvelope<Json>>;
  /** Publishes an envelope on the exchange as another service would (duplicates, late results). */
  publish(envelope: EventEnvelope<Json>): Promise<void>;
  close(): Promise<void>;
}

async function call<T>(url: string, method: string, headers: Record<string, string>, body?: string | Buffer): Promise<HttpResult<T>> {
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed as T, text };
}

export async function startSystem(options: SystemOptions = {}): Promise<System> {
  const prefix = uniqueName('e2e');
  const shops: ShopCreds[] = Array.from({ length: options.shops ?? 1 }, (_, i) => {
    const shopId = uniqueName(`e2eshop${i}`).replace(/_/g, '-');
    return { shopId, shopUrl: shopId, userName: `user-${i}`, authKey: `e2e-auth-key-${i}-${prefix}` };
  });
  const dbs: TestDatabase[] = [];
  const spawned: SpawnedService[] = [];
  let app: INestApplication | undefined;
  let conn: Awaited<ReturnType<typeof amqp.connect>> | undefined;
  const cleanup = async () => {
    await conn?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    for (const s of [...spawned].reverse()) await s.stop().catch(() => undefined);
    await Promise.all(dbs.map((d) => d.drop().catch(() => undefined)));
  };
  try {
    dbs.push(...(await Promise.all([createTestDatabase('e2e_sim'), createTestDatabase('e2e_gw'), createTestDatabase('e2e_order')])));
    const [simDb, gwDb, orderDb] = dbs;
    const sim = await spawnService({
      service: 'rccs-simulator',
      portEnv: 'SIM_PORT',
      env: {
        SIMULATOR_DATABASE_URL: simDb.url,
        SIM_PROCESSING_DELAY_MS: '200',
        SIM_SHOPS: JSON.stringify(shops.map(({ shopUrl, userName, authKey }) => ({ shopUrl, userName, authKey }))),
        SIM_LOG_LEVEL: 'warn',
        ...options.simEnv,
      },
    });
    spawned.push(sim);
    const adminKey = generateApiKey().key;
    const gateway = await spawnService({
      service: 'payment-gateway',
      portEnv: 'GATEWAY_PORT',
      env: {
        GATEWAY_DATABASE_URL: gwDb.url,
        RABBITMQ_URL: testRabbitUrl(),
        MESSAGING_NAME_PREFIX: prefix,
        RCCS_ENDPOINT: `${sim.url}/rccsapi-services/RCCSApiService`,
        GATEWAY_SHOPS: JSON.stringify(shops),
        GATEWAY_BATCH_MAX_WAIT_MS: '30',
        GATEWAY_FIRST_POLL_DELAY_MS: '100',
        GATEWAY_POLL_BACKOFF_FACTOR: '1.5',
        GATEWAY_POLL_MAX_DELAY_MS: '300',
        GATEWAY_POLL_TICK_MS: '50',
        RCP_BOOTSTRAP_ADMIN_KEY: adminKey,
        LOG_LEVEL: 'warn',
        ...options.gatewayEnv,
      },
    });
    spawned.push(gateway);

    const clock = new OffsetClock();
    const env = parseOrderEnv({
      ORDER_DATABASE_URL: orderDb.url,
      RABBITMQ_URL: testRabbitUrl(),
      MESSAGING_NAME_PREFIX: prefix,
      RCP_BOOTSTRAP_ADMIN_KEY: adminKey,
      OUTBOX_POLL_INTERVAL_MS: '50',
      EXPIRY_JOB_INTERVAL_MS: '0',
      STUCK_JOB_INTERVAL_MS: '0',
      LOG_LEVEL: 'silent',
      ...options.orderEnv,
    });

    // The tap is bound before order-service starts so no event is missed.
    conn = await amqp.connect(testRabbitUrl());
    const ch = await conn.createChannel();
    const exchange = prefixed(env.EXCHANGE, prefix);
    await ch.assertExchange(exchange, 'topic', { durable: true, autoDelete: true });
    const tap = await ch.assertQueue('', { exclusive: true, autoDelete: true });
    await ch.bindQueue(tap.queue, exchange, '#');
    const events: EventEnvelope<Json>[] = [];
    await ch.consume(tap.queue, (msg) => {
      if (msg) events.push(JSON.parse(msg.content.toString()) as EventEnvelope<Json>);
    }, { noAck: true });

    app = await createOrderServiceApp(env, { clock, logger: false });
    await app.listen(0, '127.0.0.1');
    const orderUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const started = app;

    const system: System = {
      shops,
      prefix,
      adminKey,
      clock,
      app: started,
      orderUrl,
      sim,
      gateway,
      events,
      api(method, path, body, init = {}) {
        const key = init.key === undefined ? adminKey : init.key;
        const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
        let payload: string | Buffer | undefined;
        if (init.raw !== undefined) {
          payload = init.raw;
          headers['content-type'] = init.contentType ?? 'application/json';
        } else if (body !== undefined) {
          payload = JSON.stringify(body);
          headers['content-type'] = 'application/json';
        }
        return call(orderUrl + path, method, headers, payload);
      },
      simAdmin(method, path, body) {
        return call(`${sim.url}/admin${path}`, method, body === undefined ? {} : { 'content-type': 'application/json' }, body === undefined ? undefined : JSON.stringify(body));
      },
      async ledger(orderNumber) {
        const r = await call<{ entries: LedgerEntry[] }>(`${sim.url}/admin/ledger?orderNumber=${orderNumber}`, 'GET', {});
        if (r.status !== 200) throw new Error(`ledger: ${r.status} ${r.text}`);
        return r.body.entries;
      },
      async advance(ms) {
        const r = await call(`${sim.url}/admin/clock`, 'POST', { 'content-type': 'application/json' }, JSON.stringify({ advanceMs: ms }));
        if (r.status >= 300) throw new Error(`simulator clock: ${r.status} ${r.text}`);
        clock.offsetMs += ms;
      },
      waitForEvent: (type, match = () => true, timeoutMs = 15_000) =>
        waitFor(() => events.find((e) => e.type === type && match(e)), `event ${type}`, timeoutMs),
      publish: (envelope) => started.get(EventPublisher).publish(envelope),
      close: cleanup,
    };
    return system;
  } catch (err) {
    await cleanup();
    throw err;
  }
}
