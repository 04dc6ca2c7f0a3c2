export interface PollBackoff {
  firstDelayMs: number;
  backoffFactor: number;
  maxDelayMs: number;
}

/**
 * Delay before poll number `pollCount + 1` of a request (pollCount = polls already made).
 * First poll after `firstDelayMs`; then grows by `backoffFactor` from max(firstDelayMs, 100 ms), capped.
 */
export function nextPollDelayMs(pollCount: number, b: PollBackoff): number {
  if (pollCount <= 0) return b.firstDelayMs;
  const base = Math.max(b.firstDelayMs, 100);
  return Math.min(b.maxDelayMs, Math.round(base * Math.pow(b.backoffFactor, pollCount - 1)));
}
