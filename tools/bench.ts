// `npm run bench [-- --soak] [-- --json <path>] [-- --shops N] [-- --prof <dir>]`: the whole system on this machine
// (simulator, payment-gateway, order-service as processes; local RabbitMQ + PostgreSQL) and, in the same run, the
// machine's own limit for our flow (baselines B1/B2/B3 → L). Prints a table with PASS/MISS per target and writes JSON.
// How it is measured and why: docs/performance.md.
import * as amqp from 'amqplib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { Pool } from 'pg';
import { prefixed } from '@rcp/messaging';
import { METRIC_NAMES } from '@rcp/observability';
import { baselineAmqp } from './bench/baseline-amqp';
import { baselineHttp } from './bench/baseline-http';
import { baselinePg } from './bench/baseline-pg';
import { FlowDriver, type OrderTrace } from './bench/driver';
import { countSumDelta, cpuPressureShare, gaugeValue, growthOver, histogramByLabel, machineBusyShare, machineLimit, meanBaselines, nextRampStep, StepWindow, summarize, type BaselinePass, type CountSum, type LatencySummary } from './bench/measure';
import { cpuSeconds, cpuStalledSeconds, groupCpu, groupDelta, machineBusySeconds, memoryMb, pidsByComm, resetPeakRss } from './bench/procstat';
import { stopOnSignals } from '@rcp/testing';
import { analyzeServiceDatabases, autovacuumOn, startSystem, type BenchService, type RunningSystem } from './bench/system';

interface Args {
  soak: boolean;
  json: string;
  shops: number;
  prof?: string;
  rampSteps: number[];
  /** Past the planned steps the ramp doubles the concurrency while throughput still rises, up to this (0 = never). */
  rampMax: number;
  stepMs: number;
  fixedMs: number;
  baselineMs: number;
  soakMs: number;
  batchWaitMs?: number;
  pollTickMs: number;
  /** Absolute rates (orders/s) of the two open-model phases instead of 50 % / 80 % of X_max (A/B runs at equal load). */
  rates?: [number, number];
  /** Processes of the order-service and of the payment-gateway (`--replicas orders,gateway`; production runs 2 and 2). */
  replicas: { orders: number; gateway: number };
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    soak: false,
    json: 'tmp/bench.json',
    shops: 2,
    // every step up to 2048: on this host X still rose past 256 and single steps are noisy (±10 %, a dip at 256 once
    // stopped a "stop when flat" ramp at 512 in a run whose next steps read +15 %); past 2048 only with --ramp-max
    rampSteps: [16, 32, 64, 128, 256, 512, 1024, 2048],
    rampMax: 2048,
    stepMs: 4000,
    fixedMs: 15_000,
    baselineMs: 5000,
    soakMs: 10 * 60_000,
    pollTickMs: 20,
    replicas: { orders: 1, gateway: 1 },
  };
  let rampMaxGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    if (k === '--soak') a.soak = true;
    else if (k === '--json') a.json = v();
    else if (k === '--shops') a.shops = Number(v());
    else if (k === '--prof') a.prof = resolve(v());
    else if (k === '--ramp') a.rampSteps = v().split(',').map(Number);
    else if (k === '--ramp-max') {
      a.rampMax = Number(v());
      rampMaxGiven = true;
    }
    else if (k === '--step-ms') a.stepMs = Number(v());
    else if (k === '--fixed-ms') a.fixedMs = Number(v());
    else if (k === '--baseline-ms') a.baselineMs = Number(v());
    else if (k === '--soak-ms') a.soakMs = Number(v());
    else if (k === '--batch-wait-ms') a.batchWaitMs = Number(v());
    else if (k === '--poll-tick-ms') a.pollTickMs = Number(v());
    else if (k === '--rates') {
      const r = v().split(',').map(Number);
      if (r.length !== 2 || r.some((x) => !(x > 0))) throw new Error('--rates needs two positive rates, e.g. 10,16');
      a.rates = [r[0]!, r[1]!];
    }
    else if (k === '--replicas') {
      const r = v().split(',').map(Number);
      if (r.length !== 2 || r.some((x) => !Number.isInteger(x) || x < 1)) throw new Error('--replicas needs two positive integers: order-service,payment-gateway processes, e.g. 2,2');
      a.replicas = { orders: r[0]!, gateway: r[1]! };
    }
    else throw new Error(`unknown option ${k}`);
  }
  // an explicit --ramp runs exactly its steps (A/B runs), unless --ramp-max says how far to extend it
  if (argv.includes('--ramp') && !rampMaxGiven) a.rampMax = 0;
  return a;
}

// ---------------------------------------------------------------------------------------------------------------
// Per-order resource counts, from the code paths (docs/performance.md § "Counting m, t, h" has the walk-through).
// Flow: HTTP create → bulk authorize → AuthCompleted → OrderShipped (autoCapture) → CaptureCompleted; autoProgress on.
// ---------------------------------------------------------------------------------------------------------------
/** Orders per card-API request the design batches up to (GATEWAY_BATCH_MAX_ORDERS). */
const B = 100;
/** The ramp goes on past its planned steps while a doubling still gains this much throughput. */
const RAMP_MIN_GAIN = 0.05;
/**
 * A step's warm-up lasts one turnover of the orders in flight (N completions), capped here: at N = 2048 and ≈ 100
 * orders/s a turnover takes ≈ 20 s, and a shorter warm-up measures the wave of N/2 orders started at once.
 */
const MAX_WARM_MS = 25_000;
/**
 * Lone orders on the idle system before the ramp (after a few unmeasured ones on fresh processes): the floor of each
 * operation, which the latency targets under load are read against.
 */
