import { Inject, Injectable, NotFoundException, OnApplicationShutdown } from '@nestjs/common';
import * as amqplib from 'amqplib';
import { ParkedMessage, ParkingLot, ReplayResult, ReplaySelection, prefixed } from '@rcp/messaging';
import { ORDER_ENV, OrderEnv } from '../config/env';

/** Consumer queues whose parking lots the console shows (logical names; the name prefix is applied). */
export const PARKING_LOT_QUEUES = ['order-service', 'payment-gateway', 'notification-service'] as const;

/** What the API shows of a parked message: identification and why it was parked — never the body. */
export interface ParkedSummary {
  messageId: string | null;
  type: string | null;
  code: string | null;
  reason: string | null;
  parkedAt: string | null;
  attempt: number | null;
  correlationId: string | null;
  shopId: string | null;
  orderNumber: string | null;
  originalQueue: string;
}

export interface ParkingLotView {
  /** Logical name, e.g. `order-service.dlq`. */
  queue: string;
  /** Broker name (with the name prefix, if any). */
  brokerQueue: string;
  exists: boolean;
  depth: number;
  messages: ParkedSummary[];
  error?: string;
}

function summarize(m: ParkedMessage): ParkedSummary {
  const body = (typeof m.body === 'object' && m.body !== null ? m.body : {}) as { shopId?: unknown; data?: { orderNumber?: unknown } };
  const headerShop = m.headers['x-shop-id'];
  const shopId = typeof headerShop === 'string' ? headerShop : typeof body.shopId === 'string' ? body.shopId : null;
  const orderNumber = typeof body.data?.orderNumber === 'string' ? body.data.orderNumber : null;
  return {
    messageId: m.messageId ?? null,
    type: m.type ?? null,
    code: m.code ?? null,
    reason: m.reason ? m.reason.slice(0, 500) : null,
    parkedAt: m.parkedAt ?? null,
    attempt: m.attempt ?? null,
    correlationId: m.correlationId ?? null,
    shopId,
    orderNumber,
    originalQueue: m.originalQueue,
  };
}

/** Reads and replays the parking lots (`<queue>.dlq`) of the system's consumers through {@link ParkingLot}. */
@Injectable()
export class ParkingLotsService implements OnApplicationShutdown {
  private lot?: ParkingLot;
  private connection?: Promise<amqplib.ChannelModel>;

  constructor(@Inject(ORDER_ENV) private readonly env: OrderEnv) {}

  /** Logical queue name (`order-service`, `order-service.dlq`, …) → broker name of its parking lot; 404 when unknown. */
  resolve(queue: string): { queue: string; brokerQueue: string } {
    const base = queue.replace(/\.dlq$/, '');
    if (!(PARKING_LOT_QUEUES as readonly string[]).includes(base)) {
      throw new NotFoundException(`unknown parking lot ${queue}; known: ${PARKING_LOT_QUEUES.map((q) => `${q}.dlq`).join(', ')}`);
    }
    const consumer = base === 'order-service' ? this.env.ORDER_QUEUE : base;
    return { queue: `${base}.dlq`, brokerQueue: `${prefixed(consumer, this.env.MESSAGING_NAME_PREFIX || undefined)}.dlq` };
  }

  private parkingLot(): ParkingLot {
    this.lot ??= new ParkingLot({ url: this.env.RABBITMQ_URL, connectionName: 'order-service-console' });
    return this.lot;
  }

  private async depth(brokerQueue: string): Promise<number | undefined> {
    this.connection ??= amqplib.connect(this.env.RABBITMQ_URL, { clientProperties: { connection_name: 'order-service-console-depth' }, timeout: 10_000 }).then((c) => {
      c.on('error', () => undefined);
      c.on('close', () => (this.connection = undefined));
      return c;
    });
    let conn: amqplib.ChannelModel;
    try {
      conn = await this.connection;
    } catch (err) {
      this.connection = undefined;
      throw err;
    }
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    try {
      return (await ch.checkQueue(brokerQueue)).messageCount;
    } catch {
      return undefined; // 404: the queue was never declared (its service has not run against this broker)
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  /** Depth and the first `limit` messages of one parking lot, restricted to `shops` when given. */
  async view(queue: string, limit: number, shops?: string[]): Promise<ParkingLotView> {
    const { queue: name, brokerQueue } = this.resolve(queue);
    try {
      const depth = await this.depth(brokerQueue);
      if (depth === undefined) return { queue: name, brokerQueue, exists: false, depth: 0, messages: [] };
      const messages = depth === 0 ? [] : (await this.parkingLot().list(brokerQueue, limit)).map(summarize);
      return { queue: name, brokerQueue, exists: true, depth, messages: shops ? messages.filter((m) => m.shopId !== null && shops.includes(m.shopId)) : messages };
    } catch (err) {
      return { queue: name, brokerQueue, exists: false, depth: 0, messages: [], error: `broker: ${(err as Error).message.split(this.env.RABBITMQ_URL).join('<broker>')}` };
    }
  }

  async all(limit: number, shops?: string[]): Promise<ParkingLotView[]> {
    const views: ParkingLotView[] = [];
    for (const q of PARKING_LOT_QUEUES) views.push(await this.view(q, limit, shops));
    return views;
  }

  async replay(queue: string, selection: ReplaySelection): Promise<ReplayResult & { queue: string }> {
    const { queue: name, brokerQueue } = this.resolve(queue);
    const result = await this.parkingLot().replay(brokerQueue, selection);
    return { queue: name, ...result };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.lot?.close();
    const c = this.connection;
    this.connection = undefined;
    await c?.then((x) => x.close()).catch(() => undefined);
  }
}
