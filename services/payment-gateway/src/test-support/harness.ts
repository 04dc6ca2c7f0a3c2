import * as amqplib from 'amqplib';
import { randomInt, randomUUID } from 'node:crypto';
import { createEnvelope, EventContract, EventEnvelope } from '@rcp/contracts';
import { EventPublisher, resolveTopology } from '@rcp/messaging';
import { generateApiKey } from '@rcp/auth';
import { createTestDatabase, spawnService, testRabbitUrl, uniqueName, waitFor, type SpawnedService, type TestDatabase } from '@rcp/testing';
import { bootstrapGateway, type RunningGateway } from '../bootstrap';

export const SHOP = { shopId: 'gw-shop', shopUrl: 'gw-shop', userName: 'gw-user', authKey: 'gw-secret-auth-key-0001' };

/** RCP_BOOTSTRAP_ADMIN_KEY of gateways under test: the admin routes need an admin key. */
export const TEST_ADMIN_KEY = generateApiKey().key;

/** fetch with the test admin key (admin routes). */
export function adminFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${TEST_ADMIN_KEY}` } });
}

export function orderNumber(): string {
  return `123456-20240105-${String(randomInt(10_000_000, 99_999_999))}`;
}

/** The simulator as a separate process with its own database. */
export class SimulatorHandle {
  private constructor(
    readonly service: SpawnedService,
    readonly db: TestDatabase,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<SimulatorHandle> {
    const db = await createTestDatabase('gw_sim');
    const service = await spawnService({
      service: 'rccs-simulator',
      portEnv: 'SIM_PORT',
      env: {
        SIMULATOR_DATABASE_URL: db.url,
        SIM_PROCESSING_DELAY_MS: '150',
        SIM_SHOPS: JSON.stringify([{ shopUrl: SHOP.shopUrl, userName: SHOP.userName, authKey: SHOP.authKey }]),
        SIM_LOG_LEVEL: 'warn',
        ...env,
      },
    });
    return new SimulatorHandle(service, db);
  }

  get endpoint(): string {
    return `${this.service.url}/rccsapi-services/RCCSApiService`;
  }

  async admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.service.url}/admin${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`simulator ${method} ${path} → ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async ledger(query: Record<string, string>): Promise<{ op: string; requestId: number; orderNumber: string; errorCode: string }[]> {
    const qs = new URLSearchParams(query).toString();
    return (await this.admin<{ entries: { op: string; requestId: number; orderNumber: string; errorCode: string }[] }>('GET', `/ledger?${qs}`)).entries;
  }

  async stop(): Promise<void> {
    await this.service.stop().catch(() => undefined);
    await this.db.drop().catch(() => undefined);
  }
}

/** Environment of a gateway under test (fast polling, short retry tiers). */
export function gatewayEnv(dbUrl: string, namePrefix: string, endpoint: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GATEWAY_PORT: '0',
    GATEWAY_DATABASE_URL: dbUrl,
    RABBITMQ_URL: testRabbitUrl(),
    MESSAGING_NAME_PREFIX: namePrefix,
    RCCS_ENDPOINT: endpoint,
    RCCS_CONNECT_TIMEOUT_MS: '1000',
    RCCS_RESPONSE_TIMEOUT_MS: '2000',
    GATEWAY_BATCH_MAX_ORDERS: '10',
    GATEWAY_BATCH_MAX_WAIT_MS: '250',
    GATEWAY_FIRST_POLL_DELAY_MS: '100',
    GATEWAY_POLL_BACKOFF_FACTOR: '1.5',
    GATEWAY_POLL_MAX_DELAY_MS: '500',
    GATEWAY_POLL_TICK_MS: '50',
    GATEWAY_RETRY_DELAYS_MS: '200,400',
    GATEWAY_MAX_ATTEMPTS: '3',
    GATEWAY_CALL_RETRIES: '1',
    GATEWAY_CALL_RETRY_BASE_MS: '20',
    GATEWAY_BREAKER_THRESHOLD: '6',
    GATEWAY_BREAKER_HALF_OPEN_MS: '300',
    GATEWAY_SHOPS: JSON.stringify([SHOP]),
    RCP_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
    LOG_LEVEL: process.env.GW_TEST_LOG_LEVEL ?? 'error',
    ...extra,
  };
}