const FLOOR = { warmUpOrders: 5, orders: 20, gapMs: 200 };
const CORES = availableParallelism();
const COUNTS = {
  /** messages published per order, by publisher */
  published: {
    'order-service': 12, // create: OrderStatusChanged, PaymentTagChanged, OrderReceived(echo); authorize: PaymentTagChanged, AuthRequested;
    // AuthCompleted: PaymentTagChanged, OrderStatusChanged(出荷待ち); OrderShipped: OrderStatusChanged, PaymentTagChanged, CaptureRequested;
    // CaptureCompleted: PaymentTagChanged, OrderStatusChanged(完了)
    'payment-gateway': 2, // AuthCompleted, CaptureCompleted
    warehouse: 1, // OrderShipped (the load generator)
  },
  /** deliveries into the services' quorum queues (full publish→consume round trips, like B1) */
  quorumRoundTrips: 6, // order-service ← OrderReceived(echo), AuthCompleted, OrderShipped, CaptureCompleted; gateway ← AuthRequested, CaptureRequested
  /**
   * write transactions (each an fsync with synchronous_commit on) per order. Not counted, as before: the outbox's
   * publishing bookkeeping (the dispatcher's `published_at` UPDATE per transaction, coalesced under load).
   */
  commitsPerOrder: {
    'order-service': 5, // create, authorize, AuthCompleted, OrderShipped, CaptureCompleted (the OrderReceived echo is one read)
    'payment-gateway': 2, // register AuthRequested, register CaptureRequested (one INSERT each, request-intake.ts)
  },
  /** write transactions per card-API request (per batch), per kind */
  commitsPerBatch: {
    'payment-gateway': 4 + 2 * 2, // submit (insert + attach, one statement), move→submitted, claimDueRequests, finalize; limiter: acquire + release for the submission and for the poll
    'rccs-simulator': 3, // getRCCSRequestId insert, async request tx, auto-provision insert (auth) / 0 (capture) ≈ 3
  },
  /** card-API calls per batch per kind: getRCCSRequestId + submit + getRCCSResult (one poll at delay 0) */
  callsPerBatch: 3,
  kinds: 2,
};
function countsPerOrder(batchSize: number) {
  const publishes = Object.values(COUNTS.published).reduce((a, b) => a + b, 0);
  // a publish no service consumes still costs publish + confirm: counted as half a round trip
  const m = COUNTS.quorumRoundTrips + 0.5 * (publishes - COUNTS.quorumRoundTrips);
  const perBatch = Object.values(COUNTS.commitsPerBatch).reduce((a, b) => a + b, 0);
  const t = Object.values(COUNTS.commitsPerOrder).reduce((a, b) => a + b, 0) + (COUNTS.kinds * perBatch) / batchSize;
  const h = (COUNTS.kinds * COUNTS.callsPerBatch) / batchSize;
  return { m, t, h, publishes };
}

// ---------------------------------------------------------------------------------------------------------------
interface CpuSnap {
  at: number;
  /** CPU seconds of each service, summed over its processes */
  proc: Record<BenchService, number>;
  broker: Map<number, number>;
  postgres: Map<number, number>;
  bench: number;
  machine: number;
  /** The machine's CPU stall seconds (PSI `some`), where the kernel reports them. */
  cpuStalled?: number;
}

function snapshot(sys: RunningSystem): CpuSnap {
  const c = (pid: number | undefined) => (pid ? (cpuSeconds(pid) ?? 0) : 0);
  const u = process.cpuUsage();
  const proc: Record<BenchService, number> = { 'order-service': 0, 'payment-gateway': 0, 'rccs-simulator': 0 };
  for (const p of sys.processes) proc[p.service] += c(p.spawned.process.pid);
  return {
    at: performance.now(),
    proc,
    broker: groupCpu(pidsByComm('beam.smp')),
    postgres: groupCpu(pidsByComm('postgres')),
    bench: (u.user + u.system) / 1e6,
    machine: machineBusySeconds(),
    cpuStalled: cpuStalledSeconds(),
  };
}

/** How busy the machine's CPUs were between two snapshots, and how much of that time something waited for one. */
function machineLoad(a: CpuSnap, b: CpuSnap): { machineBusy: number; cpuPressure?: number } {
  const wall = (b.at - a.at) / 1000;
  if (!(wall > 0)) return { machineBusy: NaN };
  return { machineBusy: machineBusyShare(b.machine - a.machine, wall, CORES), cpuPressure: cpuPressureShare(a.cpuStalled, b.cpuStalled, wall) };
}

function cpuPer1000(a: CpuSnap, b: CpuSnap, orders: number): Record<string, number> {
  const per = (s: number) => (orders > 0 ? (s / orders) * 1000 : NaN);
  return {
    'order-service': per(b.proc['order-service'] - a.proc['order-service']),
    'payment-gateway': per(b.proc['payment-gateway'] - a.proc['payment-gateway']),
    'rccs-simulator': per(b.proc['rccs-simulator'] - a.proc['rccs-simulator']),
    'rabbitmq (beam.smp)': per(groupDelta(a.broker, b.broker)),
    'postgresql (all backends)': per(groupDelta(a.postgres, b.postgres)),
    'load generator': per(b.bench - a.bench),
    'machine (all busy)': per(b.machine - a.machine),
  };
}

function rss(sys: RunningSystem): Record<string, { peakMb: number; rssMb: number }> {
  const out: Record<string, { peakMb: number; rssMb: number }> = {};
  for (const { name, spawned } of sys.processes) {
    const m = spawned.process.pid ? memoryMb(spawned.process.pid) : undefined;
    if (m) out[name] = m;
  }
  const beam = pidsByComm('beam.smp')
    .map((p) => memoryMb(p))
    .filter((m): m is { peakMb: number; rssMb: number } => !!m);
  if (beam.length) out['rabbitmq (beam.smp)'] = { peakMb: Math.max(...beam.map((m) => m.peakMb)), rssMb: beam.reduce((a, m) => a + m.rssMb, 0) };
  return out;
}

/** The gateways over a ramp step or a fixed phase, from the sampler's once-a-second readings of their /metrics. */
interface GatewayPhase {
  /** Share of the samples in which their batches lingered (saturated); NaN without any reading. */
  lingerShare: number;
  /** Their batches over the whole phase (a step's warm-up included) per flush reason: count and operations. */
  flushes: Record<string, CountSum>;
  /** Their mean event-loop delay over the phase (ms), and the mean of its per-second medians. */
  gatewayLoopDelayMs: number;
  gatewayLoopDelayP50Ms: number;
  /** Their mean hold over the samples in which they lingered (ms). */
  lingerMeanMs: number;
}

/**
 * Samples outbox backlog/lag of both services (rows nobody is publishing, as the relay's lag metric: unpublished and not
 * under a live dispatch lease) and the services' queue depths every second.
 */
