import { nextRetryDelayMs } from './backoff';

describe('nextRetryDelayMs', () => {
  it('follows the configured delays with ±10 % jitter, then parks', () => {
    const delays = [1000, 5000];
    for (let i = 0; i < 20; i++) {
      const first = nextRetryDelayMs(1, delays)!;
      expect(first).toBeGreaterThanOrEqual(900);
      expect(first).toBeLessThanOrEqual(1100);
      const second = nextRetryDelayMs(2, delays)!;
      expect(second).toBeGreaterThanOrEqual(4500);
      expect(second).toBeLessThanOrEqual(5500);
    }
    expect(nextRetryDelayMs(3, delays)).toBeNull();
    expect(nextRetryDelayMs(1, [])).toBeNull();
  });
});