/** Publishes request events and collects every event on the prefixed exchange. */
export class EventBus {
  readonly events: EventEnvelope[] = [];
  private constructor(
    readonly publisher: EventPublisher,
    private readonly conn: amqplib.ChannelModel,
  ) {}

  static async open(namePrefix: string): Promise<EventBus> {
    const publisher = new EventPublisher({ url: testRabbitUrl(), namePrefix, connectionName: 'gw-test' });
    await publisher.waitForConnect();
    const conn = await amqplib.connect(testRabbitUrl());
    const ch = await conn.createChannel();
    const topology = resolveTopology({ namePrefix });
    await ch.assertExchange(topology.exchange, 'topic', topology.exchangeOptions);
    const q = await ch.assertQueue(uniqueName('gw_collect'), { exclusive: true, autoDelete: true });
    await ch.bindQueue(q.queue, topology.exchange, '#');
    const bus = new EventBus(publisher, conn);
    await ch.consume(q.queue, (msg) => {
      if (!msg) return;
      bus.events.push(JSON.parse(msg.content.toString()) as EventEnvelope);
      ch.ack(msg);
    });
    return bus;
  }

  async request<T extends object>(contract: EventContract<T>, data: T, meta: { id?: string } = {}): Promise<EventEnvelope<T>> {
    const envelope = createEnvelope(contract, data, { shopId: SHOP.shopId, id: meta.id });
    await this.publisher.publish(envelope);
    return envelope;
  }

  results(operationId: string): EventEnvelope<{ operationId: string } & Record<string, unknown>>[] {
    return this.events.filter((e) => !e.type.endsWith('Requested') && (e.data as { operationId?: string }).operationId === operationId) as never;
  }

  async resultOf(operationId: string, timeoutMs = 15_000): Promise<EventEnvelope<Record<string, unknown>>> {
    return waitFor(() => this.results(operationId)[0], `a result event for operation ${operationId}`, timeoutMs) as never;
  }

  ofType(type: string): EventEnvelope<Record<string, unknown>>[] {
    return this.events.filter((e) => e.type === type) as never;
  }

  async close(): Promise<void> {
    await this.publisher.close();
    await this.conn.close().catch(() => undefined);
  }
}

export const newOperationId = () => randomUUID();

/** A gateway under test with its own simulator, database and event bus (see {@link startGatewayUnderTest}). */
export interface GatewayUnderTest {
  sim: SimulatorHandle;
  db: TestDatabase;
  gateway: RunningGateway;
  bus: EventBus;
  /** Closes the bus and the gateway, drops the database and stops the simulator; the first failure is rethrown. */
  stop(): Promise<void>;
}

/**
 * Starts a simulator, a fresh database (named after `dbName`), a gateway on `namePrefix` ({@link gatewayEnv} plus
 * `extraEnv`) and an {@link EventBus}; whatever started is stopped again when a later step fails.
 */
export async function startGatewayUnderTest(namePrefix: string, dbName: string, extraEnv: Record<string, string> = {}): Promise<GatewayUnderTest> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    const failures: unknown[] = [];
    for (const s of stops.splice(0).reverse()) await s().catch((err: unknown) => failures.push(err));
    if (failures.length > 0) throw failures[0];
  };
  try {
    const sim = await SimulatorHandle.start();
    stops.push(() => sim.stop());
    const db = await createTestDatabase(dbName);
    stops.push(() => db.drop());
    const gateway = await bootstrapGateway(gatewayEnv(db.url, namePrefix, sim.endpoint, extraEnv));
    stops.push(() => gateway.close());
    const bus = await EventBus.open(namePrefix);
    stops.push(() => bus.close());
    return { sim, db, gateway, bus, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
