/** Delay before the next attempt after `attempts` failed ones, or null when the delivery should be parked. */
export function nextRetryDelayMs(attempts: number, delaysMs: readonly number[]): number | null {
  if (attempts < 1 || attempts > delaysMs.length) return null;
  const base = delaysMs[attempts - 1];
  return Math.round(base * (0.9 + Math.random() * 0.2));
}
