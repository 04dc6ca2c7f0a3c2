import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import {
  BATCH_SIZE_BUCKETS,
  CARD_API_DURATION_BUCKETS,
  CIRCUIT_STATE_VALUES,
  HTTP_DURATION_BUCKETS,
  METRIC_NAMES,
  type CircuitState,
  type MessageOutcome,
} from './catalogue';

/** Options of {@link Metrics}. */
export interface MetricsOptions {
  /** Also collect prom-client's default process metrics (CPU, memory, event loop, GC) labelled `service`. Default true. */
  defaultMetrics?: boolean;
}

/**
 * The metrics of one app instance: owns its own prom-client {@link Registry} (never the global default registry,
 * so several Nest apps in one process never collide) and every metric of the catalogue, with typed helpers.
 * Provided by `ObservabilityModule.forRoot`; can also be constructed directly (tools, tests).
 */
export class Metrics {
  /** This instance's registry; `/metrics` renders it. */
  readonly registry = new Registry();

  private readonly httpDuration: Histogram<'service' | 'method' | 'route' | 'status'>;
  private readonly consumed: Counter<'service' | 'queue' | 'type' | 'outcome'>;
  private readonly published: Counter<'service' | 'type'>;
  private readonly parkingLotDepth: Gauge<'queue'>;
  private readonly outboxLag: Gauge<'service'>;
  private readonly outboxPending: Gauge<'service'>;
  private readonly cardApiDuration: Histogram<'operation' | 'outcome' | 'code'>;
  private readonly cardApiBatch: Histogram<'operation'>;
  private readonly inFlight: Gauge<'operation'>;
  private readonly stuck: Gauge;
  private readonly authExpiring: Gauge<'shop'>;
  private readonly circuit: Gauge<'shop' | 'endpoint'>;
  private readonly batchLinger: Gauge;
  private readonly batchFlushSize: Histogram<'operation' | 'reason'>;
  private readonly retries: Counter<'service' | 'queue'>;

