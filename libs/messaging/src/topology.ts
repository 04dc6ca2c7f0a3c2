import type { Options } from 'amqplib';
import { DEFAULT_DELIVERY_LIMIT, DEFAULT_EXCHANGE, DEFAULT_RETRY_DELAYS_MS, PREFIXED_QUEUE_EXPIRES_MS } from './constants';

/** The subset of an amqplib channel that declaring topology needs. */
export interface TopologyChannel {
  assertExchange(exchange: string, type: string, options?: Options.AssertExchange): Promise<unknown>;
  assertQueue(queue: string, options?: Options.AssertQueue): Promise<unknown>;
  bindQueue(queue: string, source: string, pattern: string): Promise<unknown>;
}

/** Options of {@link declareTopology} / {@link resolveTopology}. */
export interface TopologyOptions {
  /** Topic exchange name; default `rakuten.payments`. */
  exchange?: string;
  /** Test isolation: prefixes the exchange and every queue (`<prefix>.<name>`) and gives queues `x-expires`. */
  namePrefix?: string;
  /** Consumer queue name (before prefixing). Omit to declare only the exchange (publishers). */
  queue?: string;
  /** Routing-key patterns bound to the consumer queue, e.g. `payment.*.requested` or `#`. */
  bindings?: readonly string[];
  /** One retry tier per delay (ms); default [1000, 10000, 60000]. */
  retryDelaysMs?: readonly number[];
  /** `x-delivery-limit` of the consumer queue; default 20. */
  deliveryLimit?: number;
  /** Jitter queues per retry tier (including the base one); default 3. 1 disables jitter. */
  retryJitterQueues?: number;
  /** The slowest jitter queue of a tier waits `delay * (1 + retryJitterRatio)`; default 0.3. */
  retryJitterRatio?: number;
}

/** One delay queue of a retry tier. */
export interface RetryQueue {
  name: string;
  ttlMs: number;
}

/** A retry tier: one base queue plus its jitter variants. */
export interface RetryTier {
  /** 1-based tier number. */
  tier: number;
  delayMs: number;
  queues: RetryQueue[];
}

/** Resolved names and arguments of a consumer's topology. */
export interface ResolvedTopology {
  exchange: string;
  exchangeOptions: Options.AssertExchange;
  /** Present when `queue` was given. */
  consumer?: {
    queue: string;
    dlq: string;
    bindings: readonly string[];
    retryTiers: RetryTier[];
    queueArguments: Record<string, unknown>;
    dlqArguments: Record<string, unknown>;
    retryArguments(ttlMs: number): Record<string, unknown>;
  };
}

/** Applies the test name prefix, if any. */
export function prefixed(name: string, namePrefix?: string): string {
  return namePrefix ? `${namePrefix}.${name}` : name;
}

/** Name of the parking-lot queue of consumer queue `queue` (already prefixed). */
export function parkingLotName(queue: string): string {
  return `${queue}.dlq`;
}

/**
 * Retry tiers of a queue. Tier `n` (1-based) has a base queue `Q.retry.n` with TTL = delay, and
 * `jitterQueues - 1` variants `Q.retry.n.j1`, `Q.retry.n.j2`, … with TTLs spread evenly up to
 * `delay * (1 + jitterRatio)`. A retry picks one queue of its tier at random: that is the jitter.
 */
export function buildRetryTiers(queue: string, delaysMs: readonly number[], jitterQueues = 3, jitterRatio = 0.3): RetryTier[] {
  const variants = Math.max(1, Math.floor(jitterQueues));
  return delaysMs.map((delay, i) => {
    const tier = i + 1;
    const base = `${queue}.retry.${tier}`;
    const queues: RetryQueue[] = [{ name: base, ttlMs: Math.round(delay) }];
    for (let j = 1; j < variants; j++) {
      queues.push({ name: `${base}.j${j}`, ttlMs: Math.round(delay * (1 + (jitterRatio * j) / (variants - 1))) });
    }
    return { tier, delayMs: delay, queues };
  });
}

