import { RetryQueue, RetryTier } from '../topology';

/** One entry of the `x-retry-history` header. */
export interface RetryHistoryEntry {
  /** The attempt that failed (1-based). */
  attempt: number;
  /** ISO time of the failure. */
  at: string;
  /** Error message only (no stack), truncated. */
  error: string;
}

/** Longest error message kept in the history. */
export const MAX_HISTORY_ERROR_CHARS = 300;
/** Most entries kept in the history (the newest win). */
export const MAX_HISTORY_ENTRIES = 20;

/**
 * Picks the delay queue for a retry after `failedAttempt` failed: tier `min(failedAttempt, tiers)`
 * (exponential growth comes from the configured tier delays), then one of that tier's jitter queues at random.
 */
export function chooseRetryQueue(tiers: readonly RetryTier[], failedAttempt: number, random: () => number = Math.random): RetryQueue {
  if (tiers.length === 0) throw new Error('no retry tiers configured');
  const tier = tiers[Math.min(Math.max(failedAttempt, 1), tiers.length) - 1];
  const index = Math.min(tier.queues.length - 1, Math.floor(Math.max(0, random()) * tier.queues.length));
  return tier.queues[index];
}

/** Truncates an error message for headers. */
export function truncate(text: string, max = MAX_HISTORY_ERROR_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Parses `x-retry-history`; invalid or missing → []. */
export function parseRetryHistory(raw: unknown): RetryHistoryEntry[] {
  if (raw === undefined || raw === null) return [];
  try {
    const parsed: unknown = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw));
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (e): e is RetryHistoryEntry =>
        typeof e === 'object' && e !== null && typeof e.attempt === 'number' && typeof e.at === 'string' && typeof e.error === 'string',
    );
  } catch {
    return [];
  }
}

/** Appends a failure to the history and serialises it for the `x-retry-history` header. */
export function appendRetryHistory(history: readonly RetryHistoryEntry[], attempt: number, error: string, at = new Date()): string {
  const next = [...history, { attempt, at: at.toISOString(), error: truncate(error) }];
  return JSON.stringify(next.slice(-MAX_HISTORY_ENTRIES));
}
