/** Default durable topic exchange that carries every event. */
export const DEFAULT_EXCHANGE = 'rakuten.payments';
/** Default `x-delivery-limit` of consumer queues (broker-side safety net against crash loops). */
export const DEFAULT_DELIVERY_LIMIT = 20;
/** Default retry tier delays of a consumer (ms). */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = Object.freeze([1000, 10_000, 60_000]);
/** Default number of handler attempts before a message is parked. */
export const DEFAULT_MAX_ATTEMPTS = 5;
/** Default consumer prefetch. */
export const DEFAULT_PREFETCH = 32;
/** Default publisher confirm timeout (ms). */
export const DEFAULT_CONFIRM_TIMEOUT_MS = 5000;
/** `x-expires` given to every queue when a `namePrefix` is set (tests): leftovers vanish after 10 minutes. */
export const PREFIXED_QUEUE_EXPIRES_MS = 10 * 60 * 1000;

/** AMQP header names used by this library. */
export const HEADERS = Object.freeze({
  eventVersion: 'x-event-version',
  shopId: 'x-shop-id',
  causationId: 'x-causation-id',
  attempt: 'x-attempt',
  retryHistory: 'x-retry-history',
  parkedReason: 'x-parked-reason',
  rejectionCode: 'x-rejection-code',
  originalQueue: 'x-original-queue',
  parkedAt: 'x-parked-at',
  replayedAt: 'x-replayed-at',
});
