import * as amqp from 'amqplib';
import { Agent, request } from 'undici';
import { createEnvelope, OrderShipped, PaymentTagChanged } from '@rcp/contracts';
import { envelopeProperties, prefixed } from '@rcp/messaging';
import { dueTick, RateScheduler, startGridTimer } from './measure';

/** One order's timeline (ms, performance.now() clock) through the flow. */
export interface OrderTrace {
  orderNumber: string;
  shopId: string;
  phase: string;
  createSched: number;
  created?: number;
  authSched?: number;
  /** the bulk authorize HTTP call answered (accepted) */
  authAccepted?: number;
  authorized?: number;
  shipSent?: number;
  captured?: number;
  failed?: string;
}

export interface DriverOptions {
  /** Base URLs of the order-service processes; requests take them in turn (as a Kubernetes Service spreads them). */
  orderUrls: readonly string[];
  adminKey: string;
  rabbitUrl: string;
  prefix: string;
  shopIds: string[];
  /** Bulk authorize calls are sent on this fixed tick (per shop, every order created since the last tick). */
  authTickMs: number;
  httpConnections: number;
}

const now = () => performance.now();

/**
 * The load generator. Per order: POST /shops/:shop/orders (a shop system pushing an order) → bulk
 * POST …/orders/actions/authorize on a fixed tick (an operator or a shop system authorizing what came in) →
 * on PaymentTagChanged(オーソリ済) publish OrderShipped (the warehouse; auto-capture on) → PaymentTagChanged(売上請求済)
 * ends the order. Progress is read from a queue bound to PaymentTagChanged on the run's exchange.
 */
export class FlowDriver {
  readonly traces = new Map<string, OrderTrace>();
  readonly completions: number[] = [];
  /** OrderShipped events the generator published (the warehouse's share of the flow's messages). */
  shippedPublished = 0;
  readonly errors: string[] = [];
  inFlight = 0;
  private seq = 0;
  private nextUrl = 0;
  private readonly agent: Agent;
  private connection?: amqp.ChannelModel;
  private publishChannel?: amqp.ConfirmChannel;
  private exchange = '';
  private readonly authQueue = new Map<string, OrderTrace[]>();
  private stopAuthTimer?: () => void;
  private authStart = 0;
  /** Called when an order completes (the running closed-loop step tops up). */
  protected onComplete?: () => void;
  private readonly day = new Date().toISOString().slice(0, 10).replace(/-/g, '');

  constructor(private readonly o: DriverOptions) {
    if (o.orderUrls.length === 0) throw new Error('FlowDriver needs at least one order-service URL');
    this.agent = new Agent({ connections: o.httpConnections, keepAliveTimeout: 30_000, headersTimeout: 60_000, bodyTimeout: 60_000 });
  }

  async init(): Promise<void> {
    this.connection = await amqp.connect(this.o.rabbitUrl);
    this.exchange = prefixed('rakuten.payments', this.o.prefix);
    const observe = await this.connection.createChannel();
    // the observer's own queue: classic, exclusive, auto-deleted — it is the bench's instrument, not part of the system,
    // so it binds only what it needs (progress is read from PaymentTagChanged); the messages of the flow are counted
    // from the services' outbox sequences instead (bench.ts), not by routing every message here too
    const { queue } = await observe.assertQueue(`${this.o.prefix}.bench-observer`, { exclusive: true, autoDelete: true, durable: false });
    await observe.bindQueue(queue, this.exchange, PaymentTagChanged.routingKey);
    await observe.consume(queue, (msg) => msg && this.onEvent(msg), { noAck: true });
    this.publishChannel = await this.connection.createConfirmChannel();
    this.authStart = now();
    // on the grid the orders' due ticks are computed from (setInterval drifts off it: 0–50 ms of the generator's own
    // lateness would be counted as authorize latency)
    this.stopAuthTimer = startGridTimer(this.authStart, this.o.authTickMs, () => this.flushAuthorize());
  }

  async close(): Promise<void> {
    this.stopAuthTimer?.();
    await this.connection?.close().catch(() => undefined);
    await this.agent.close();
  }

  /** Starts one order whose arrival was scheduled at `scheduledAt`. */
  startOrder(phase: string, scheduledAt = now()): void {
    const shopId = this.o.shopIds[this.seq % this.o.shopIds.length] as string;
    const orderNumber = `${String(100001 + (this.seq % this.o.shopIds.length)).padStart(6, '0')}-${this.day}-${String(++this.seq).padStart(10, '0')}`;
    const trace: OrderTrace = { orderNumber, shopId, phase, createSched: scheduledAt };
    this.traces.set(orderNumber, trace);
    this.inFlight++;
    void this.http('POST', `/shops/${shopId}/orders`, {
      orderNumber,
      orderedAt: new Date().toISOString(),
      paymentMethod: 'クレジットカード',
      totalAmount: 1200,
      billedAmount: 1200,
    }).then(
      ({ status, body }) => {
        if (status !== 201) return this.fail(trace, `create HTTP ${status}: ${body.slice(0, 200)}`);
        trace.created = now();
        let q = this.authQueue.get(shopId);
        if (!q) this.authQueue.set(shopId, (q = []));
        q.push(trace);
      },
      (err: unknown) => this.fail(trace, `create: ${String(err)}`),
    );
  }

