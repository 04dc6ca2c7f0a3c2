import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { isObservable, lastValueFrom } from 'rxjs';
import { EventEnvelope, validateEnvelope } from '@rcp/contracts';
import { redactUrl } from '@rcp/config';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_PREFETCH, HEADERS } from '../constants';
import { connectBroker, withTimeout } from '../connection';
import { HandlerTimeoutError, classifyError } from '../errors';
import { MessagingLogger, defaultLogger, errorMessage } from '../logger';
import { intHeader, stringHeader } from '../message-properties';
import { ConsumeOutcome, MessagingObserver, notify } from '../observer';
import { ResolvedTopology, declareTopology, resolveTopology } from '../topology';
import { runHandlerSpan } from '../trace-context';
import { captureOriginalHandlerErrors } from './capture-handler-error';
import { MessageScope, messageScopeStorage } from './message-context';
import { RabbitMqContext } from './rabbitmq-context';
import { appendRetryHistory, chooseRetryQueue, parseRetryHistory, truncate } from './retry-policy';

/** Options of {@link RabbitMqServer}. */
export interface RabbitMqServerOptions {
  url: string;
  /** Topic exchange; default `rakuten.payments`. */
  exchange?: string;
  /** Test isolation prefix for the exchange and every queue. */
  namePrefix?: string;
  /** Consumer queue name (before prefixing), e.g. `payment-gateway`. */
  queue: string;
  /** Routing-key patterns to bind, e.g. `['payment.*.requested']` or `['#']`. */
  bindings: string[];
  /** Unacked messages in flight; default 32. */
  prefetch?: number;
  /** Retry tier delays (ms); default [1000, 10000, 60000]. */
  retryDelaysMs?: number[];
  /** Jitter queues per tier (see README); default 3. */
  retryJitterQueues?: number;
  /** Handler attempts before parking; default 5. */
  maxAttempts?: number;
  /** `x-delivery-limit` of the queue; default 20. */
  deliveryLimit?: number;
  /** A handler running longer counts as a retryable failure. Unset = no limit. */
  handlerTimeoutMs?: number;
  /** How long `close()` waits for in-flight handlers (ms); default 10000. */
  closeTimeoutMs?: number;
  /** `connection_name` client property; default `consumer:<queue>`. */
  connectionName?: string;
  /**
   * `listen` reports an error naming the broker when the consumer is not set up within this time (ms), so a service
   * whose broker does not answer fails its boot with a clear message (and its orchestrator restarts it) instead of
   * waiting silently; default 60000. The connection keeps trying until `close()`, so a caller that goes on after that
   * error must close the server. Reconnects after the first start are not bounded by it.
   */
  startTimeoutMs?: number;
  /**
   * How often the parking-lot depth is probed (passive `checkQueue` of `<queue>.dlq`) and reported to
   * `observer.onParkingLotDepth` (ms); default 15000; 0 disables. Only runs when the observer has that hook.
   */
  parkingLotProbeMs?: number;
  logger?: MessagingLogger;
  observer?: MessagingObserver;
}

/** Why a message was parked: a `validateEnvelope` rejection code or one of the transport's own codes. */
export type ParkCode = string;

const PUBLISH_TIMEOUT_MS = 5000;
/** Default of {@link RabbitMqServerOptions.startTimeoutMs}. */
const DEFAULT_START_TIMEOUT_MS = 60_000;

function isTimeout(err: unknown): boolean {
  return err instanceof Error && err.name === 'TimeoutError';
}

/**
 * A Nest microservice transport consuming one quorum queue. Handlers are ordinary `@EventPattern('<Type>')`
 * methods. Per message: validate → dispatch by envelope type → ack; failures go to delayed retry tiers or the
 * parking lot (see the README). Reconnects by itself and re-declares the topology on every connect.
 */
export class RabbitMqServer extends Server implements CustomTransportStrategy {
  private readonly log: MessagingLogger;
  private readonly topology: ResolvedTopology;
  private readonly consumer: NonNullable<ResolvedTopology['consumer']>;
  private connection?: AmqpConnectionManager;
  private channelWrapper?: ChannelWrapper;
  private readonly consumerTags = new Map<ConfirmChannel, string>();
  private readonly inFlight = new Set<Promise<void>>();
  /**
   * Handlers found per event type. Nest's lookup tries `JSON.parse` on the pattern first, which throws (a SyntaxError
   * with its stack) for every plain type name — ≈ 1 % of a service's CPU when done per message.
   */
  private readonly handlersByType = new Map<string, MessageHandler>();
  private readonly pendingListeners: [string, (...args: unknown[]) => void][] = [];
  private closing = false;
  private probeTimer?: NodeJS.Timeout;

