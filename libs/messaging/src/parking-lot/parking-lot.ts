import * as amqplib from 'amqplib';
import type { Channel, ConfirmChannel, GetMessage, Options } from 'amqplib';
import { HEADERS } from '../constants';
import { withTimeout } from '../connection';
import { intHeader, stringHeader } from '../message-properties';
import { RetryHistoryEntry, parseRetryHistory } from '../consumer/retry-policy';

/** Options of {@link ParkingLot}. */
export interface ParkingLotOptions {
  url: string;
  /** `connection_name` client property; default `parking-lot`. */
  connectionName?: string;
  /** Confirm timeout of replays (ms); default 5000. */
  confirmTimeoutMs?: number;
}

/** A parked message as shown by `list` / `inspect`. */
export interface ParkedMessage {
  messageId?: string;
  type?: string;
  correlationId?: string;
  /** `x-rejection-code` (e.g. `invalid-payload`, `max-attempts`, `non-retryable`, `no-handler`) or `delivery-limit`. */
  code?: string;
  reason?: string;
  /** Queue a replay sends the message back to. */
  originalQueue: string;
  parkedAt?: string;
  attempt?: number;
  history: RetryHistoryEntry[];
  headers: Record<string, unknown>;
  /** Parsed JSON body, or the raw text (first 4 KiB) when it is not JSON. */
  body: unknown;
}

/** What to replay: selected message ids, or everything. */
export type ReplaySelection = { messageIds: readonly string[]; all?: false } | { all: true; messageIds?: undefined };

/** Outcome of a replay. */
export interface ReplayResult {
  /** Ids (or `<no id>`) republished to their original queue and removed from the parking lot. */
  replayed: string[];
  /** Requested ids that were not found in the parking lot. */
  notFound: string[];
  /** Messages that could not be republished (left in the parking lot), with the reason. */
  failed: { messageId: string; error: string }[];
}

const TRANSPORT_HEADERS = [
  HEADERS.attempt,
  HEADERS.retryHistory,
  HEADERS.parkedReason,
  HEADERS.rejectionCode,
  HEADERS.originalQueue,
  HEADERS.parkedAt,
  HEADERS.replayedAt,
  'x-death',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-first-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
  'x-last-death-exchange',
  'x-delivery-count',
];

/** The parking-lot queue for `queue`: `queue` itself when it already ends in `.dlq`. */
export function parkingLotQueueOf(queue: string): string {
  return queue.endsWith('.dlq') ? queue : `${queue}.dlq`;
}

/** Headers of a replayed copy: transport bookkeeping removed, `x-replayed-at` added. */
export function replayHeaders(headers: Record<string, unknown> | undefined, now = new Date()): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (!TRANSPORT_HEADERS.includes(k)) out[k] = v;
  out[HEADERS.replayedAt] = now.toISOString();
  return out;
}

/** Reads a parked AMQP message into a {@link ParkedMessage}. */
export function describeParked(msg: Pick<GetMessage, 'content' | 'properties'>, dlq: string): ParkedMessage {
  const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
  const text = msg.content.toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text.slice(0, 4096);
  }
  const bodyId = typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : undefined;
  const firstDeathReason = stringHeader(headers, 'x-first-death-reason');
  return {
    messageId: msg.properties.messageId ?? (typeof bodyId === 'string' ? bodyId : undefined),
    type: msg.properties.type,
    correlationId: msg.properties.correlationId,
    code: stringHeader(headers, HEADERS.rejectionCode) ?? (firstDeathReason === 'delivery_limit' ? 'delivery-limit' : firstDeathReason),
    reason: stringHeader(headers, HEADERS.parkedReason),
    originalQueue: stringHeader(headers, HEADERS.originalQueue) ?? stringHeader(headers, 'x-first-death-queue') ?? dlq.replace(/\.dlq$/, ''),
    parkedAt: stringHeader(headers, HEADERS.parkedAt),
    attempt: headers[HEADERS.attempt] === undefined ? undefined : intHeader(headers, HEADERS.attempt, 1),
    history: parseRetryHistory(headers[HEADERS.retryHistory]),
    headers,
    body,
  };
}

/**
 * Operator tool for parking lots (`<queue>.dlq`): list and inspect without losing messages (they are read
 * unacknowledged and returned), replay to the original queue, purge. Works without Nest.
 */
export class ParkingLot {
  private connection?: amqplib.ChannelModel;

  constructor(private readonly options: ParkingLotOptions) {}

  private async connect(): Promise<amqplib.ChannelModel> {
    if (!this.connection) {
      const connection = await amqplib.connect(this.options.url, {
        clientProperties: { connection_name: this.options.connectionName ?? 'parking-lot' },
        timeout: 10_000,
      });
      connection.on('error', () => undefined);
      connection.on('close', () => {
        if (this.connection === connection) this.connection = undefined;
      });
      this.connection = connection;
    }
    return this.connection;
  }

