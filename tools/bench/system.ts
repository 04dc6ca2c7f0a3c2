import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import { Client } from 'pg';
import { parse } from 'yaml';
import { generateApiKey } from '@rcp/auth';
import { deletePrefixedTopology } from '@rcp/messaging';
import {
  createTestDatabase,
  spawnService,
  testRabbitUrl,
  uniqueName,
  type SpawnedService,
  type SpawnServiceOptions,
  type TestDatabase,
} from '@rcp/testing';
import { repoRoot } from '../repo-root';

export interface BenchShopCreds {
  shopId: string;
  shopUrl: string;
  userName: string;
  authKey: string;
}

export interface SystemOptions {
  shops: number;
  /** Directory for --cpu-prof output of each service; undefined = no profiling. */
  cpuProfDir?: string;
  /** Gateway overrides (batch settings etc.), merged over the bench's defaults. */
  gatewayEnv?: Record<string, string>;
  orderEnv?: Record<string, string>;
  /** Processes of the order-service and of the payment-gateway (production runs 2 of each); default 1. */
  replicas?: { orders?: number; gateway?: number };
}

export interface RunningSystem {
  prefix: string;
  rabbitUrl: string;
  shops: BenchShopCreds[];
  adminKey: string;
  databases: { simulator: TestDatabase; gateway: TestDatabase; orders: TestDatabase; baseline: TestDatabase };
  simulator: SpawnedService;
  /** The first payment-gateway process (its admin API and metrics); all of them in `processes`. */
  gateway: SpawnedService;
  /** The first order-service process; all of them in `processes`. */
  orders: SpawnedService;
  /** Every service process, named by service (`order-service`, `order-service#2`, …). */
  processes: ServiceProcess[];
  /** Settings the services were started with (recorded in the JSON). */
  settings: Record<string, Record<string, string>>;
  stop(): Promise<void>;
}


export type BenchService = 'order-service' | 'payment-gateway' | 'rccs-simulator';

export interface ServiceProcess {
  service: BenchService;
  /** `service` for the first process of a service, `service#n` for its n-th replica. */
  name: string;
  spawned: SpawnedService;
}

/** Names the processes of each service: the first by the service, replicas as `service#2`, `service#3`, … */
export function nameProcesses(started: readonly { service: BenchService; spawned: SpawnedService }[]): ServiceProcess[] {
  const seen = new Map<BenchService, number>();
  return started.map(({ service, spawned }) => {
    const n = (seen.get(service) ?? 0) + 1;
    seen.set(service, n);
    return { service, name: n === 1 ? service : `${service}#${n}`, spawned };
  });
}

/**
 * `NODE_OPTIONS` of the production ConfigMap (`deploy/k8s/base/configmap.yaml`, shared by every service): the bench
 * runs the services with the heap limit they have in production. V8 sizes its heap by that limit: without one, at
 * 1024 orders in flight the order-service's old space grew to ≈ 145 MB around ≈ 45 MB of live objects (RSS ≈ 300 MB);
 * with production's `--max-old-space-size=256` the same step peaked at ≈ 175–205 MB, for ≈ 1 % more of the services'
 * CPU spent in GC.
 */
export function productionNodeOptions(root = repoRoot()): string {
  const configMap = parse(readFileSync(join(root, 'deploy', 'k8s', 'base', 'configmap.yaml'), 'utf8')) as { data?: Record<string, unknown> };
  const options = configMap.data?.NODE_OPTIONS;
  if (typeof options !== 'string' || options.trim() === '') throw new Error('deploy/k8s/base/configmap.yaml has no NODE_OPTIONS');
  return options;
}