  constructor(private readonly options: RabbitMqServerOptions) {
    super();
    this.log = options.logger ?? defaultLogger(`RabbitMqServer:${options.queue}`);
    this.topology = resolveTopology({
      exchange: options.exchange,
      namePrefix: options.namePrefix,
      queue: options.queue,
      bindings: options.bindings,
      retryDelaysMs: options.retryDelaysMs,
      deliveryLimit: options.deliveryLimit,
      retryJitterQueues: options.retryJitterQueues,
    });
    this.consumer = this.topology.consumer!;
    captureOriginalHandlerErrors();
  }

  /** The resolved (prefixed) queue name. */
  get queueName(): string {
    return this.consumer.queue;
  }

  /** The resolved parking-lot queue name. */
  get parkingLotQueue(): string {
    return this.consumer.dlq;
  }

  /** Connects, declares the topology and starts consuming; calls back once consuming (or with the setup error). */
  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    this.closing = false;
    let started = false;
    const startTimeoutMs = this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    const startTimer = setTimeout(() => {
      if (started) return;
      started = true;
      callback(new Error(`RabbitMQ at ${redactUrl(this.options.url)} did not accept the consumer of ${this.consumer.queue} within ${startTimeoutMs} ms (is it running and reachable? set RABBITMQ_URL)`));
    }, startTimeoutMs);
    startTimer.unref?.();
    const connection = connectBroker({
      url: this.options.url,
      connectionName: this.options.connectionName ?? `consumer:${this.consumer.queue}`,
      logger: this.log,
    });
    this.connection = connection;
    for (const [event, listener] of this.pendingListeners) connection.on(event, listener);
    this.channelWrapper = connection.createChannel({
      name: `consumer:${this.consumer.queue}`,
      confirm: true,
      setup: async (channel: ConfirmChannel) => {
        try {
          await this.setupChannel(channel);
        } catch (err) {
          this.log.error(`setting up ${this.consumer.queue} failed: ${errorMessage(err)}`);
          if (!started) {
            started = true;
            clearTimeout(startTimer);
            callback(err);
          }
          throw err;
        }
        if (!started) {
          started = true;
          clearTimeout(startTimer);
          callback();
        }
      },
    });
    this.channelWrapper.on('error', (err: unknown) => this.log.error(`consumer channel error: ${errorMessage(err)}`));
    this.startParkingLotProbe();
  }

  /** True while the broker connection is up (for readiness checks). */
  isConnected(): boolean {
    return !this.closing && (this.connection?.isConnected() ?? false);
  }

  /**
   * Passive depth check of the parking lot (`checkQueue` on a short-lived channel of its own, so a failing check
   * can never close the consuming channel); undefined when not connected.
   */
  async parkingLotDepth(): Promise<number | undefined> {
    const conn = this.connection?.connection;
    if (!conn || this.closing) return undefined;
    const channel = await conn.createChannel();
    channel.on('error', () => undefined); // a 404 closes this channel only; the rejection below reports it
    try {
      const { messageCount } = await withTimeout(channel.checkQueue(this.consumer.dlq), 5000, 'checkQueue timed out');
      return messageCount;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  private startParkingLotProbe(): void {
    const every = this.options.parkingLotProbeMs ?? 15_000;
    if (every <= 0 || !this.options.observer?.onParkingLotDepth || this.probeTimer) return;
    this.probeTimer = setInterval(() => void this.probeParkingLot(), every);
    this.probeTimer.unref?.();
  }

  private async probeParkingLot(): Promise<void> {
    try {
      const depth = await this.parkingLotDepth();
      if (depth !== undefined) notify(this.options.observer, 'onParkingLotDepth', this.consumer.dlq, depth);
    } catch (err) {
      this.log.warn(`parking-lot depth probe of ${this.consumer.dlq} failed: ${errorMessage(err)}`);
    }
  }

  private async setupChannel(channel: ConfirmChannel): Promise<void> {
    channel.on('close', () => this.consumerTags.delete(channel));
    await declareTopology(channel, {
      exchange: this.options.exchange,
      namePrefix: this.options.namePrefix,
      queue: this.options.queue,
      bindings: this.options.bindings,
      retryDelaysMs: this.options.retryDelaysMs,
      deliveryLimit: this.options.deliveryLimit,
      retryJitterQueues: this.options.retryJitterQueues,
    });
    if (this.closing) return;
    await channel.prefetch(this.options.prefetch ?? DEFAULT_PREFETCH);
    const { consumerTag } = await channel.consume(this.consumer.queue, (msg) => this.onDelivery(channel, msg), { noAck: false });
    this.consumerTags.set(channel, consumerTag);
    if (this.options.observer?.onParkingLotDepth) void this.probeParkingLot();
    this.log.log(`consuming ${this.consumer.queue} (bindings: ${this.consumer.bindings.join(', ') || 'none'})`);
  }

  private onDelivery(channel: ConfirmChannel, msg: ConsumeMessage | null): void {
    if (!msg) {
      this.log.warn(`the broker cancelled the consumer of ${this.consumer.queue}; recreating the channel`);
      this.consumerTags.delete(channel);
      channel.close().catch(() => undefined);
      return;
    }
    const task = this.handleDelivery(channel, msg).catch((err: unknown) => {
      this.log.error(`unexpected failure handling a message of ${this.consumer.queue}: ${errorMessage(err)}`);
    });
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  /** The handler of an event type (found ones are kept; a missing one is looked up again next time). */
  private handlerFor(type: string): MessageHandler | null {
    const known = this.handlersByType.get(type);
    if (known) return known;
    const handler = this.getHandlerByPattern(type);
    if (handler) this.handlersByType.set(type, handler);
    return handler;
  }

  private async handleDelivery(channel: ConfirmChannel, msg: ConsumeMessage): Promise<void> {
    const started = Date.now();
    const check = validateEnvelope(msg.content);
    const fallbackType = stringHeader(msg.properties as unknown as Record<string, unknown>, 'type') ?? 'unknown';
    if (!check.ok) {
      await this.park(channel, msg, check.code, check.reason, fallbackType, started);
      return;
    }
    const envelope = check.envelope;
    const handler = this.handlerFor(envelope.type);
    if (!handler) {
      await this.park(channel, msg, 'no-handler', `no handler for ${envelope.type} on ${this.consumer.queue}`, envelope.type, started);
      return;
    }
    const attempt = intHeader(msg.properties.headers, HEADERS.attempt, 1);
    const ctx = new RabbitMqContext([msg, envelope, attempt, this.consumer.queue]);
    const scope: MessageScope = {
      context: {
        messageId: envelope.id,
        correlationId: envelope.correlationId,
        causationId: envelope.causationId,
        type: envelope.type,
        shopId: envelope.shopId,
        attempt,
      },
    };
    try {
      // The handler runs in the producer's trace (context from the `traceparent` header, or the instrumented
      // consume span) inside a `handle <type>` span; no-op when tracing is off.
      const spanAttributes = { 'messaging.message.id': envelope.id, 'messaging.destination.name': this.consumer.queue, 'rcp.attempt': attempt };
      await runHandlerSpan(msg.properties.headers, `handle ${envelope.type}`, spanAttributes, () =>
        messageScopeStorage.run(scope, async () => {
          const run = (async () => {
            const out: unknown = await handler(envelope, ctx);
            if (isObservable(out)) await lastValueFrom(out, { defaultValue: undefined });
          })();
          const limit = this.options.handlerTimeoutMs;
          await (limit ? withTimeout(run, limit, '').catch((err: unknown) => Promise.reject(isTimeout(err) ? new HandlerTimeoutError(limit) : err)) : run);
        }),
      );
    } catch (thrown) {
      const error = scope.handlerError?.error ?? thrown;
      await this.onHandlerError(channel, msg, envelope, attempt, error, started);
      return;
    }
    this.settle(channel, msg, 'ack');
    notify(this.options.observer, 'onConsumed', envelope.type, 'ack', Date.now() - started);
  }

  private async onHandlerError(channel: ConfirmChannel, msg: ConsumeMessage, envelope: EventEnvelope, attempt: number, error: unknown, started: number) {
    const message = errorMessage(error);
    const history = parseRetryHistory(msg.properties.headers?.[HEADERS.retryHistory]);
    const nextHistory = appendRetryHistory(history, attempt, message);
    const maxAttempts = this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (classifyError(error) === 'non-retryable') {
      this.log.warn(`${envelope.type} ${envelope.id} rejected by its handler (not retryable): ${truncate(message)}`);
      await this.park(channel, msg, 'non-retryable', message, envelope.type, started, { [HEADERS.retryHistory]: nextHistory, [HEADERS.attempt]: attempt });
      return;
    }
    if (attempt >= maxAttempts) {
      this.log.warn(`${envelope.type} ${envelope.id} failed ${attempt} times; parking it: ${truncate(message)}`);
      await this.park(channel, msg, 'max-attempts', `failed ${attempt} attempts; last error: ${message}`, envelope.type, started, {
        [HEADERS.retryHistory]: nextHistory,
        [HEADERS.attempt]: attempt,
      });
      return;
    }
    const target = chooseRetryQueue(this.consumer.retryTiers, attempt);
    try {
      await this.publishCopy(channel, target.name, msg, { [HEADERS.attempt]: attempt + 1, [HEADERS.retryHistory]: nextHistory });
    } catch (err) {
      await this.requeueLater(channel, msg, `retrying ${envelope.id} failed: ${errorMessage(err)}`);
      return;
    }
    this.log.warn(`${envelope.type} ${envelope.id} attempt ${attempt} failed; retry in ~${target.ttlMs} ms: ${truncate(message)}`);
    this.settle(channel, msg, 'ack');
    notify(this.options.observer, 'onConsumed', envelope.type, 'retry', Date.now() - started);
  }

  private async park(
    channel: ConfirmChannel,
    msg: ConsumeMessage,
    code: ParkCode,
    reason: string,
    type: string,
    started: number,
    extraHeaders: Record<string, unknown> = {},
  ): Promise<void> {
    try {
      await this.publishCopy(channel, this.consumer.dlq, msg, {
        ...extraHeaders,
        [HEADERS.parkedReason]: truncate(reason, 1000),
        [HEADERS.rejectionCode]: code,
        [HEADERS.originalQueue]: this.consumer.queue,
        [HEADERS.parkedAt]: new Date().toISOString(),
      });
    } catch (err) {
      await this.requeueLater(channel, msg, `parking a message failed: ${errorMessage(err)}`);
      return;
    }
    if (!extraHeaders[HEADERS.retryHistory]) this.log.warn(`parked a message from ${this.consumer.queue} (${code}): ${truncate(reason)}`);
    this.settle(channel, msg, 'ack');
    notify(this.options.observer, 'onParked', this.consumer.dlq, code);
    notify(this.options.observer, 'onConsumed', type, 'parked' satisfies ConsumeOutcome, Date.now() - started);
  }

  /** Publishes a copy of `msg` to queue `queue` via the default exchange on the delivery's own channel; waits for the confirm. */
  private publishCopy(channel: ConfirmChannel, queue: string, msg: ConsumeMessage, headers: Record<string, unknown>): Promise<void> {
    const p = msg.properties;
    const options: Options.Publish = {
      persistent: true,
      messageId: p.messageId,
      type: p.type,
      timestamp: p.timestamp,
      correlationId: p.correlationId,
      contentType: p.contentType,
      contentEncoding: p.contentEncoding,
      appId: p.appId,
      headers: { ...(p.headers ?? {}), ...headers },
    };
    const sent = new Promise<void>((resolve, reject) => {
      try {
        channel.publish('', queue, msg.content, options, (err) => (err ? reject(err instanceof Error ? err : new Error('broker nacked the message')) : resolve()));
      } catch (err) {
        reject(err);
      }
    });
    return withTimeout(sent, PUBLISH_TIMEOUT_MS, `no confirm from the broker for a copy to ${queue}`);
  }

  /** Could not retry or park: give the message back to the broker (the delivery limit bounds loops). */
  private async requeueLater(channel: ConfirmChannel, msg: ConsumeMessage, why: string): Promise<void> {
    this.log.error(`${why}; returning the message to ${this.consumer.queue}`);
    if (!this.closing) await new Promise((r) => setTimeout(r, 500).unref?.());
    this.settle(channel, msg, 'requeue');
  }

  private settle(channel: ConfirmChannel, msg: ConsumeMessage, how: 'ack' | 'requeue'): void {
    try {
      if (how === 'ack') channel.ack(msg);
      else channel.nack(msg, false, true);
    } catch (err) {
      // The channel is gone: the broker redelivers the message on the next channel (at-least-once).
      this.log.warn(`could not ${how} a message on a closed channel (${errorMessage(err)}); the broker will redeliver it`);
    }
  }

  /** Registers a listener on the connection manager (`connect`, `disconnect`, `connectFailed`, `blocked`, …). */
  on<EventKey extends string = string, EventCallback = (...args: unknown[]) => void>(event: EventKey, callback: EventCallback): void {
    const listener = callback as unknown as (...args: unknown[]) => void;
    if (this.connection) this.connection.on(event, listener);
    else this.pendingListeners.push([event, listener]);
  }

  /** The underlying amqp-connection-manager connection. */
  unwrap<T>(): T {
    if (!this.connection) throw new Error('RabbitMqServer is not listening; call listen() first');
    return this.connection as T;
  }

  /** Number of handlers currently running. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /**
   * Stops consuming, waits (bounded by `closeTimeoutMs`) for in-flight handlers to settle their messages,
   * then closes channel and connection. Unsettled messages are redelivered by the broker.
   */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    for (const [channel, tag] of this.consumerTags) {
      await withTimeout(channel.cancel(tag), 2000, 'cancel timed out').catch(() => undefined);
    }
    this.consumerTags.clear();
    if (this.inFlight.size > 0) {
      const limit = this.options.closeTimeoutMs ?? 10_000;
      await withTimeout(Promise.allSettled([...this.inFlight]), limit, '').catch(() =>
        this.log.warn(`${this.inFlight.size} handler(s) still running after ${limit} ms; closing anyway (their messages will be redelivered)`),
      );
    }
    await this.channelWrapper?.close().catch(() => undefined);
    await this.connection?.close().catch(() => undefined);
    this.channelWrapper = undefined;
    this.connection = undefined;
  }
}
