/** How a consumed message ended. */
export type ConsumeOutcome = 'ack' | 'retry' | 'parked';

/**
 * Optional hooks for metrics. Every method is optional; exceptions thrown by hooks are swallowed so
 * metrics can never break message flow.
 */
export interface MessagingObserver {
  /** A message was handled: acked, sent to a retry tier or parked; `ms` = time in the consumer. */
  onConsumed?(type: string, outcome: ConsumeOutcome, ms: number): void;
  /** An event was confirmed by the broker. */
  onPublished?(type: string): void;
  /** A message was parked in `queue` (the parking lot queue) with a rejection code. */
  onParked?(queue: string, code: string): void;
  /** Age (ms) of the oldest unpublished outbox row, reported by the relay after each pass (0 when empty). */
  onOutboxLag?(ageMs: number): void;
  /** Unpublished outbox rows, reported with {@link onOutboxLag}. */
  onOutboxPending?(count: number): void;
  /** Depth of a parking lot `queue` from the consumer's periodic passive `checkQueue` probe. */
  onParkingLotDepth?(queue: string, depth: number): void;
}

/** Calls an observer hook, ignoring a missing hook and any error it throws. */
export function notify<K extends keyof MessagingObserver>(
  observer: MessagingObserver | undefined,
  hook: K,
  ...args: Parameters<NonNullable<MessagingObserver[K]>>
): void {
  const fn = observer?.[hook] as ((...a: unknown[]) => void) | undefined;
  if (!fn) return;
  try {
    fn.apply(observer, args);
  } catch {
    // metrics must never break message flow
  }
}