/** Computes every name and argument of the topology without touching the broker. */
export function resolveTopology(options: TopologyOptions): ResolvedTopology {
  const { namePrefix } = options;
  const expires = namePrefix ? { 'x-expires': PREFIXED_QUEUE_EXPIRES_MS } : {};
  const exchange = prefixed(options.exchange ?? DEFAULT_EXCHANGE, namePrefix);
  const exchangeOptions: Options.AssertExchange = { durable: true, autoDelete: Boolean(namePrefix) };
  if (!options.queue) return { exchange, exchangeOptions };

  const queue = prefixed(options.queue, namePrefix);
  const dlq = parkingLotName(queue);
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  if (delays.length === 0 || delays.some((d) => !Number.isFinite(d) || d <= 0)) {
    throw new Error(`retryDelaysMs must be a non-empty list of positive numbers, got [${delays.join(', ')}]`);
  }
  const quorum = { 'x-queue-type': 'quorum', ...expires };
  return {
    exchange,
    exchangeOptions,
    consumer: {
      queue,
      dlq,
      bindings: options.bindings ?? [],
      retryTiers: buildRetryTiers(queue, delays, options.retryJitterQueues, options.retryJitterRatio),
      queueArguments: {
        ...quorum,
        'x-delivery-limit': options.deliveryLimit ?? DEFAULT_DELIVERY_LIMIT,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': dlq,
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      },
      dlqArguments: { ...quorum },
      retryArguments: (ttlMs: number) => ({
        ...quorum,
        'x-message-ttl': ttlMs,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': queue,
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      }),
    },
  };
}

/**
 * Declares (idempotently) the topic exchange and, when `options.queue` is set, the consumer's quorum queue,
 * its bindings, retry tiers and parking lot. Safe to call on every (re)connect.
 * @returns the resolved names, e.g. to publish retries to the right tier
 */
export async function declareTopology(channel: TopologyChannel, options: TopologyOptions): Promise<ResolvedTopology> {
  const topology = resolveTopology(options);
  await channel.assertExchange(topology.exchange, 'topic', topology.exchangeOptions);
  const consumer = topology.consumer;
  if (!consumer) return topology;
  await channel.assertQueue(consumer.dlq, { durable: true, arguments: consumer.dlqArguments });
  await channel.assertQueue(consumer.queue, { durable: true, arguments: consumer.queueArguments });
  for (const tier of consumer.retryTiers) {
    for (const q of tier.queues) {
      await channel.assertQueue(q.name, { durable: true, arguments: consumer.retryArguments(q.ttlMs) });
    }
  }
  for (const pattern of consumer.bindings) {
    await channel.bindQueue(consumer.queue, topology.exchange, pattern);
  }
  return topology;
}

/**
 * Deletes the queues {@link declareTopology} declares for a **prefixed** (test, benchmark) consumer — its queue, parking
 * lot and retry tiers — once the run is over, instead of leaving them to `x-expires`: a quorum queue holds ≈ 3 of the
 * broker's file handles until it is gone, so back-to-back runs would otherwise pile them up. Refuses an unprefixed
 * (production) topology. Queues that do not exist are skipped (the broker treats deleting them as a no-op).
 * @returns the names it deleted
 */
export async function deletePrefixedTopology(channel: { deleteQueue(queue: string): Promise<unknown> }, options: TopologyOptions): Promise<string[]> {
  if (!options.namePrefix) throw new Error('deletePrefixedTopology only deletes prefixed (test) topologies');
  const consumer = resolveTopology(options).consumer;
  if (!consumer) return [];
  const names = [consumer.queue, consumer.dlq, ...consumer.retryTiers.flatMap((t) => t.queues.map((q) => q.name))];
  for (const name of names) await channel.deleteQueue(name);
  return names;
}
