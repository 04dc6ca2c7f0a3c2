/** Names of every metric this library defines (a Grafana dashboard depends on them — do not rename). */
export const METRIC_NAMES = Object.freeze({
  httpRequestDuration: 'http_request_duration_seconds',
  messagesConsumed: 'rcp_messages_consumed_total',
  messagesPublished: 'rcp_messages_published_total',
  parkingLotDepth: 'rcp_parking_lot_depth',
  outboxLag: 'rcp_outbox_lag_seconds',
  outboxPending: 'rcp_outbox_pending',
  cardApiRequestDuration: 'rcp_card_api_request_duration_seconds',
  cardApiBatchSize: 'rcp_card_api_batch_size',
  paymentOperationsInFlight: 'rcp_payment_operations_in_flight',
  paymentOperationsStuck: 'rcp_payment_operations_stuck',
  authExpiring: 'rcp_auth_expiring',
  circuitBreakerState: 'rcp_circuit_breaker_state',
  batchLinger: 'rcp_batch_linger_ms',
  batchFlushSize: 'rcp_batch_flush_size',
  retries: 'rcp_retries_total',
});

/** How a consumed message ended (same values as `@rcp/messaging`'s `ConsumeOutcome`). */
export type MessageOutcome = 'ack' | 'retry' | 'parked';

/** Circuit breaker states and their gauge values (0 closed, 1 half-open, 2 open). */
export const CIRCUIT_STATE_VALUES = Object.freeze({ closed: 0, 'half-open': 1, open: 2 } as const);

/** A circuit breaker state name. */
export type CircuitState = keyof typeof CIRCUIT_STATE_VALUES;

/** Buckets (seconds) of `http_request_duration_seconds`. */
export const HTTP_DURATION_BUCKETS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
/** Buckets (seconds) of `rcp_card_api_request_duration_seconds` (card API calls are slow and have long timeouts). */
export const CARD_API_DURATION_BUCKETS: readonly number[] = Object.freeze([0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60]);
/** Buckets of `rcp_card_api_batch_size`. */
export const BATCH_SIZE_BUCKETS: readonly number[] = Object.freeze([1, 2, 5, 10, 25, 50, 100, 250, 500, 1000]);