  /**
   * Closed loop: keep `concurrency` orders in flight until `until` — a time (performance clock) or a predicate checked
   * after every completion and every 20 ms.
   */
  async closedLoop(phase: string, concurrency: number, until: number | (() => boolean)): Promise<void> {
    const ended = typeof until === 'number' ? () => now() >= until : until;
    return new Promise((resolve) => {
      let done = false;
      const top = () => {
        if (done) return;
        if (ended()) {
          done = true;
          clearInterval(t);
          // only this step's hook: a late timer of an ended step must not unhook the next step (it then started
          // no orders until its own end: steps measured at 0 orders/s)
          if (this.onComplete === top) this.onComplete = undefined;
          resolve();
          return;
        }
        while (this.inFlight < concurrency) this.startOrder(phase);
      };
      this.onComplete = top;
      const t = setInterval(top, 20);
      top();
    });
  }

  /** Open model: arrivals at `rate`/s for `durationMs`, each timed from its scheduled send. */
  async openLoop(phase: string, rate: number, durationMs: number): Promise<void> {
    const start = now();
    const scheduler = new RateScheduler(rate, start, durationMs);
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        for (const at of scheduler.due(now())) this.startOrder(phase, at);
        if (scheduler.done) {
          clearInterval(timer);
          resolve();
        }
      }, 2);
    });
  }

  /** Lone orders: each starts once the one before it completed (or `timeoutMs` passed) and `gapMs` of quiet followed. */
  async oneAtATime(phase: string, count: number, gapMs: number, timeoutMs = 10_000): Promise<void> {
    for (let i = 0; i < count; i++) {
      this.startOrder(phase);
      await this.drain(timeoutMs);
      await new Promise((r) => setTimeout(r, gapMs));
    }
  }

  /** Waits until nothing is in flight (or `timeoutMs`); returns the number still in flight. */
  async drain(timeoutMs: number): Promise<number> {
    const deadline = now() + timeoutMs;
    while (this.inFlight > 0 && now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return this.inFlight;
  }

  private flushAuthorize(): void {
    // Fixed schedule: tick k is due at authStart + k·tick. An order is due at the first tick after it was created; a
    // late timer firing sends every order due by now, each timed from its own due tick (not from the late firing).
    const at = now();
    for (const [shopId, queue] of this.authQueue) {
      if (queue.length === 0) continue;
      const batch = queue.splice(0, 1000);
      for (const t of batch) t.authSched = Math.min(at, dueTick(this.authStart, this.o.authTickMs, t.created ?? at));
      void this.http('POST', `/shops/${shopId}/orders/actions/authorize`, { orderNumbers: batch.map((t) => t.orderNumber) }).then(
        ({ status, body }) => {
          if (status !== 200 && status !== 201) return batch.forEach((t) => this.fail(t, `authorize HTTP ${status}: ${body.slice(0, 200)}`));
          const results = (JSON.parse(body) as { results: { orderNumber: string; outcome: string; reason?: string }[] }).results;
          const answeredAt = now();
          for (const t of batch) t.authAccepted = answeredAt;
          for (const r of results) {
            if (r.outcome !== 'accepted') {
              const t = this.traces.get(r.orderNumber);
              if (t) this.fail(t, `authorize ${r.outcome}: ${r.reason ?? ''}`);
            }
          }
        },
        (err: unknown) => batch.forEach((t) => this.fail(t, `authorize: ${String(err)}`)),
      );
    }
  }

  private onEvent(msg: amqp.ConsumeMessage): void {
    const at = now();
    const type = String(msg.properties.type ?? 'unknown');
    if (type !== 'PaymentTagChanged') return;
    const e = JSON.parse(msg.content.toString()) as { shopId: string; data: { orderNumber: string; to: string } };
    const t = this.traces.get(e.data.orderNumber);
    if (!t || t.failed || t.captured !== undefined) return;
    switch (e.data.to) {
      case 'オーソリ済':
        if (t.authorized !== undefined) return;
        t.authorized = at;
        this.ship(t);
        return;
      case '売上請求済':
        t.captured = at;
        this.inFlight--;
        this.completions.push(at);
        this.onComplete?.();
        return;
      case 'オーソリエラー':
      case '売上請求エラー':
        this.fail(t, `tag ${e.data.to}`);
        return;
    }
  }

  private ship(t: OrderTrace): void {
    const envelope = createEnvelope(OrderShipped, { orderNumber: t.orderNumber, shippedAt: new Date().toISOString() }, { shopId: t.shopId });
    t.shipSent = now();
    this.shippedPublished++;
    this.publishChannel!.publish(this.exchange, OrderShipped.routingKey, Buffer.from(JSON.stringify(envelope)), envelopeProperties(envelope), (err) => {
      if (err) this.fail(t, `OrderShipped nacked: ${String(err)}`);
    });
  }

  private fail(t: OrderTrace, why: string): void {
    if (t.failed || t.captured !== undefined) return;
    t.failed = why;
    this.inFlight--;
    if (this.errors.length < 50) this.errors.push(`${t.orderNumber}: ${why}`);
    this.onComplete?.();
  }

  private async http(method: string, path: string, json: unknown): Promise<{ status: number; body: string }> {
    const base = this.o.orderUrls[this.nextUrl++ % this.o.orderUrls.length];
    const res = await request(base + path, {
      method: method as 'POST',
      dispatcher: this.agent,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.o.adminKey}` },
      body: JSON.stringify(json),
    });
    return { status: res.statusCode, body: await res.body.text() };
  }
}
