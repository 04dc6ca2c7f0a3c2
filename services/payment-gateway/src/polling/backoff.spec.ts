import { nextPollDelayMs } from './backoff';

describe('nextPollDelayMs', () => {
  const b = { firstDelayMs: 5000, backoffFactor: 2, maxDelayMs: 60_000 };

  it('waits firstDelayMs before the first poll (0 allowed for benchmarks)', () => {
    expect(nextPollDelayMs(0, b)).toBe(5000);
    expect(nextPollDelayMs(0, { ...b, firstDelayMs: 0 })).toBe(0);
  });

  it('grows by the factor and is capped', () => {
    expect([1, 2, 3, 4, 5, 10].map((n) => nextPollDelayMs(n, b))).toEqual([5000, 10_000, 20_000, 40_000, 60_000, 60_000]);
  });

  it('never polls in a busy loop when the first delay is 0', () => {
    expect(nextPollDelayMs(1, { ...b, firstDelayMs: 0 })).toBe(100);
    expect(nextPollDelayMs(2, { ...b, firstDelayMs: 0 })).toBe(200);
  });
});
