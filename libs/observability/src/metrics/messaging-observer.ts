import type { MessagingObserver } from '@rcp/messaging';
import type { Metrics } from './metrics';

/** Options of {@link messagingObserver}. */
export interface MessagingObserverOptions {
  /** Consumer queue used as the `queue` label of consumed/retry metrics (the observer hooks do not carry it). */
  queue?: string;
}

/**
 * Adapts {@link Metrics} to `@rcp/messaging`'s `MessagingObserver` (pass it as the `observer` option of
 * `MessagingModule.forRoot` and of `RabbitMqServer`):
 * - `onConsumed(type, outcome)` → `rcp_messages_consumed_total` (and `rcp_retries_total` for `retry`)
 * - `onPublished(type)` → `rcp_messages_published_total`
 * - `onParked(dlq)` → `rcp_parking_lot_depth{queue=dlq}` + 1
 * - `onParkingLotDepth(dlq, n)` → `rcp_parking_lot_depth{queue=dlq}` = n (the consumer's periodic passive probe)
 * - `onOutboxLag(ms)` → `rcp_outbox_lag_seconds`, `onOutboxPending(n)` → `rcp_outbox_pending`
 */
export function messagingObserver(metrics: Metrics, options: MessagingObserverOptions = {}): MessagingObserver {
  const queue = options.queue ?? metrics.service;
  return {
    onConsumed: (type, outcome) => metrics.messageConsumed(queue, type, outcome),
    onPublished: (type) => metrics.messagePublished(type),
    onParked: (parkingLot) => metrics.messageParked(parkingLot),
    onParkingLotDepth: (parkingLot, depth) => metrics.setParkingLotDepth(parkingLot, depth),
    onOutboxLag: (ageMs) => metrics.setOutboxLag(ageMs / 1000),
    onOutboxPending: (count) => metrics.setOutboxPending(count),
  };
}