class Sampler {
  readonly samples: {
    at: number;
    phase: string;
    outbox: Record<string, { backlog: number; lagMs: number }>;
    queues: Record<string, number>;
    rss: Record<string, number>;
    /** The gateway's batches were lingering (its `rcp_batch_linger_ms` > 0); undefined when /metrics did not answer. */
    lingering?: boolean;
    /** The gateways' hold now (ms; the largest of their `rcp_batch_linger_ms`); undefined when /metrics did not answer. */
    lingerMs?: number;
    /** The gateways' batches so far per flush reason (`rcp_batch_flush_size`); undefined when /metrics did not answer. */
    flushes?: Record<string, CountSum>;
    /** The gateways' mean event-loop delay since the previous sample (ms; what their saturation linger reads). */
    gatewayLoopDelayMs?: number;
    /** The gateways' median event-loop delay since the previous sample (ms): late most of the time, or in bursts. */
    gatewayLoopDelayP50Ms?: number;
  }[] = [];
  phase = 'setup';
  private timer?: NodeJS.Timeout;
  private readonly pools: Record<string, Pool>;
  private channel?: amqp.Channel;
  private connection?: amqp.ChannelModel;
  constructor(private readonly sys: RunningSystem) {
    this.pools = {
      'order-service': new Pool({ connectionString: sys.databases.orders.url, max: 1 }),
      'payment-gateway': new Pool({ connectionString: sys.databases.gateway.url, max: 1 }),
    };
    // an idle client's error (a database dropped under it at an interrupted run's end) must not end the bench
    for (const pool of Object.values(this.pools)) pool.on('error', () => undefined);
  }
  async start(intervalMs = 1000): Promise<void> {
    this.connection = await amqp.connect(this.sys.rabbitUrl);
    await this.openChannel();
    this.timer = setInterval(() => void this.sample().catch(() => undefined), intervalMs);
  }
  /** Why messages were parked (x-parked-reason of up to 5 per parking lot); messages are given back. */
  async parkedReasons(): Promise<string[]> {
    const out: string[] = [];
    for (const q of ['order-service.dlq', 'payment-gateway.dlq']) {
      const got: amqp.GetMessage[] = [];
      for (let i = 0; i < 5; i++) {
        const m = await this.onQueue(q, (ch, name) => ch.get(name, { noAck: false }));
        if (!m) break;
        got.push(m);
        const h = (m.properties.headers ?? {}) as Record<string, unknown>;
        out.push(`${q}: ${String(m.properties.type)} ${String(h['x-rejection-code'] ?? h['x-first-death-reason'] ?? '')} ${String(h['x-parked-reason'] ?? '').slice(0, 300)}`);
      }
      for (const m of got) this.channel?.nack(m, false, true);
    }
    return out;
  }
  async queueDepths(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const q of ['order-service', 'payment-gateway', 'order-service.dlq', 'payment-gateway.dlq']) {
      out[q] = (await this.onQueue(q, (ch, name) => ch.checkQueue(name)))?.messageCount ?? 0;
    }
    return out;
  }
  /**
   * Runs `fn` on the queue; undefined when the queue is gone. The run's queues expire after 10 idle minutes (a
   * parking lot nobody used during a soak does), and a passive check of a missing queue closes the channel (404):
   * it is reopened for the next call.
   */
  private async onQueue<T>(queue: string, fn: (ch: amqp.Channel, name: string) => Promise<T>, retried = false): Promise<T | undefined> {
    const channel = await this.openChannel();
    try {
      return await fn(channel, prefixed(queue, this.sys.prefix));
    } catch (err) {
      if (this.channel === channel) this.channel = undefined;
      if ((err as { code?: number }).code === 404 || /NOT_FOUND/.test(String(err))) return undefined;
      // the channel was closed under this call by another call's 404 (the sampler's timer runs concurrently): again
      if (!retried && /Channel (closed|ended)/.test(String(err))) return this.onQueue(queue, fn, true);
      throw err;
    }
  }
  private async openChannel(): Promise<amqp.Channel> {
    if (!this.channel) {
      this.channel = await this.connection!.createChannel();
      this.channel.on('error', () => undefined);
      this.channel.on('close', () => {
        this.channel = undefined;
      });
    }
    return this.channel;
  }
  private async sample(): Promise<void> {
    const outbox: Record<string, { backlog: number; lagMs: number }> = {};
    for (const [name, pool] of Object.entries(this.pools)) {
      const r = await pool.query(
        `SELECT count(*)::int AS backlog, COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(created_at)) * 1000, 0)::float8 AS lag
           FROM outbox_message WHERE published_at IS NULL AND (dispatch_until IS NULL OR dispatch_until < clock_timestamp())`,
      );
      outbox[name] = { backlog: r.rows[0].backlog, lagMs: r.rows[0].lag };
    }
    const mem = rss(this.sys);
    this.samples.push({
      at: performance.now(),
      phase: this.phase,
      outbox,
      queues: await this.queueDepths(),
      rss: Object.fromEntries(Object.entries(mem).map(([k, v]) => [k, v.rssMb])),
      ...(await this.gatewayReading()),
    });
  }
  /**
   * From the gateways' /metrics, as a dashboard reads them: whether their batches linger now (saturated) and the
   * largest hold, their batches so far per flush reason, and their mean event-loop delay since the last reading; all
   * undefined without a reading.
   */
  private async gatewayReading(): Promise<{ lingering?: boolean; lingerMs?: number; flushes?: Record<string, CountSum>; gatewayLoopDelayMs?: number; gatewayLoopDelayP50Ms?: number }> {
    const gateways = this.sys.processes.filter((p) => p.service === 'payment-gateway');
    const texts = await Promise.all(
      gateways.map(async ({ spawned }) => {
        try {
          return await (await fetch(`${spawned.url}/metrics`)).text();
        } catch {
          return undefined;
        }
      }),
    );
    const read = texts.filter((t): t is string => t !== undefined);
    if (read.length === 0) return {};
    const lingers = read.map((t) => gaugeValue(t, METRIC_NAMES.batchLinger)).filter((v): v is number => v !== undefined);
    // summed over every gateway, as over the histogram's other labels
    const flushes = histogramByLabel(read.join('\n'), METRIC_NAMES.batchFlushSize, 'reason');
    // prom-client's lag histogram restarts at every scrape (this one, once a second) and records its 10 ms timer too
    const loopDelayMs = (series: string) => {
      const values = read.map((t) => gaugeValue(t, series)).filter((v): v is number => v !== undefined);
      return values.length === 0 ? undefined : Math.max(0, (values.reduce((a, v) => a + v, 0) / values.length) * 1000 - 10);
    };
    const lingerMs = lingers.length === 0 ? undefined : Math.max(...lingers);
    return {
      lingering: lingerMs === undefined ? undefined : lingerMs > 0,
      lingerMs,
      flushes,
      gatewayLoopDelayMs: loopDelayMs('nodejs_eventloop_lag_mean_seconds'),
      gatewayLoopDelayP50Ms: loopDelayMs('nodejs_eventloop_lag_p50_seconds'),
    };
  }
  /** What the gateways did over a phase. */
  gatewayPhase(phase: string): GatewayPhase {
    return {
      lingerShare: this.lingerShare(phase),
      flushes: this.flushReasons(phase),
      gatewayLoopDelayMs: this.phaseMean(phase, (x) => x.gatewayLoopDelayMs),
      gatewayLoopDelayP50Ms: this.phaseMean(phase, (x) => x.gatewayLoopDelayP50Ms),
      lingerMeanMs: this.phaseMean(phase, (x) => (x.lingerMs ? x.lingerMs : undefined)),
    };
  }
  /** The mean of a reading over the phase's samples that have it (e.g. the gateways' loop delay); NaN without any. */
  private phaseMean(phase: string, pick: (sample: Sampler['samples'][number]) => number | undefined): number {
    const read = this.samples.filter((x) => x.phase === phase).map(pick).filter((v): v is number => v !== undefined);
    return read.length === 0 ? Number.NaN : read.reduce((a, v) => a + v, 0) / read.length;
  }
  /**
   * The gateways' batches of a phase per flush reason (count, operations): the last reading of the phase less the
   * last one before it; empty without readings.
   */
  private flushReasons(phase: string): Record<string, CountSum> {
    const first = this.samples.findIndex((x) => x.phase === phase);
    if (first < 0) return {};
    const before = this.samples.slice(0, first).reverse().find((x) => x.flushes)?.flushes;
    const last = this.samples.filter((x) => x.phase === phase && x.flushes).at(-1)?.flushes;
    return last ? countSumDelta(last, before) : {};
  }
  /** Share of the phase's samples in which the gateway's batches lingered (saturated); NaN without any reading. */
  private lingerShare(phase: string): number {
    const read = this.samples.filter((x) => x.phase === phase && x.lingering !== undefined);
    return read.length === 0 ? Number.NaN : read.filter((x) => x.lingering).length / read.length;
  }
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.connection?.close().catch(() => undefined);
    await Promise.all(Object.values(this.pools).map((p) => p.end()));
  }
  outboxLag(phase: string): Record<string, { maxLagMs: number; maxBacklog: number }> {
    const out: Record<string, { maxLagMs: number; maxBacklog: number }> = {};
    for (const s of this.samples.filter((x) => x.phase === phase)) {
      for (const [svc, v] of Object.entries(s.outbox)) {
        const o = (out[svc] ??= { maxLagMs: 0, maxBacklog: 0 });
        o.maxLagMs = Math.max(o.maxLagMs, v.lagMs);
        o.maxBacklog = Math.max(o.maxBacklog, v.backlog);
      }
    }
    return out;
  }
}

