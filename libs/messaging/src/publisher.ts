import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import { ContractViolationError, EventEnvelope, findContract, isCreatedEnvelope, validateEnvelope } from '@rcp/contracts';
import { DEFAULT_CONFIRM_TIMEOUT_MS } from './constants';
import { connectBroker, withTimeout } from './connection';
import { MessagingLogger, defaultLogger, errorMessage } from './logger';
import { envelopeHeaders, envelopeProperties } from './message-properties';
import { MessagingObserver, notify } from './observer';
import { resolveTopology } from './topology';
import { traceContextHeaders, withHeadersTraceContext } from './trace-context';

/** Options of {@link EventPublisher}. */
export interface EventPublisherOptions {
  /** Broker URL (never logged unredacted). */
  url: string;
  /** Topic exchange; default `rakuten.payments`. */
  exchange?: string;
  /** Test isolation prefix (same as the consumers'). */
  namePrefix?: string;
  /** Reject a publish that is not confirmed within this time (ms); default 5000. */
  confirmTimeoutMs?: number;
  /** `connection_name` client property; default `publisher`. */
  connectionName?: string;
  /**
   * AMQP `app-id` of every message published (the publishing service, e.g. `order-service`): consumers and operators
   * see who published a message without parsing it, and a service recognises its own events. Default: none.
   */
  appId?: string;
  observer?: MessagingObserver;
  logger?: MessagingLogger;
}

/** Per-call publish options. */
export interface PublishOptions {
  /** Ask the broker to return unroutable messages (they are logged as warnings). Default false. */
  mandatory?: boolean;
  /** Overrides `confirmTimeoutMs` for this call. */
  timeoutMs?: number;
}

/** An event ready to go on the wire: what the outbox relay stores and republishes. */
export interface PreparedEvent {
  envelope: EventEnvelope;
  routingKey: string;
  headers: Record<string, unknown>;
}

/**
 * Validates an envelope against its contract and computes routing key and headers. An envelope made by
 * `createEnvelope` was validated whole then and is not validated again.
 * @throws ContractViolationError when the envelope or its payload breaks the contract
 */
export function prepareEvent(envelope: EventEnvelope): PreparedEvent {
  const trusted = isCreatedEnvelope(envelope) ? findContract(envelope.type, envelope.version) : undefined;
  if (trusted) return { envelope, routingKey: trusted.routingKey, headers: envelopeHeaders(envelope) };
  const check = validateEnvelope(envelope);
  if (!check.ok) throw new ContractViolationError(String((envelope as { type?: unknown })?.type ?? 'event'), `${check.code}: ${check.reason}`);
  return { envelope, routingKey: check.contract.routingKey, headers: envelopeHeaders(envelope) };
}

/**
 * Publishes events to the topic exchange on a confirm channel. A publish resolves only once the broker has
 * confirmed every message, and rejects on a nack or after `confirmTimeoutMs` (the underlying
 * amqp-connection-manager would otherwise buffer in memory forever while disconnected).
 * Prefer the outbox for events that accompany a state change.
 */
@Injectable()
export class EventPublisher implements OnApplicationShutdown {
  private readonly connection: AmqpConnectionManager;
  private readonly channel: ChannelWrapper;
  private readonly exchange: string;
  private readonly confirmTimeoutMs: number;
  private readonly logger: MessagingLogger;
  private closed = false;

  constructor(private readonly options: EventPublisherOptions) {
    this.logger = options.logger ?? defaultLogger('EventPublisher');
    const topology = resolveTopology({ exchange: options.exchange, namePrefix: options.namePrefix });
    this.exchange = topology.exchange;
    this.confirmTimeoutMs = options.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS;
    this.connection = connectBroker({ url: options.url, connectionName: options.connectionName ?? 'publisher', logger: this.logger });
    this.channel = this.connection.createChannel({
      name: 'publisher',
      confirm: true,
      publishTimeout: this.confirmTimeoutMs,
      setup: async (channel: ConfirmChannel) => {
        channel.on('return', (msg) =>
          this.logger.warn(`unroutable event ${String(msg.properties.type)} ${String(msg.properties.messageId)} returned by the broker (key ${msg.fields.routingKey})`),
        );
        await channel.assertExchange(topology.exchange, 'topic', topology.exchangeOptions);
      },
    });
    this.channel.on('error', (err: unknown) => this.logger.error(`publisher channel setup failed: ${errorMessage(err)}`));
  }

  /** The resolved exchange name (prefixed in tests). */
  get exchangeName(): string {
    return this.exchange;
  }

  /**
   * Publishes one or several events (pipelined) and resolves when the broker confirmed all of them.
   * @throws ContractViolationError before sending anything if an envelope breaks its contract
   * @throws Error on a broker nack or when the confirm does not arrive within the timeout
   */
  async publish(envelopes: EventEnvelope | readonly EventEnvelope[], opts: PublishOptions = {}): Promise<void> {
    const list = Array.isArray(envelopes) ? envelopes : [envelopes as EventEnvelope];
    const trace = traceContextHeaders();
    const prepared = list.map((e) => {
      const p = prepareEvent(e);
      return { ...p, headers: { ...p.headers, ...trace } };
    });
    const results = await this.publishPrepared(prepared, opts);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Publishes already validated events (the outbox relay's path) and reports each outcome separately,
   * in input order. Never throws. Each message goes out in the trace context stored in its `traceparent`
   * header (if any), so instrumented publishes continue the trace that wrote the outbox row.
   */
  async publishPrepared(events: readonly PreparedEvent[], opts: PublishOptions = {}): Promise<PromiseSettledResult<void>[]> {
    const timeout = opts.timeoutMs ?? this.confirmTimeoutMs;
    return Promise.allSettled(
      events.map(async ({ envelope, routingKey, headers }) => {
        if (this.closed) throw new Error('EventPublisher is closed');
        const props = envelopeProperties(envelope, headers);
        if (this.options.appId) props.appId = this.options.appId;
        const body = Buffer.from(JSON.stringify(envelope));
        const sent = withHeadersTraceContext(headers, () =>
          this.channel.publish(this.exchange, routingKey, body, { ...props, mandatory: opts.mandatory ?? false, timeout }),
        );
        await withTimeout(sent, timeout + 250, `no broker confirm for ${envelope.type} ${envelope.id} within ${timeout} ms`);
        notify(this.options.observer, 'onPublished', envelope.type);
      }),
    );
  }

  /** True while the broker connection is up (for readiness checks). */
  isConnected(): boolean {
    return !this.closed && this.connection.isConnected();
  }

  /** Resolves once the channel is connected (useful at startup and in tests). */
  async waitForConnect(timeoutMs = 10_000): Promise<void> {
    await withTimeout(this.channel.waitForConnect(), timeoutMs, `RabbitMQ not reachable within ${timeoutMs} ms`);
  }

  /** Closes the channel and connection. Pending publishes are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.channel.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }

  /** Nest hook: closes on shutdown (after the outbox relay flushed in `beforeApplicationShutdown`). */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