  private async withChannel<T>(confirm: boolean, work: (ch: Channel | ConfirmChannel) => Promise<T>): Promise<T> {
    const connection = await this.connect();
    const channel = confirm ? await connection.createConfirmChannel() : await connection.createChannel();
    channel.on('error', () => undefined);
    try {
      return await work(channel);
    } finally {
      await channel.close().catch(() => undefined); // returns every unacked message to the queue
    }
  }

  /** Up to `limit` parked messages of `queue` (consumer queue or its `.dlq`), oldest first; nothing is removed. */
  async list(queue: string, limit = 50): Promise<ParkedMessage[]> {
    const dlq = parkingLotQueueOf(queue);
    const out = await this.withChannel(false, async (ch) => {
      const { messageCount } = await ch.checkQueue(dlq);
      const read: ParkedMessage[] = [];
      for (let i = 0; i < Math.min(limit, messageCount); i++) {
        const msg = await ch.get(dlq, { noAck: false });
        if (!msg) break;
        read.push(describeParked(msg, dlq));
      }
      return read;
    });
    await this.waitUntilReturned(dlq, out.length);
    return out;
  }

  /**
   * Messages read unacknowledged go back to the queue when the channel closes, but the broker does that
   * asynchronously: wait (bounded) until they are ready again, so the next call sees them.
   */
  private async waitUntilReturned(dlq: string, atLeast: number, timeoutMs = 3000): Promise<void> {
    if (atLeast === 0) return;
    const deadline = Date.now() + timeoutMs;
    await this.withChannel(false, async (ch) => {
      while ((await ch.checkQueue(dlq)).messageCount < atLeast && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
    });
  }

  /** The parked message with this id, or undefined. */
  async inspect(queue: string, messageId: string): Promise<ParkedMessage | undefined> {
    const all = await this.list(queue, Number.MAX_SAFE_INTEGER);
    return all.find((m) => m.messageId === messageId);
  }

  /**
   * Republishes selected parked messages to their original consumer queue (default exchange, routing key =
   * `x-original-queue`), with attempt counters and retry history reset and `x-replayed-at` set. Each original is
   * removed from the parking lot only after the broker confirmed (and routed) its copy.
   */
  async replay(queue: string, selection: ReplaySelection): Promise<ReplayResult> {
    const dlq = parkingLotQueueOf(queue);
    const wanted = new Set(selection.all ? [] : selection.messageIds);
    const result: ReplayResult = { replayed: [], notFound: [], failed: [] };
    const timeout = this.options.confirmTimeoutMs ?? 5000;
    let kept = 0;
    await this.withChannel(true, async (channel) => {
      const ch = channel as ConfirmChannel;
      const returned = new Set<string>();
      ch.on('return', (m) => returned.add(String(m.properties.messageId)));
      const { messageCount } = await ch.checkQueue(dlq);
      const found = new Set<string>();
      for (let i = 0; i < messageCount; i++) {
        const msg = await ch.get(dlq, { noAck: false });
        if (!msg) break;
        kept++;
        const parked = describeParked(msg, dlq);
        const id = parked.messageId ?? '<no id>';
        if (!selection.all && !wanted.has(id)) continue;
        found.add(id);
        try {
          const p = msg.properties;
          const options: Options.Publish = {
            persistent: true,
            mandatory: true,
            messageId: p.messageId,
            type: p.type,
            timestamp: p.timestamp,
            correlationId: p.correlationId,
            appId: p.appId, // who published it: an order-service echo stays recognisable as one
            contentType: p.contentType,
            contentEncoding: p.contentEncoding,
            headers: replayHeaders(p.headers),
          };
          await withTimeout(
            new Promise<void>((resolve, reject) =>
              ch.publish('', parked.originalQueue, msg.content, options, (err) => (err ? reject(new Error('broker nacked the copy')) : resolve())),
            ),
            timeout,
            `no confirm within ${timeout} ms`,
          );
          if (returned.has(String(p.messageId))) throw new Error(`queue ${parked.originalQueue} does not exist (message returned)`);
          ch.ack(msg);
          kept--;
          result.replayed.push(id);
        } catch (err) {
          result.failed.push({ messageId: id, error: (err as Error).message });
        }
      }
      if (!selection.all) result.notFound = [...wanted].filter((id) => !found.has(id));
    });
    await this.waitUntilReturned(dlq, kept);
    return result;
  }

  /** Deletes every message of the parking lot; returns how many. */
  async purge(queue: string): Promise<number> {
    const dlq = parkingLotQueueOf(queue);
    return this.withChannel(false, async (ch) => (await ch.purgeQueue(dlq)).messageCount);
  }

  /** Closes the broker connection. */
  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close().catch(() => undefined);
  }
}