function latencies(traces: Iterable<OrderTrace>, phase: string) {
  const ops: Record<'create' | 'authorize' | 'authorizeHttp' | 'capture' | 'order', number[]> = { create: [], authorize: [], authorizeHttp: [], capture: [], order: [] };
  let scheduled = 0;
  let failed = 0;
  for (const t of traces) {
    if (t.phase !== phase) continue;
    scheduled++;
    if (t.failed) failed++;
    if (t.created !== undefined) ops.create.push(t.created - t.createSched);
    if (t.authorized !== undefined && t.authSched !== undefined) ops.authorize.push(t.authorized - t.authSched);
    if (t.authAccepted !== undefined && t.authSched !== undefined) ops.authorizeHttp.push(t.authAccepted - t.authSched);
    if (t.captured !== undefined && t.shipSent !== undefined) ops.capture.push(t.captured - t.shipSent);
    if (t.captured !== undefined) ops.order.push(t.captured - t.createSched);
  }
  const summary = Object.fromEntries(Object.entries(ops).map(([k, v]) => [k, summarize(v)])) as Record<keyof typeof ops, LatencySummary>;
  return { scheduled, failed, completed: ops.order.length, ...summary };
}

async function gatewayStats(sys: RunningSystem) {
  const pool = new Pool({ connectionString: sys.databases.gateway.url, max: 1 });
  try {
    const r = await pool.query(`SELECT kind, count(*)::int AS requests, COALESCE(sum(poll_count),0)::int AS polls,
        COALESCE(avg(jsonb_array_length(order_numbers)),0)::float8 AS avg_batch, COALESCE(max(jsonb_array_length(order_numbers)),0)::int AS max_batch
      FROM card_request GROUP BY kind ORDER BY kind`);
    const ops = await pool.query(`SELECT state, count(*)::int AS n FROM payment_operation GROUP BY state ORDER BY state`);
    return { requests: r.rows as { kind: string; requests: number; polls: number; avg_batch: number; max_batch: number }[], operations: ops.rows as { state: string; n: number }[] };
  } finally {
    await pool.end();
  }
}

/**
 * Card requests the gateway created (one per submit call: a request id serves one asynchronous call) in each
 * wall-clock window, read over one connection.
 */
async function cardRequestsCreated(sys: RunningSystem, windows: readonly { from: number; to: number }[]): Promise<number[]> {
  const pool = new Pool({ connectionString: sys.databases.gateway.url, max: 1 });
  try {
    const counts: number[] = [];
    for (const w of windows) {
      const r = await pool.query(`SELECT count(*)::int AS n FROM card_request WHERE created_at >= to_timestamp($1 / 1000.0) AND created_at < to_timestamp($2 / 1000.0)`, [w.from, w.to]);
      counts.push(Number(r.rows[0]?.n ?? 0));
    }
    return counts;
  } finally {
    await pool.end();
  }
}

/** Rows ever inserted into each service's outbox (its `seq` sequence): the events it published. */
async function outboxInserted(sys: RunningSystem): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, db] of [['order-service', sys.databases.orders], ['payment-gateway', sys.databases.gateway]] as const) {
    const pool = new Pool({ connectionString: db.url, max: 1 });
    try {
      const r = await pool.query(`SELECT CASE WHEN is_called THEN last_value ELSE 0 END::float8 AS n FROM outbox_message_seq_seq`);
      out[name] = Number(r.rows[0]?.n ?? 0);
    } finally {
      await pool.end();
    }
  }
  return out;
}

async function xactCommits(sys: RunningSystem): Promise<Record<string, number>> {
  const pool = new Pool({ connectionString: sys.databases.baseline.url, max: 1 });
  try {
    const names = { 'order-service': sys.databases.orders.name, 'payment-gateway': sys.databases.gateway.name, 'rccs-simulator': sys.databases.simulator.name };
    const r = await pool.query(`SELECT datname, xact_commit::float8 AS c FROM pg_stat_database WHERE datname = ANY($1)`, [Object.values(names)]);
    const by = new Map(r.rows.map((x: { datname: string; c: number }) => [x.datname, x.c]));
    return Object.fromEntries(Object.entries(names).map(([k, v]) => [k, by.get(v) ?? NaN]));
  } finally {
    await pool.end();
  }
}

