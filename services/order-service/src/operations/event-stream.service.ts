import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage } from 'amqplib';
import { Observable, Subject } from 'rxjs';
import { connectBroker, resolveTopology } from '@rcp/messaging';
import { ORDER_ENV, OrderEnv } from '../config/env';

/** One event as the live stream shows it: identification only, never the payload (no amounts, no secrets). */
export interface StreamItem {
  id: string | null;
  type: string | null;
  routingKey: string;
  shopId: string | null;
  orderNumber: string | null;
  occurredAt: string | null;
  correlationId: string | null;
}

const str = (v: unknown, max = 200): string | null => (typeof v === 'string' && v.length > 0 ? v.slice(0, max) : null);

/** The stream item of a broker message: envelope metadata plus `data.orderNumber`, nothing else of the payload. */
export function toStreamItem(routingKey: string, content: Buffer, properties: { type?: string; messageId?: string; headers?: Record<string, unknown> } = {}): StreamItem {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(content.toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    // not JSON: only the routing key and the AMQP properties are shown
  }
  const data = body.data && typeof body.data === 'object' ? (body.data as Record<string, unknown>) : {};
  return {
    id: str(body.id) ?? str(properties.messageId),
    type: str(body.type) ?? str(properties.type),
    routingKey: routingKey.slice(0, 255),
    shopId: str(body.shopId, 64) ?? str(properties.headers?.['x-shop-id'], 64),
    orderNumber: str(data.orderNumber, 32),
    occurredAt: str(body.occurredAt, 40),
    correlationId: str(body.correlationId, 128),
  };
}

/**
 * Fans the exchange's events out to connected browsers. While at least one subscriber is connected the process holds
 * an exclusive, auto-delete, non-durable queue bound to `#` (consumed without acks); it is closed a few seconds after
 * the last subscriber leaves, so an idle service holds no extra queue.
 */
@Injectable()
export class EventStreamService implements OnApplicationShutdown {
  private readonly logger = new Logger(EventStreamService.name);
  private readonly subject = new Subject<StreamItem>();
  private subscribers = 0;
  private connection?: AmqpConnectionManager;
  private channel?: ChannelWrapper;
  private idleTimer?: NodeJS.Timeout;
  private connected = false;

  constructor(@Inject(ORDER_ENV) private readonly env: OrderEnv) {}

  /** True while the tap queue is consuming. */
  get live(): boolean {
    return this.connected;
  }

  /** Every event on the exchange from now on. Subscribing starts the tap; the last unsubscribe stops it. */
  events(): Observable<StreamItem> {
    return new Observable<StreamItem>((subscriber) => {
      this.subscribers++;
      this.start();
      const sub = this.subject.subscribe(subscriber);
      return () => {
        sub.unsubscribe();
        this.subscribers--;
        if (this.subscribers === 0) {
          clearTimeout(this.idleTimer);
          this.idleTimer = setTimeout(() => void this.stop(), 5000);
          this.idleTimer.unref();
        }
      };
    });
  }

  private start(): void {
    clearTimeout(this.idleTimer);
    if (this.connection) return;
    const topology = resolveTopology({ exchange: this.env.EXCHANGE, namePrefix: this.env.MESSAGING_NAME_PREFIX || undefined });
    this.connection = connectBroker({ url: this.env.RABBITMQ_URL, connectionName: 'order-service-event-stream', logger: this.logger });
    this.channel = this.connection.createChannel({
      json: false,
      setup: async (ch: Channel) => {
        await ch.assertExchange(topology.exchange, 'topic', topology.exchangeOptions);
        const q = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false, arguments: { 'x-max-length': 10_000 } });
        await ch.bindQueue(q.queue, topology.exchange, '#');
        await ch.consume(q.queue, (msg: ConsumeMessage | null) => {
          if (msg) this.subject.next(toStreamItem(msg.fields.routingKey, msg.content, msg.properties));
        }, { noAck: true });
        this.connected = true;
      },
    });
    this.connection.on('disconnect', () => (this.connected = false));
  }

  private async stop(): Promise<void> {
    if (this.subscribers > 0) return;
    const channel = this.channel;
    const connection = this.connection;
    this.channel = undefined;
    this.connection = undefined;
    this.connected = false;
    await channel?.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.idleTimer);
    this.subject.complete();
    this.subscribers = 0;
    await this.stop();
  }
}
