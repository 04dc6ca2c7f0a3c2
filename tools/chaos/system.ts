import * as amqplib from 'amqplib';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createEnvelope, OrderShipped, type EventEnvelope } from '@rcp/contracts';
import { generateApiKey } from '@rcp/auth';
import { deletePrefixedTopology, EventPublisher, ParkingLot, resolveTopology } from '@rcp/messaging';
import { Keyring } from '@rcp/secrets';
import { createTestDatabase, freePort, repositoryRoot, spawnService, testRabbitUrl, uniqueName, type SpawnedService, type TestDatabase } from '@rcp/testing';
import type { BusEvent, Notification } from './invariants';
import { TcpProxy } from './tcp-proxy';

export const SHOP_ID = 'chaos-shop';
export const SERVICE_NAMES = ['rccs-simulator', 'payment-gateway', 'order-service', 'notification-service'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
/** Services whose broker and database traffic goes through our proxies. */
export type ProxiedService = Exclude<ServiceName, 'rccs-simulator'>;

const PORT_ENV: Record<ServiceName, string> = {
  'rccs-simulator': 'SIM_PORT',
  'payment-gateway': 'GATEWAY_PORT',
  'order-service': 'ORDER_PORT',
  'notification-service': 'NOTIFY_PORT',
};

/**
 * Keeps a crashed service's whole output (the crash record quotes only its error lines; the stack that explains
 * them is further down) as `tmp/chaos/crashes/<service>-<time>.log`; returns the path, or undefined when it cannot.
 */
export function saveCrashOutput(service: string, output: string, dir = join(repositoryRoot(), 'tmp', 'chaos', 'crashes')): string | undefined {
  try {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${service}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
    writeFileSync(file, output);
    return file;
  } catch {
    return undefined;
  }
}

/** A service process we may kill and restart; unexpected exits are recorded as crashes. */
export class ManagedService {
  private current?: SpawnedService;
  private expectingExit = false;
  private previousOutput = '';
  readonly crashes: { service: string; detail: string }[] = [];
  port = 0;

  constructor(
    readonly name: ServiceName,
    private readonly env: () => Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return Boolean(this.current && this.current.process.exitCode === null && this.current.process.signalCode === null);
  }

  get pid(): number | undefined {
    return this.current?.process.pid;
  }

  async start(): Promise<void> {
    if (this.running) return;
    if (!this.port) this.port = await freePort();
    this.expectingExit = false;
    const service = await spawnService({ service: this.name, portEnv: PORT_ENV[this.name], port: this.port, env: this.env(), readyTimeoutMs: 60_000 });
    this.current = service;
    service.process.once('exit', (code, signal) => {
      if (!this.expectingExit) {
        // eslint-disable-next-line no-control-regex
        const tail = service.output().slice(-4000).replace(/\u001b\[[0-9;]*m/g, '');
        const errorLines = tail.split('\n').filter((l) => /error|exception|fatal|terminat/i.test(l)).slice(-4).join(' | ');
        const saved = saveCrashOutput(this.name, service.output());
        this.crashes.push({ service: this.name, detail: `exited (code ${code}, signal ${signal}); ${errorLines.slice(0, 1200) || tail.slice(-600)}${saved ? `; whole output in ${saved}` : ''}` });
      }
    });
  }

  /** SIGKILL now (no graceful shutdown). */
  async kill(): Promise<void> {
    if (!this.current) return;
    this.expectingExit = true;
    await this.current.kill();
    this.keepOutput();
  }

  async stop(): Promise<void> {
    if (!this.current) return;
    this.expectingExit = true;
    await this.current.stop(15_000);
    this.keepOutput();
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  /** Everything every incarnation of this service wrote. */
  output(): string {
    return this.previousOutput + (this.current?.output() ?? '');
  }

  private keepOutput(): void {
    if (!this.current) return;
    this.previousOutput += this.current.output();
    this.current = undefined;
  }
}

/** Collects every message on the run's exchange (queue bound to `#`) and publishes test traffic. */
export class Bus {
  readonly events: BusEvent[] = [];
  private listeners: ((e: BusEvent) => void)[] = [];
  private conn?: amqplib.ChannelModel;
  private channel?: amqplib.Channel;
  private pubChannel?: amqplib.ConfirmChannel;
  readonly exchange: string;
  private queue = '';
  private closing = false;

  constructor(readonly namePrefix: string) {
    this.exchange = resolveTopology({ namePrefix }).exchange;
  }

  async open(): Promise<void> {
    const conn = await amqplib.connect(testRabbitUrl(), { clientProperties: { connection_name: `chaos-bus:${this.namePrefix}` } });
    conn.on('error', () => undefined);
    conn.on('close', () => {
      if (!this.closing) void this.reopen();
    });
    this.conn = conn;
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    const topology = resolveTopology({ namePrefix: this.namePrefix });
    await ch.assertExchange(topology.exchange, 'topic', topology.exchangeOptions);
    this.queue ||= `${this.namePrefix}.chaos-collector`;
    // durable so that a broker restart (full suite) keeps what we have not read yet
    await ch.assertQueue(this.queue, { durable: true, arguments: { 'x-expires': 600_000 } });
    await ch.bindQueue(this.queue, topology.exchange, '#');
    await ch.prefetch(500);
    await ch.consume(this.queue, (msg) => {
      if (!msg) return;
      this.record(msg);
      ch.ack(msg);
    });
    this.channel = ch;
    this.pubChannel = await conn.createConfirmChannel();
    this.pubChannel.on('error', () => undefined);
  }

  private async reopen(): Promise<void> {
    for (let i = 0; i < 120 && !this.closing; i++) {
      try {
        await this.open();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private record(msg: amqplib.ConsumeMessage): void {
    const injected = msg.properties.headers?.['x-chaos-injected'] === true;
    let event: BusEvent;
    try {
      const body = JSON.parse(msg.content.toString()) as EventEnvelope<Record<string, unknown>>;
      event = { id: String(body.id ?? msg.properties.messageId), type: String(body.type ?? msg.properties.type), data: (body.data as Record<string, unknown>) ?? {}, injected };
    } catch {
      event = { id: String(msg.properties.messageId ?? 'unparsable'), type: 'unparsable', data: {}, injected };
    }
    (event as BusEvent & { raw?: Buffer; routingKey?: string }).routingKey = msg.fields.routingKey;
    (event as BusEvent & { raw?: Buffer }).raw = msg.content;
    (event as BusEvent & { properties?: amqplib.MessageProperties }).properties = msg.properties;
    this.events.push(event);
    for (const l of this.listeners) l(event);
  }

  onEvent(listener: (e: BusEvent) => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }

  /** Publishes raw bytes to the exchange (poison, duplicates) and waits for the broker's confirm. */
  async publishRaw(routingKey: string, body: Buffer, properties: amqplib.Options.Publish = {}): Promise<void> {
    const ch = this.pubChannel;
    if (!ch) throw new Error('bus not open');
    await new Promise<void>((resolve, reject) => {
      ch.publish(this.exchange, routingKey, body, { persistent: true, ...properties }, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Re-publishes a copy of a seen event with the same message id (a duplicate delivery to every consumer). */
  async duplicate(e: BusEvent): Promise<void> {
    const x = e as BusEvent & { raw?: Buffer; routingKey?: string; properties?: amqplib.MessageProperties };
    if (!x.raw || !x.routingKey || !x.properties) return;
    const p = x.properties;
    await this.publishRaw(x.routingKey, x.raw, {
      messageId: p.messageId,
      type: p.type,
      correlationId: p.correlationId,
      timestamp: p.timestamp,
      contentType: p.contentType,
      headers: { ...(p.headers ?? {}), 'x-chaos-injected': true },
    });
  }

  /** Ready messages of each queue (passive declare: fast, unlike rabbitmqctl; unacked are not included). */
  async readyCounts(queues: string[]): Promise<number> {
    const conn = this.conn;
    if (!conn) throw new Error('bus not open');
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    try {
      let total = 0;
      for (const q of queues) total += (await ch.checkQueue(q)).messageCount;
      return total;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  /**
   * Deletes the collector queue and, once the services stopped, the run's consumer topologies (queue, retry tiers,
   * parking lot of each service): left to `x-expires`, back-to-back runs pile up quorum queues and their file handles.
   */
  async close(services: readonly string[] = []): Promise<void> {
    this.closing = true;
    await this.channel?.deleteQueue(this.queue).catch(() => undefined);
    const channel = this.channel;
    if (channel) for (const queue of services) await deletePrefixedTopology(channel, { namePrefix: this.namePrefix, queue }).catch(() => undefined);
    await this.conn?.close().catch(() => undefined);
  }
}

/** Receives notification-service webhooks (one rule: every failure type → this URL). */
export class WebhookSink {
  readonly received: Notification[] = [];
  private server?: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const eventId = String(req.headers['x-rcp-event-id'] ?? '');
        const eventType = String(req.headers['x-rcp-event-type'] ?? '');
        if (eventId) this.received.push({ eventId, eventType });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

export interface SystemOptions {
  /** Simulator processing delay (ms). */
  processingDelayMs?: number;
  logLevel?: string;
}

/**
 * The whole system for one chaos run: simulator, gateway, order-service and notification-service from dist/, each with
 * a fresh database, one name prefix, broker and database traffic of the three message-driven services through our
 * TCP proxies, a bus collector, a webhook sink, and the canary secrets.
 */
export class ChaosSystem {
  readonly namePrefix = uniqueName('chaos');
  /** Card-API auth key: a canary that must never appear in any log. */
  readonly canaryAuthKey = `CANARY-KEY-${randomBytes(6).toString('hex')}`;
  /** order-service bootstrap admin key (`rcp_<12>_<43>`); its secret part is a canary too. */
  readonly adminKey = generateApiKey().key;
  /** Credential keyrings as production has them (credential routes answer 503 without them). */
  private readonly keyrings = {
    CREDENTIALS_ENCRYPTION_KEYS: Keyring.generateEntry('chaos1'),
    CREDENTIALS_TRANSPORT_KEYS: Keyring.generateEntry('chaos1'),
    GATEWAY_CREDENTIALS_KEYS: Keyring.generateEntry('chaos1'),
  };
  readonly webhookSecret = `chaos-webhook-${randomBytes(12).toString('hex')}`;
  readonly dbs = {} as Record<ServiceName, TestDatabase>;
  readonly amqpProxies = {} as Record<ProxiedService, TcpProxy>;
  readonly pgProxies = {} as Record<ProxiedService, TcpProxy>;
  readonly services = {} as Record<ServiceName, ManagedService>;
  readonly bus: Bus;
  readonly webhooks = new WebhookSink();
  publisher?: EventPublisher;
  parkingLot?: ParkingLot;
  readonly queues: Record<ProxiedService, string>;
  ruleId?: string;

  constructor(private readonly options: SystemOptions = {}) {
    this.bus = new Bus(this.namePrefix);
    this.queues = {
      'payment-gateway': `${this.namePrefix}.payment-gateway`,
      'order-service': `${this.namePrefix}.order-service`,
      'notification-service': `${this.namePrefix}.notification-service`,
    };
  }

  get secrets(): string[] {
    return [this.canaryAuthKey, this.adminKey.slice(-43), this.webhookSecret];
  }

  get simUrl(): string {
    return this.services['rccs-simulator'].url;
  }

  async start(): Promise<void> {
    const amqpPort = Number(new URL(testRabbitUrl()).port || 5672);
    for (const name of SERVICE_NAMES) this.dbs[name] = await createTestDatabase(`chaos_${name.split('-')[0]}`);
    for (const name of ['payment-gateway', 'order-service', 'notification-service'] as const) {
      this.amqpProxies[name] = await new TcpProxy({ targetPort: amqpPort, name: `${name}→rabbitmq` }).start();
      const pgPort = Number(new URL(this.dbs[name].url).port || 5432);
      this.pgProxies[name] = await new TcpProxy({ targetPort: pgPort, name: `${name}→postgres` }).start();
    }
    await this.bus.open();
    await this.webhooks.start();
    const log = this.options.logLevel ?? 'info';
    const rabbit = (name: ProxiedService) => {
      const u = new URL(testRabbitUrl());
      u.hostname = '127.0.0.1';
      u.port = String(this.amqpProxies[name].port);
      return u.toString().replace(/\/$/, '');
    };
    const db = (name: ProxiedService) => {
      const u = new URL(this.dbs[name].url);
      u.hostname = '127.0.0.1';
      u.port = String(this.pgProxies[name].port);
      return u.toString();
    };
    const sim = new ManagedService('rccs-simulator', () => ({
      SIMULATOR_DATABASE_URL: this.dbs['rccs-simulator'].url,
      SIM_PROCESSING_DELAY_MS: String(this.options.processingDelayMs ?? 300),
      SIM_SHOPS: JSON.stringify([{ shopUrl: SHOP_ID, userName: 'chaos-user', authKey: this.canaryAuthKey }]),
      SIM_DECLINE_RULES: JSON.stringify([{ id: 'chaos-decline', operations: ['authori'], minAmount: 9999, maxAmount: 9999, code: 'G55' }]),
      SIM_LOG_LEVEL: log,
    }));
    this.services['rccs-simulator'] = sim;
    await sim.start();
    this.services['payment-gateway'] = new ManagedService('payment-gateway', () => ({
      GATEWAY_DATABASE_URL: db('payment-gateway'),
      RABBITMQ_URL: rabbit('payment-gateway'),
      MESSAGING_NAME_PREFIX: this.namePrefix,
      RCCS_ENDPOINT: `${sim.url}/rccsapi-services/RCCSApiService`,
      RCCS_CONNECT_TIMEOUT_MS: '1000',
      RCCS_RESPONSE_TIMEOUT_MS: '3000',
      GATEWAY_BATCH_MAX_ORDERS: '20',
      GATEWAY_BATCH_MAX_WAIT_MS: '100',
      GATEWAY_FIRST_POLL_DELAY_MS: '200',
      GATEWAY_POLL_BACKOFF_FACTOR: '1.5',
      GATEWAY_POLL_MAX_DELAY_MS: '1000',
      GATEWAY_POLL_TICK_MS: '100',
      GATEWAY_RETRY_DELAYS_MS: '500,1000,2000',
      GATEWAY_MAX_ATTEMPTS: '4',
      GATEWAY_CALL_RETRIES: '1',
      GATEWAY_CALL_RETRY_BASE_MS: '50',
      GATEWAY_BREAKER_THRESHOLD: '8',
      GATEWAY_BREAKER_HALF_OPEN_MS: '1000',
      GATEWAY_STUCK_AFTER_MS: '12000',
      GATEWAY_STUCK_CHECK_INTERVAL_MS: '2000',
      GATEWAY_RECONCILE_INTERVAL_MS: '1000',
      GATEWAY_RECONCILE_AFTER_MS: '3000',
      GATEWAY_SHOP_REQUESTS_PER_SECOND: '50',
      GATEWAY_SHOP_BURST: '50',
      GATEWAY_SHOPS: JSON.stringify([{ shopId: SHOP_ID, shopUrl: SHOP_ID, userName: 'chaos-user', authKey: this.canaryAuthKey }]),
      GATEWAY_CREDENTIALS_KEYS: this.keyrings.GATEWAY_CREDENTIALS_KEYS,
      CREDENTIALS_TRANSPORT_KEYS: this.keyrings.CREDENTIALS_TRANSPORT_KEYS,
      RCP_BOOTSTRAP_ADMIN_KEY: this.adminKey,
      LOG_LEVEL: log,
    }));
    this.services['order-service'] = new ManagedService('order-service', () => ({
      ORDER_DATABASE_URL: db('order-service'),
      RABBITMQ_URL: rabbit('order-service'),
      MESSAGING_NAME_PREFIX: this.namePrefix,
      OUTBOX_POLL_INTERVAL_MS: '200',
      DEFAULT_AUTO_CAPTURE: 'true',
      DEFAULT_AUTO_PROGRESS: 'true',
      CREDENTIALS_ENCRYPTION_KEYS: this.keyrings.CREDENTIALS_ENCRYPTION_KEYS,
      CREDENTIALS_TRANSPORT_KEYS: this.keyrings.CREDENTIALS_TRANSPORT_KEYS,
      RCP_BOOTSTRAP_ADMIN_KEY: this.adminKey,
      RATE_LIMIT_MAX: '1000000',
      LOG_LEVEL: log,
    }));
    this.services['notification-service'] = new ManagedService('notification-service', () => ({
      NOTIFY_DATABASE_URL: db('notification-service'),
      RABBITMQ_URL: rabbit('notification-service'),
      MESSAGING_NAME_PREFIX: this.namePrefix,
      SMTP_URL: 'smtp://127.0.0.1:9',
      NOTIFY_RETRY_DELAYS_MS: '500,1000,2000,4000',
      NOTIFY_WORKER_POLL_MS: '200',
      NOTIFY_CLAIM_LEASE_MS: '5000',
      NOTIFY_WEBHOOK_TIMEOUT_MS: '3000',
      NOTIFY_CONSUMER_RETRY_DELAYS_MS: '500,1000,2000',
      NOTIFY_BROKER_CONNECT_TIMEOUT_MS: '30000',
      RCP_BOOTSTRAP_ADMIN_KEY: this.adminKey,
      RATE_LIMIT_MAX: '1000000',
      LOG_LEVEL: log,
    }));
    await Promise.all([this.services['payment-gateway'].start(), this.services['order-service'].start(), this.services['notification-service'].start()]);
    this.publisher = new EventPublisher({ url: testRabbitUrl(), namePrefix: this.namePrefix, connectionName: `chaos-publisher:${this.namePrefix}` });
    await this.publisher.waitForConnect();
    this.parkingLot = new ParkingLot({ url: testRabbitUrl(), connectionName: `chaos-parking-lot:${this.namePrefix}` });
    await this.createNotificationRule();
  }

  /** A rule of notification-service: every failure type of our shop → the webhook sink. */
  private async createNotificationRule(): Promise<void> {
    const res = await this.http('notification-service', 'POST', '/rules', {
      shopId: SHOP_ID,
      name: 'chaos: every failure',
      eventTypes: ['AuthFailed', 'CaptureFailed', 'AuthCancelFailed', 'CaptureCancelFailed', 'PaymentRequestDeadLettered', 'PaymentStuck'],
      webhooks: [{ url: `http://127.0.0.1:${this.webhooks.port}/hook`, secret: this.webhookSecret }],
      dedupWindowSeconds: 0,
    });
    if (res.status !== 201 && res.status !== 200) throw new Error(`creating the notification rule failed: ${res.status} ${res.text.slice(0, 500)}`);
    this.ruleId = (JSON.parse(res.text) as { id: string }).id;
  }

  /** HTTP to a service with the admin key (unless `auth` is given: null = no header). */
  async http(
    service: ServiceName,
    method: string,
    path: string,
    body?: unknown,
    options: { auth?: string | null; headers?: Record<string, string>; rawBody?: string | Buffer; timeoutMs?: number } = {},
  ): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    const auth = options.auth === undefined ? this.adminKey : options.auth;
    if (auth !== null) headers.authorization = `Bearer ${auth}`;
    let payload: string | Buffer | undefined = options.rawBody;
    if (payload === undefined && body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.services[service].url + path, {
      method,
      headers,
      body: payload,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    return { status: res.status, text: await res.text() };
  }

  async simAdmin<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.http('rccs-simulator', method, `/admin${path}`, body, { auth: null });
    if (res.status >= 300) throw new Error(`simulator ${method} ${path} → ${res.status}: ${res.text.slice(0, 300)}`);
    return (res.text ? JSON.parse(res.text) : undefined) as T;
  }

  async shipOrder(orderNumber: string): Promise<void> {
    if (!this.publisher) throw new Error('publisher not started');
    await this.publisher.publish(createEnvelope(OrderShipped, { orderNumber, shippedAt: new Date().toISOString() }, { shopId: SHOP_ID }));
  }

  /** Peer ports of every broker connection of our services (through the proxies). */
  ourBrokerPeerPorts(): number[] {
    return Object.values(this.amqpProxies).flatMap((p) => p.upstreamLocalPorts());
  }

  databaseNames(): string[] {
    return Object.values(this.dbs).map((d) => d.name);
  }

  crashes(): { service: string; detail: string }[] {
    return Object.values(this.services).flatMap((s) => s.crashes);
  }

  logs(): { service: string; text: string }[] {
    return Object.values(this.services).map((s) => ({ service: s.name, text: s.output() }));
  }

  /** Makes sure every service runs and every proxy passes (after a scenario). */
  async heal(): Promise<void> {
    for (const p of [...Object.values(this.amqpProxies), ...Object.values(this.pgProxies)]) p.setMode('pass');
    for (const name of SERVICE_NAMES) {
      if (!this.services[name].running) await this.services[name].start();
    }
  }

  async stop(): Promise<void> {
    await this.publisher?.close().catch(() => undefined);
    await this.parkingLot?.close().catch(() => undefined);
    for (const p of [...Object.values(this.amqpProxies), ...Object.values(this.pgProxies)]) p.setMode('pass');
    for (const name of ['order-service', 'notification-service', 'payment-gateway', 'rccs-simulator'] as const) {
      await this.services[name]?.stop().catch(() => undefined);
    }
    await this.bus.close(Object.keys(this.amqpProxies));
    await this.webhooks.close();
    for (const p of [...Object.values(this.amqpProxies), ...Object.values(this.pgProxies)]) await p.close();
    for (const d of Object.values(this.dbs)) await d.drop().catch(() => undefined);
  }
}