  /** @param service value of the `service` label, e.g. `payment-gateway`. */
  constructor(
    readonly service: string,
    options: MetricsOptions = {},
  ) {
    const registers = [this.registry];
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, labels: { service } });
    this.httpDuration = new Histogram({
      name: METRIC_NAMES.httpRequestDuration,
      help: 'HTTP request duration by Nest route pattern (not raw URL) and status code.',
      labelNames: ['service', 'method', 'route', 'status'],
      buckets: [...HTTP_DURATION_BUCKETS],
      registers,
    });
    this.consumed = new Counter({
      name: METRIC_NAMES.messagesConsumed,
      help: 'Messages handled by a consumer, by outcome (ack, retry = sent to a retry tier, parked).',
      labelNames: ['service', 'queue', 'type', 'outcome'],
      registers,
    });
    this.published = new Counter({
      name: METRIC_NAMES.messagesPublished,
      help: 'Events published and confirmed by the broker.',
      labelNames: ['service', 'type'],
      registers,
    });
    this.parkingLotDepth = new Gauge({
      name: METRIC_NAMES.parkingLotDepth,
      help: 'Messages waiting in a parking lot queue (<queue>.dlq).',
      labelNames: ['queue'],
      registers,
    });
    this.outboxLag = new Gauge({
      name: METRIC_NAMES.outboxLag,
      help: 'Age in seconds of the oldest unpublished outbox row (0 when the outbox is empty).',
      labelNames: ['service'],
      registers,
    });
    this.outboxPending = new Gauge({
      name: METRIC_NAMES.outboxPending,
      help: 'Unpublished outbox rows.',
      labelNames: ['service'],
      registers,
    });
    this.cardApiDuration = new Histogram({
      name: METRIC_NAMES.cardApiRequestDuration,
      help: 'Card API (RCCS) call duration by operation, outcome and result code.',
      labelNames: ['operation', 'outcome', 'code'],
      buckets: [...CARD_API_DURATION_BUCKETS],
      registers,
    });
    this.cardApiBatch = new Histogram({
      name: METRIC_NAMES.cardApiBatchSize,
      help: 'Payments per card API batch call.',
      labelNames: ['operation'],
      buckets: [...BATCH_SIZE_BUCKETS],
      registers,
    });
    this.inFlight = new Gauge({
      name: METRIC_NAMES.paymentOperationsInFlight,
      help: 'Payment operations submitted to the card API and not yet finished.',
      labelNames: ['operation'],
      registers,
    });
    this.stuck = new Gauge({
      name: METRIC_NAMES.paymentOperationsStuck,
      help: 'Payment operations without a final result past their deadline.',
      registers,
    });
    this.authExpiring = new Gauge({
      name: METRIC_NAMES.authExpiring,
      help: 'Authorizations close to expiry that are not yet captured.',
      labelNames: ['shop'],
      registers,
    });
    this.circuit = new Gauge({
      name: METRIC_NAMES.circuitBreakerState,
      help: 'Card API circuit breaker state: 0 closed, 1 half-open, 2 open.',
      labelNames: ['shop', 'endpoint'],
      registers,
    });
    this.batchLinger = new Gauge({
      name: METRIC_NAMES.batchLinger,
      help: 'Hold applied to card API batches now (ms): the linger while the gateway is saturated (grows while that lasts), else 0.',
      registers,
    });
    this.batchFlushSize = new Histogram({
      name: METRIC_NAMES.batchFlushSize,
      help: 'Operations per batch the gateway sent out, by why it went then (at-once, full, target, hold, wait, room, close).',
      labelNames: ['operation', 'reason'],
      buckets: [...BATCH_SIZE_BUCKETS],
      registers,
    });
    this.retries = new Counter({
      name: METRIC_NAMES.retries,
      help: 'Messages sent to a retry tier.',
      labelNames: ['service', 'queue'],
      registers,
    });
  }

  /** Content type of {@link render} (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric of this instance in Prometheus text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Records one HTTP request; `route` must be the route pattern (`/orders/:id`), never the raw URL. */
  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ service: this.service, method: method.toUpperCase(), route, status: String(status) }, seconds);
  }

  /** A consumed message ended with `outcome`; `retry` also counts `rcp_retries_total{queue}`. */
  messageConsumed(queue: string, type: string, outcome: MessageOutcome): void {
    this.consumed.inc({ service: this.service, queue, type, outcome });
    if (outcome === 'retry') this.retries.inc({ service: this.service, queue });
  }

  /** An event of `type` was published (confirmed). */
  messagePublished(type: string, count = 1): void {
    this.published.inc({ service: this.service, type }, count);
  }

  /** Sets the parking lot depth of `queue` (e.g. from a periodic `checkQueue`). */
  setParkingLotDepth(queue: string, depth: number): void {
    this.parkingLotDepth.set({ queue }, depth);
  }

  /** A message was parked in `queue`: the depth gauge goes up by one until the next {@link setParkingLotDepth}. */
  messageParked(queue: string): void {
    this.parkingLotDepth.inc({ queue });
  }

  /** Age (seconds) of the oldest unpublished outbox row; 0 when empty. */
  setOutboxLag(seconds: number): void {
    this.outboxLag.set({ service: this.service }, Math.max(0, seconds));
  }

  /** Number of unpublished outbox rows. */
  setOutboxPending(count: number): void {
    this.outboxPending.set({ service: this.service }, count);
  }

  /** One card API call: `outcome` e.g. `ok`/`error`/`timeout`, `code` the result or error code (`none` if absent). */
  cardApiRequest(operation: string, outcome: string, code: string | undefined, seconds: number): void {
    this.cardApiDuration.observe({ operation, outcome, code: code || 'none' }, seconds);
  }

  /** Size of one card API batch call. */
  cardApiBatchSize(operation: string, size: number): void {
    this.cardApiBatch.observe({ operation }, size);
  }

  /** Sets the in-flight payment operations of `operation`. */
  setPaymentOperationsInFlight(operation: string, count: number): void {
    this.inFlight.set({ operation }, count);
  }

  /** Counts `work` as in flight for `operation` while it runs (decremented even when it throws). */
  async trackInFlight<T>(operation: string, work: () => Promise<T>): Promise<T> {
    this.inFlight.inc({ operation });
    try {
      return await work();
    } finally {
      this.inFlight.dec({ operation });
    }
  }

  /** Sets the number of stuck payment operations. */
  setPaymentOperationsStuck(count: number): void {
    this.stuck.set(count);
  }

  /** Sets the number of authorizations of `shop` close to expiry. */
  setAuthExpiring(shop: string, count: number): void {
    this.authExpiring.set({ shop }, count);
  }

  /** Sets the circuit breaker state of (`shop`, `endpoint`): closed 0, half-open 1, open 2. */
  setCircuitBreakerState(shop: string, endpoint: string, state: CircuitState): void {
    this.circuit.set({ shop, endpoint }, CIRCUIT_STATE_VALUES[state]);
  }

  /** Sets the hold applied to card API batches now (ms). */
  setBatchLinger(ms: number): void {
    this.batchLinger.set(ms);
  }

  /** A batch of `size` operations of `operation` went out, for `reason` (the batcher's flush reason). */
  batchFlushed(operation: string, size: number, reason: string): void {
    this.batchFlushSize.observe({ operation, reason }, size);
  }

  /** A message of `queue` was sent to a retry tier (use when not reporting through {@link messageConsumed}). */
  retry(queue: string): void {
    this.retries.inc({ service: this.service, queue });
  }

  /** Starts a timer; call the returned function to get the elapsed seconds. */
  static timer(): () => number {
    const start = process.hrtime.bigint();
    return () => Number(process.hrtime.bigint() - start) / 1e9;
  }
}