/** spawnService, with `node --cpu-prof` when profiling (the profile is written when the service exits after SIGTERM). */
function start(options: SpawnServiceOptions, profDir: string | undefined): Promise<SpawnedService> {
  if (!profDir) return spawnService(options);
  const dir = join(profDir, options.service);
  mkdirSync(dir, { recursive: true });
  return spawnService({ ...options, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
}

/**
 * Starts simulator, payment-gateway and order-service as their own processes from dist/, each with a fresh database,
 * one shared messaging prefix, production queue/prefetch/confirm settings, and the benchmark's few deliberate
 * overrides (documented in docs/performance.md).
 */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const replicas = (n: number | undefined) => {
    if (n === undefined) return 1;
    if (!Number.isInteger(n) || n < 1) throw new Error(`replicas must be a positive integer (got ${n})`);
    return n;
  };
  const gatewayReplicas = replicas(options.replicas?.gateway);
  const orderReplicas = replicas(options.replicas?.orders);
  const prefix = uniqueName('bench');
  const rabbitUrl = testRabbitUrl();
  const shops: BenchShopCreds[] = Array.from({ length: options.shops }, (_, i) => ({
    shopId: `bench-shop-${i + 1}`,
    shopUrl: `bench-shop-${i + 1}`,
    userName: `bench-user-${i + 1}`,
    authKey: randomBytes(12).toString('hex'),
  }));
  const adminKey = generateApiKey().key;
  const [simulatorDb, gatewayDb, ordersDb, baselineDb] = await Promise.all([
    createTestDatabase('bench_sim'),
    createTestDatabase('bench_gw'),
    createTestDatabase('bench_ord'),
    createTestDatabase('bench_base'),
  ]);
  const started: { service: BenchService; spawned: SpawnedService }[] = [];
  const databases = { simulator: simulatorDb, gateway: gatewayDb, orders: ordersDb, baseline: baselineDb };
  const dropAll = () => Promise.allSettled(Object.values(databases).map((d) => d.drop()));
  // the services' heap settings are production's: V8 sizes its heap (and so the RSS) by the limit it is given
  const NODE_OPTIONS = productionNodeOptions();
  const settings: Record<string, Record<string, string>> = {
    simulator: {
      NODE_OPTIONS,
      SIM_PROCESSING_DELAY_MS: '0',
      SIM_AUTO_PROVISION: 'true',
      SIM_DB_SYNCHRONOUS_COMMIT: 'true',
      SIM_LOG_LEVEL: 'info',
    },
    gateway: {
      NODE_OPTIONS,
      GATEWAY_FIRST_POLL_DELAY_MS: '0',
      LOG_LEVEL: 'info',
      // the per-shop politeness limit towards Rakuten (10 calls/s) is lifted: it is a contract with the card API,
      // not a property of this machine (see docs/performance.md)
      GATEWAY_SHOP_REQUESTS_PER_SECOND: '100000',
      GATEWAY_SHOP_BURST: '100000',
      ...options.gatewayEnv,
    },
    orders: {
      NODE_OPTIONS,
      LOG_LEVEL: 'info',
      DEFAULT_AUTO_CAPTURE: 'true',
      DEFAULT_AUTO_PROGRESS: 'true',
      // per-key HTTP rate limit (600/min) lifted: the load generator is one key doing the work of many shops
      RATE_LIMIT_MAX: '1000000',
      ...options.orderEnv,
    },
  };
  try {
    // one process after the other: the first of each service migrates its database, the others find it migrated
    const startProcesses = async (service: BenchService, count: number, spawn: Omit<SpawnServiceOptions, 'service'>) => {
      for (let i = 0; i < count; i++) started.push({ service, spawned: await start({ service, ...spawn }, options.cpuProfDir) });
      return started.find((p) => p.service === service)!.spawned;
    };
    const simulator = await startProcesses('rccs-simulator', 1, {
      portEnv: 'SIM_PORT',
      env: {
        SIMULATOR_DATABASE_URL: simulatorDb.url,
        SIM_SHOPS: JSON.stringify(shops.map(({ shopUrl, userName, authKey }) => ({ shopUrl, userName, authKey }))),
        ...settings.simulator,
      },
    });
    await startProcesses('payment-gateway', gatewayReplicas, {
      portEnv: 'GATEWAY_PORT',
      readyTimeoutMs: 60_000,
      env: {
        GATEWAY_DATABASE_URL: gatewayDb.url,
        RABBITMQ_URL: rabbitUrl,
        MESSAGING_NAME_PREFIX: prefix,
        RCCS_ENDPOINT: `${simulator.url}/rccsapi-services/RCCSApiService`,
        GATEWAY_SHOPS: JSON.stringify(shops),
        ...settings.gateway,
      },
    });
    await startProcesses('order-service', orderReplicas, {
      portEnv: 'ORDER_PORT',
      readyTimeoutMs: 60_000,
      env: {
        ORDER_DATABASE_URL: ordersDb.url,
        RABBITMQ_URL: rabbitUrl,
        MESSAGING_NAME_PREFIX: prefix,
        RCP_BOOTSTRAP_ADMIN_KEY: adminKey,
        ...settings.orders,
      },
    });
    const processes = nameProcesses(started);
    const first = (service: BenchService) => processes.find((p) => p.service === service)!.spawned;
    settings.replicas = { 'order-service': String(orderReplicas), 'payment-gateway': String(gatewayReplicas) };
    return {
      prefix,
      rabbitUrl,
      shops,
      adminKey,
      databases,
      simulator,
      gateway: first('payment-gateway'),
      orders: first('order-service'),
      processes,
      settings,
      async stop() {
        // reverse order: order-service first (stops publishing requests), simulator last; SIGTERM lets --cpu-prof write
        for (const { spawned: s } of [...started].reverse()) await s.stop(15_000).catch(() => s.kill());
        await Promise.all([dropAll(), deleteRunQueues(rabbitUrl, prefix)]);
      },
    };
  } catch (err) {
    for (const { spawned: s } of started.reverse()) await s.kill().catch(() => undefined);
    await dropAll();
    throw err;
  }
}

/**
 * Deletes the run's queues (consumer queue, retry tiers, parking lot of each service) once the services stopped,
 * rather than leaving them to expire after 10 idle minutes: quorum queues keep memory in RabbitMQ, and back-to-back
 * runs (A/B comparisons) should each start with the broker as they found it. Best effort.
 */
async function deleteRunQueues(rabbitUrl: string, prefix: string): Promise<void> {
  const connection = await amqp.connect(rabbitUrl).catch(() => undefined);
  if (!connection) return;
  try {
    const channel = await connection.createChannel();
    for (const service of ['order-service', 'payment-gateway']) await deletePrefixedTopology(channel, { namePrefix: prefix, queue: service });
  } catch {
    // best effort: what is left expires by itself
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Whether the PostgreSQL server runs autovacuum (and with it auto-analyze). */
export async function autovacuumOn(sys: RunningSystem): Promise<boolean> {
  const client = new Client({ connectionString: sys.databases.orders.url });
  await client.connect();
  try {
    return (await client.query(`SELECT current_setting('autovacuum') = 'on' AS on`)).rows[0].on === true;
  } finally {
    await client.end();
  }
}

/**
 * ANALYZE of the services' databases: what auto-analyze does on a server with autovacuum on (every production
 * server). Without it a table's statistics stay those of the empty table, and since ANALYZE is also what makes
 * PostgreSQL re-plan prepared statements, a service keeps the generic plans it chose while its tables were empty —
 * e.g. an order lock that walks a whole index (measured: 12 ms instead of 0.1 ms at 20,000 orders).
 */
export async function analyzeServiceDatabases(sys: RunningSystem): Promise<void> {
  await Promise.all(
    [sys.databases.simulator, sys.databases.gateway, sys.databases.orders].map(async (db) => {
      const client = new Client({ connectionString: db.url });
      await client.connect();
      try {
        await client.query('ANALYZE');
      } finally {
        await client.end();
      }
    }),
  );
}