async function invariants(sys: RunningSystem, sampler: Sampler, expectedOrders: number) {
  const q = async (url: string, sql: string) => {
    const pool = new Pool({ connectionString: url, max: 1 });
    try {
      return (await pool.query(sql)).rows;
    } finally {
      await pool.end();
    }
  };
  const orders = (
    await q(
      sys.databases.orders.url,
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE payment_tag = '売上請求済' AND status = '完了' AND pending_operation IS NULL)::int AS terminal
         FROM orders WHERE deleted_at IS NULL`,
    )
  )[0] as { total: number; terminal: number };
  const ledger = (
    await q(
      sys.databases.simulator.url,
      `SELECT count(*)::int AS orders, count(*) FILTER (WHERE a = 1 AND s = 1)::int AS exact
         FROM (SELECT order_number, count(*) FILTER (WHERE op = 'authori') AS a, count(*) FILTER (WHERE op = 'sales') AS s
                 FROM sim_results WHERE order_number NOT LIKE '999001-%' GROUP BY order_number) x`,
    )
  )[0] as { orders: number; exact: number };
  const dead = (await q(sys.databases.gateway.url, `SELECT count(*)::int AS n FROM payment_operation WHERE state = 'dead'`))[0] as { n: number };
  const depths = await sampler.queueDepths();
  const parked = (depths['order-service.dlq'] ?? 0) + (depths['payment-gateway.dlq'] ?? 0) + dead.n;
  return {
    ordersCreated: expectedOrders,
    ordersInOrderService: orders.total,
    ordersTerminal: orders.terminal,
    everyOrderTerminal: orders.total === expectedOrders && orders.terminal === orders.total,
    simulatorOrders: ledger.orders,
    simulatorExactlyOneAuthAndOneCapture: ledger.exact,
    ledgerOk: ledger.orders === orders.total && ledger.exact === ledger.orders,
    parked: { orderServiceDlq: depths['order-service.dlq'], gatewayDlq: depths['payment-gateway.dlq'], gatewayDeadOperations: dead.n, reasons: parked ? await sampler.parkedReasons() : [] },
    stuck: orders.total !== orders.terminal
      ? await q(sys.databases.orders.url, `SELECT order_number, payment_tag, status, pending_operation, last_error::text AS last_error FROM orders WHERE NOT (payment_tag = '売上請求済' AND status = '完了') LIMIT 5`)
      : [],
    nothingParked: parked === 0,
  };
}

function versions() {
  const run = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim().split('\n')[0];
    } catch {
      return 'unknown';
    }
  };
  return { node: process.version, rabbitmq: run('rabbitmqctl', ['version']), cpus: run('nproc', []), kernel: run('uname', ['-r']) };
}

const replicasText = (r: Args['replicas']) => `${r.orders} order-service / ${r.gateway} payment-gateway process(es)`;
const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const f = (n: number | undefined, d = 0) => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(d));
/** The machine's CPU pressure for a summary row ('' where the kernel does not report it). */
const pressureNote = (share: number | undefined) => (share === undefined ? '' : `CPU pressure ${f(share * 100)} % (a task waiting for a CPU)`);
/** "target 40 × 50, hold 12 × 31": batches per flush reason (most first) with their mean size; '—' without readings. */
const flushSummary = (flushes: Record<string, CountSum>) =>
  Object.entries(flushes)
    .sort((a, b) => b[1].count - a[1].count)
    .map(([reason, v]) => `${reason} ${v.count} × ${f(v.sum / v.count)}`)
    .join(', ') || '—';
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

/**
 * One pass of the three baselines, `ms` each (after an unmeasured 500 ms of each when `warmUp`: the first pass runs
 * on fresh processes and a fresh table, which read ≈ 10 % low).
 */
async function measureBaselines(sys: RunningSystem, pass: string, ms: number, warmUp: boolean): Promise<BaselinePass> {
  const endpoint = `${sys.simulator.url}/rccsapi-services/RCCSApiService`;
  const b1 = (d: number) => baselineAmqp(sys.rabbitUrl, sys.prefix, d, 64);
  const b2 = (d: number) => baselinePg(sys.databases.baseline.url, d, 10);
  const b3 = (d: number) => baselineHttp(endpoint, sys.shops[0]!, d, B, 4);
  log(`baselines ${pass}: B1 raw amqplib round trips (confirms, quorum, window 64)`);
  if (warmUp) await b1(500);
  const M = await b1(ms);
  log(`B1 ${f(M)} round trips/s; B2 raw pg update + outbox insert (pool 10, synchronous_commit on)`);
  if (warmUp) await b2(500);
  const T = await b2(ms);
  log(`B2 ${f(T)} commits/s; B3 raw keep-alive SOAP against the simulator (${B} orders per request)`);
  if (warmUp) await b3(500);
  const H = await b3(ms);
  log(`B3 ${f(H)} calls/s`);
  return { pass, M, T, H };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  log(`starting system (${args.shops} shops, ${replicasText(args.replicas)}${args.prof ? `, --cpu-prof into ${args.prof}` : ''})`);
  const sys = await startSystem({
    shops: args.shops,
    cpuProfDir: args.prof,
    replicas: args.replicas,
    gatewayEnv: {
      GATEWAY_POLL_TICK_MS: String(args.pollTickMs),
      ...(args.batchWaitMs !== undefined ? { GATEWAY_BATCH_MAX_WAIT_MS: String(args.batchWaitMs) } : {}),
    },
  });
  const sampler = new Sampler(sys);
  const driver = new FlowDriver({
    orderUrls: sys.processes.filter((p) => p.service === 'order-service').map((p) => p.spawned.url),
    adminKey: sys.adminKey,
    rabbitUrl: sys.rabbitUrl,
    prefix: sys.prefix,
    shopIds: sys.shops.map((s) => s.shopId),
    authTickMs: 50,
    httpConnections: 64,
  });
  stopOnSignals(async () => {
    await sampler.stop().catch(() => undefined);
    await driver.close().catch(() => undefined);
    await sys.stop();
  }, { log });
  let exitCode = 0;
  try {
    const outboxAtStart = await outboxInserted(sys);
    const pgVersion = await (async () => {
      const p = new Pool({ connectionString: sys.databases.baseline.url, max: 1 });
      try {
        return String((await p.query('SHOW server_version')).rows[0].server_version);
      } finally {
        await p.end();
      }
    })();

    // ---- baselines (first pass; the second runs after the ramp, L from both) -------------------------------------
    const baselines = (pass: string, warmUp: boolean) => measureBaselines(sys, pass, args.baselineMs / 2, warmUp);
    const passes: BaselinePass[] = [await baselines('before the ramp', true)];
    const counts = countsPerOrder(B);

    // a server without autovacuum never analyzes the services' tables: emulate auto-analyze at every phase boundary
    const autovacuum = await autovacuumOn(sys);
    const phaseBoundary = async () => {
      if (!autovacuum) await analyzeServiceDatabases(sys);
    };
    if (!autovacuum) log('autovacuum is off on this server: the services\' databases are analyzed at every phase boundary and every minute of a long phase (as auto-analyze would)');

    // the peak RSS reported is the ramp's (X_max): the baseline's 100-order SOAP requests are not our flow
    const peakRssSinceRamp = sys.processes.map(({ spawned: s }) => s.process.pid !== undefined && resetPeakRss(s.process.pid)).every(Boolean);

    await driver.init();
    await sampler.start();

    // ---- idle floor (one order at a time) --------------------------------------------------------------------------
    await phaseBoundary();
    sampler.phase = 'floor';
    await driver.oneAtATime('floor-warm-up', FLOOR.warmUpOrders, FLOOR.gapMs);
    await driver.oneAtATime('floor', FLOOR.orders, FLOOR.gapMs);
    const floor = latencies(driver.traces.values(), 'floor');
    log(`idle floor (${floor.completed} lone orders): authorize p50 ${f(floor.authorize.p50)} ms, capture p50 ${f(floor.capture.p50)} ms`);

    // ---- ramp (closed loop) -------------------------------------------------------------------------------------
    const ramp: (GatewayPhase & {
      concurrency: number;
      ordersPerSecond: number;
      cpuPer1000: Record<string, number>;
      completed: number;
      /** Share of the machine's CPUs busy in the measured window, and of its time with a task waiting for a CPU (PSI). */
      machineBusy: number;
      cpuPressure?: number;
      /** Wall-clock bounds of the measured window (epoch ms): the card requests created in it are the step's. */
      window: { from: number; to: number };
      /** Card-API submit calls (card requests created) per order completed in the window. */
      submitPerOrder?: number;
      /** False when the warm-up gave up before one turnover of the orders in flight (`StepWindow.steady`). */
      steady: boolean;
    })[] = [];
    const rampPlan = { steps: args.rampSteps, extendTo: args.rampMax, minGain: RAMP_MIN_GAIN };
    for (let c = nextRampStep(ramp, rampPlan); c !== undefined; c = nextRampStep(ramp, rampPlan)) {
      await phaseBoundary();
      sampler.phase = `ramp-${c}`;
      const stepStart = performance.now();
      const completedBefore = driver.completions.length;
      const stepWindow = new StepWindow(c, stepStart, { minWindowMs: args.stepMs, maxWindowMs: Math.max(3 * args.stepMs, 12_000), maxWarmMs: MAX_WARM_MS });
      let a: CpuSnap | undefined;
      let windowFrom = Date.now();
      let completedAtWarm = completedBefore;
      await driver.closedLoop(`ramp-${c}`, c, () => {
        const state = stepWindow.observe(performance.now(), driver.completions.length - completedBefore);
        if (state === 'window-starts') {
          a = snapshot(sys);
          windowFrom = Date.now();
          completedAtWarm = driver.completions.length;
        }
        return state === 'done';
      });
      const b = snapshot(sys);
      a ??= b;
      const done = driver.completions.length - completedAtWarm;
      const x = done / ((b.at - a.at) / 1000);
      const window = { from: windowFrom, to: Date.now() };
      ramp.push({ concurrency: c, ordersPerSecond: x, cpuPer1000: cpuPer1000(a, b, done), completed: done, ...sampler.gatewayPhase(`ramp-${c}`), ...machineLoad(a, b), window, steady: stepWindow.steady });
      log(`ramp concurrency ${c}: ${f(x)} orders/s${stepWindow.steady ? '' : ' (not steady: warm-up ended before one turnover)'} (${driver.errors.length} errors so far)`);
    }
    sampler.phase = 'ramp-drain';
    const leftRamp = await driver.drain(30_000);
    const best = ramp.reduce((m, s) => (s.ordersPerSecond > m.ordersPerSecond ? s : m), ramp[0]!);
    const Xmax = best.ordersPerSecond;
    const rssAtXmax = rss(sys);
    sampler.phase = 'baselines';
    passes.push(await baselines('after the ramp', false));
    const { M, T, H } = meanBaselines(passes);
    const L = machineLimit({ m: counts.m, M, t: counts.t, T, h: counts.h, H });
    const passL = passes.map((p) => machineLimit({ m: counts.m, M: p.M, t: counts.t, T: p.T, h: counts.h, H: p.H }));
    log(`L = ${f(L)} orders/s from the mean of both passes (${passL.map((x) => f(x)).join(' / ')}; m ${counts.m}, t ${f(counts.t, 2)}, h ${counts.h})`);
    log(`X_max = ${f(Xmax)} orders/s at concurrency ${best.concurrency} (X_max/L = ${f(Xmax / L, 2)}); ${leftRamp} left after drain`);

    // ---- fixed arrival rates (open model) -------------------------------------------------------------------------
    const fixed: Record<
      string,
      ReturnType<typeof latencies> & GatewayPhase & {
        rate: number;
        cpuPer1000: Record<string, number>;
        /** Share of the machine's CPUs busy from the phase's start to the end of its drain, and of that time with a task waiting for a CPU (PSI). */
        machineBusy: number;
        cpuPressure?: number;
        outbox: ReturnType<Sampler['outboxLag']>;
        leftAfterDrain: number;
      }
    > = {};
    const phases: [string, number, number][] = [
      ['50%', 0.5, args.fixedMs],
      ['80%', 0.8, args.fixedMs],
    ];
    if (args.soak) phases.push(['soak-50%', 0.5, args.soakMs]);
    for (const [i, [name, share, ms]] of phases.entries()) {
      const rate = args.rates?.[i % 2] ?? Math.max(1, Xmax * share);
      await phaseBoundary();
      sampler.phase = name;
      log(`${name} of X_max${args.rates ? ' (set by --rates)' : ''}: ${f(rate)} orders/s for ${ms / 1000} s (open model)`);
      const a = snapshot(sys);
      const startedAt = driver.completions.length;
      // a long phase (the soak) grows the tables far beyond what the boundary's ANALYZE saw: analyze every minute
      const analyzing = !autovacuum && ms > 60_000 ? setInterval(() => void analyzeServiceDatabases(sys).catch(() => undefined), 60_000) : undefined;
      await driver.openLoop(name, rate, ms).finally(() => clearInterval(analyzing));
      const left = await driver.drain(30_000);
      const b = snapshot(sys);
      const completed = driver.completions.length - startedAt;
      fixed[name] = {
        rate,
        ...latencies(driver.traces.values(), name),
        cpuPer1000: cpuPer1000(a, b, completed),
        ...machineLoad(a, b),
        outbox: sampler.outboxLag(name),
        leftAfterDrain: left,
        ...sampler.gatewayPhase(name),
      };
      log(`${name}: order p50 ${f(fixed[name]!.order.p50)} ms p99 ${f(fixed[name]!.order.p99)} ms; ${left} left after drain`);
    }
    sampler.phase = 'end';
    await new Promise((r) => setTimeout(r, 1500)); // let the last PaymentTagChanged/OrderStatusChanged(完了) commit

    // ---- card-API use, commits, invariants -----------------------------------------------------------------------
    const gw = await gatewayStats(sys);
    const commits = await xactCommits(sys);
    const total = driver.traces.size;
    const requests = gw.requests.reduce((a, r) => a + r.requests, 0);
    const polls = gw.requests.reduce((a, r) => a + r.polls, 0);
    const submitPerOrder = requests / total;
    const created = await cardRequestsCreated(sys, ramp.map((step) => step.window));
    ramp.forEach((step, i) => (step.submitPerOrder = step.completed > 0 ? created[i]! / step.completed : NaN));
    // the target is "at X_max": the submits of the X_max step's window per order completed in it
    const submitAtXmax = best.submitPerOrder ?? NaN;
    const callsPerOrder = (2 * requests + polls) / total;
    const inv = await invariants(sys, sampler, total);
    const outboxAtEnd = await outboxInserted(sys);
    const publishedBy: Record<string, number> = Object.fromEntries(Object.entries(outboxAtEnd).map(([k, v]) => [k, v - (outboxAtStart[k] ?? 0)]));
    publishedBy['warehouse (bench)'] = driver.shippedPublished;
    const publishedPerOrder = Object.values(publishedBy).reduce((a, b) => a + b, 0) / total;

    // soak: growth from the first to the last tenth of the soak phase
    let soak: Record<string, unknown> | undefined;
    if (args.soak) {
      const s = sampler.samples.filter((x) => x.phase === 'soak-50%');
      const metric = (pick: (x: (typeof s)[number]) => number) => growthOver(s.map(pick));
      soak = {
        samples: s.length,
        rssMb: Object.fromEntries(sys.processes.map(({ name }) => [name, metric((x) => x.rss[name] ?? 0)])),
        queueDepth: metric((x) => (x.queues['order-service'] ?? 0) + (x.queues['payment-gateway'] ?? 0)),
        outboxBacklog: metric((x) => Object.values(x.outbox).reduce((a, o) => a + o.backlog, 0)),
      };
    }

    // ---- report --------------------------------------------------------------------------------------------------
    const p50 = fixed['50%']!;
    const p80 = fixed['80%']!;
    const opMax = (x: Pick<typeof p50, 'create' | 'authorize' | 'capture'>, k: 'p50' | 'p99') => Math.max(x.create[k], x.authorize[k], x.capture[k]);
    const underLoad = (x: typeof p50, k: 'p50' | 'p99') => `${f(opMax(x, k))} ms (worst op; idle floor ${f(opMax(floor, k))}; machine ${f(x.machineBusy * 100)} % busy)`;
    const rssPeak = Object.fromEntries(Object.entries(rssAtXmax).map(([k, v]) => [k, v.peakMb]));
    const ours = new Set(sys.processes.map((p) => p.name));
    const servicesRssOk = [...ours].every((k) => (rssPeak[k] ?? Infinity) <= 256);
    const rssCell = ([k, v]: [string, number]) => `${k.split(' ')[0]} ${f(v)}${ours.has(k) ? '' : ' (broker, not ours: not checked)'}`;
    const targets = [
      { target: 'X_max >= 0.5 x L', value: `${f(Xmax / L, 2)} x L`, pass: Xmax >= 0.5 * L },
      { target: 'X_max >= 0.6 x L (stretch)', value: `${f(Xmax / L, 2)} x L`, pass: Xmax >= 0.6 * L },
      { target: 'X_max >= 300 orders/s', value: `${f(Xmax)} /s`, pass: Xmax >= 300 },
      { target: '50%: p50 <= 25 ms per operation', value: underLoad(p50, 'p50'), pass: opMax(p50, 'p50') <= 25 },
      { target: '50%: p99 <= 100 ms per operation', value: underLoad(p50, 'p99'), pass: opMax(p50, 'p99') <= 100 },
      { target: '80%: p99 <= 250 ms per operation', value: underLoad(p80, 'p99'), pass: opMax(p80, 'p99') <= 250 },
      { target: 'submit calls per order <= 0.05 at X_max', value: `${f(submitAtXmax, 3)} (whole run ${f(submitPerOrder, 3)})`, pass: submitAtXmax <= 0.05 },
      { target: 'each service RSS <= 256 MB', value: Object.entries(rssPeak).map(rssCell).join(', '), pass: servicesRssOk },
      { target: 'invariants', value: `terminal ${inv.ordersTerminal}/${inv.ordersCreated}, ledger ${inv.simulatorExactlyOneAuthAndOneCapture}/${inv.simulatorOrders}, parked ${inv.nothingParked ? 0 : 'some'}`, pass: inv.everyOrderTerminal && inv.ledgerOk && inv.nothingParked },
    ];

    const lines: string[] = [];
    const row = (...cells: string[]) => lines.push(cells.map((c, i) => (i === 0 ? c.padEnd(34) : c.padStart(12))).join(' '));
    lines.push('', '=== rakuten-card-payments benchmark ===', `node ${process.version}, RabbitMQ ${versions().rabbitmq}, PostgreSQL ${pgVersion}, ${versions().cpus} cores, ${args.shops} shops, ${replicasText(args.replicas)}`);
    lines.push('', '-- machine limit for our flow --');
    lines.push('(mean of two passes: before and after the ramp; each pass shown after it)');
    row('B1 amqp round trips/s (M)', f(M), ...passes.map((p) => f(p.M)));
    row('B2 pg commits/s (T)', f(T), ...passes.map((p) => f(p.T)));
    row('B3 card-API calls/s (H)', f(H), ...passes.map((p) => f(p.H)));
    row('per order m / t / h', `${counts.m}`, f(counts.t, 2), f(counts.h, 3));
    row('L = 1/(m/M + t/T + h/H)', f(L), ...passL.map((x) => f(x)));
    lines.push('', '-- maximum (closed loop) --');
    for (const s of ramp) row(`concurrency ${s.concurrency}`, `${f(s.ordersPerSecond)} /s`, `linger ${f(s.lingerShare * 100)} %`, `gw loop delay ${f(s.gatewayLoopDelayMs, 1)} ms (p50 ${f(s.gatewayLoopDelayP50Ms, 1)})`, `submit ${f(s.submitPerOrder ?? NaN, 3)}/order`, ...(s.steady ? [] : ['not steady']));
    row('X_max', `${f(Xmax)} /s`, `${f(Xmax / L, 2)} x L`);
    row('  batches at X_max (why they went)', flushSummary(best.flushes));
    row('  gateway hold at X_max', `${f(best.lingerMeanMs)} ms mean while lingering`);
    row('  machine CPU busy at X_max', `${f(best.machineBusy * 100)} % of ${CORES} cores`, pressureNote(best.cpuPressure));
    lines.push('', `-- idle floor: ${floor.completed} lone orders, one at a time, ${FLOOR.gapMs} ms apart: p50 / p99 / max ms --`);
    for (const op of ['create', 'authorize', 'authorizeHttp', 'capture', 'order'] as const) row(`  ${op}`, f(floor[op].p50), f(floor[op].p99), f(floor[op].max));
    lines.push('', '-- latency ms from scheduled send (open model): p50 / p99 / p99.9 --');
    for (const [name, x] of Object.entries(fixed)) {
      lines.push(`${name} of X_max${args.rates ? ' (set by --rates)' : ''} = ${f(x.rate)} orders/s: ${x.completed}/${x.scheduled} completed, ${x.failed} failed`);
      for (const op of ['create', 'authorize', 'authorizeHttp', 'capture', 'order'] as const) row(`  ${op}`, f(x[op].p50), f(x[op].p99), f(x[op].p999));
      row('  outbox lag max ms (order/gw)', f(x.outbox['order-service']?.maxLagMs), f(x.outbox['payment-gateway']?.maxLagMs));
      row('  CPU ms / order: order-svc, gw, all', f(x.cpuPer1000['order-service'], 1), f(x.cpuPer1000['payment-gateway'], 1), f(x.cpuPer1000['machine (all busy)'], 1));
      row('  gateway batches lingering', `${f(x.lingerShare * 100)} % of the time`, `hold ${f(x.lingerMeanMs)} ms mean`, `loop delay ${f(x.gatewayLoopDelayMs, 1)} ms (p50 ${f(x.gatewayLoopDelayP50Ms, 1)})`);
      row('  batches (why they went)', flushSummary(x.flushes));
      row('  machine CPU busy', `${f(x.machineBusy * 100)} % of ${CORES} cores`, pressureNote(x.cpuPressure));
    }
    lines.push('', `-- CPU seconds per 1,000 orders (at X_max step, concurrency ${best.concurrency}) / peak RSS MB (since ${peakRssSinceRamp ? 'the ramp started' : 'the process started'}) --`);
    for (const [k, v] of Object.entries(best.cpuPer1000)) row(k, f(v, 2), rssPeak[k] !== undefined ? `${f(rssPeak[k])} MB` : '');
    lines.push('', '-- card API and messages --');
    row('card-API submit calls / order', f(submitPerOrder, 3), `at X_max ${f(submitAtXmax, 3)}`);
    row('card-API calls / order (all)', f(callsPerOrder, 3));
    for (const r of gw.requests) row(`  ${r.kind} batches`, `${r.requests}`, `avg ${f(r.avg_batch, 1)}`, `max ${r.max_batch}`);
    row('messages published / order', f(publishedPerOrder, 2), `code: ${counts.publishes}`);
    for (const [k, v] of Object.entries(commits)) row(`  xact_commit / order ${k}`, f(v / total, 2));
    lines.push('', '-- targets --');
    for (const t of targets) lines.push(`${verdict(t.pass)}  ${t.target.padEnd(36)} ${t.value}`);
    if (soak) lines.push('', `soak: ${JSON.stringify(soak)}`);
    if (inv.parked.reasons.length) lines.push('', 'parked:', ...inv.parked.reasons.map((r) => `  ${r}`));
    if (inv.stuck.length) lines.push('', 'not terminal:', ...inv.stuck.map((r) => `  ${JSON.stringify(r)}`));
    if (driver.errors.length) lines.push('', `errors (first ${driver.errors.length}):`, ...driver.errors.slice(0, 10).map((e) => `  ${e}`));
    lines.push('', `total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    process.stdout.write(lines.join('\n') + '\n');

    const json = {
      at: new Date().toISOString(),
      versions: { ...versions(), postgresql: pgVersion },
      args,
      settings: { ...sys.settings, postgresql: { autovacuum, analyzedAtPhaseBoundaries: !autovacuum } },
      baselines: { M, T, H, passes: passes.map((p, i) => ({ ...p, L: passL[i] })) },
      counts: { ...counts, batchSize: B, detail: COUNTS },
      L,
      ramp,
      Xmax,
      XmaxOverL: Xmax / L,
      floor,
      fixed,
      rssAtXmax,
      rssPeakSince: peakRssSinceRamp ? 'the start of the ramp' : 'the start of the process',
      cardApi: { submitPerOrder, submitPerOrderAtXmax: submitAtXmax, callsPerOrder, ...gw },
      messages: { publishedPerOrder, byPublisher: publishedBy },
      xactCommitsPerOrder: Object.fromEntries(Object.entries(commits).map(([k, v]) => [k, v / total])),
      invariants: inv,
      soak,
      targets,
      errors: driver.errors,
      samples: sampler.samples.filter((_, i) => i % (args.soak ? 10 : 1) === 0),
    };
    mkdirSync(dirname(resolve(args.json)), { recursive: true });
    writeFileSync(args.json, JSON.stringify(json, null, 2));
    log(`JSON written to ${args.json}`);
    if (!targets.find((t) => t.target === 'invariants')!.pass) exitCode = 1;
  } finally {
    await sampler.stop().catch(() => undefined);
    await driver.close().catch(() => undefined);
    await sys.stop();
  }
  process.exit(exitCode);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(2);
});
