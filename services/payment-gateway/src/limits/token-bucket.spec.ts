import { takeToken } from './token-bucket';

describe('takeToken', () => {
  const rule = { ratePerSecond: 2, burst: 3 };

  it('allows a burst, then makes callers wait for the refill', () => {
    let state = { tokens: 3, atMs: 0 };
    const taken: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      const r = takeToken(state, rule, 0);
      taken.push(r.taken);
      state = r.state;
    }
    expect(taken).toEqual([true, true, true, false]);
    expect(takeToken(state, rule, 0).waitMs).toBe(500);
  });

  it('refills at the configured rate but never above the burst', () => {
    const r = takeToken({ tokens: 0, atMs: 0 }, rule, 600);
    expect(r.taken).toBe(true);
    expect(r.state.tokens).toBeCloseTo(0.2);
    expect(takeToken({ tokens: 0, atMs: 0 }, rule, 60_000).state.tokens).toBe(2);
  });
});
