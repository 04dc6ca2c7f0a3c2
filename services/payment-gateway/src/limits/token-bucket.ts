/** State of a token bucket: tokens available at `atMs`. */
export interface BucketState {
  tokens: number;
  atMs: number;
}

export interface BucketRule {
  ratePerSecond: number;
  burst: number;
}

/**
 * Refills the bucket to `nowMs` and tries to take one token. Returns the new state and, when no token was
 * available, how long to wait before one will be. The same arithmetic runs in SQL in {@link ShopLimiter}.
 */
export function takeToken(state: BucketState, rule: BucketRule, nowMs: number): { taken: boolean; state: BucketState; waitMs: number } {
  const elapsed = Math.max(0, nowMs - state.atMs) / 1000;
  const tokens = Math.min(rule.burst, state.tokens + elapsed * rule.ratePerSecond);
  if (tokens >= 1) return { taken: true, state: { tokens: tokens - 1, atMs: nowMs }, waitMs: 0 };
  return { taken: false, state: { tokens, atMs: nowMs }, waitMs: Math.ceil(((1 - tokens) / rule.ratePerSecond) * 1000) };
}
