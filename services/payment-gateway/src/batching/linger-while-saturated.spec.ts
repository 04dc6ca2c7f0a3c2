import { sampleEventLoopDelay, SaturationChange, SaturationLinger } from './linger-while-saturated';

const options = { lingerMs: 100, onAboveMs: 1.2, offBelowMs: 0.8, alpha: 0.3 };

describe('SaturationLinger', () => {
  it('holds nothing until the smoothed loop delay rises above the threshold, then the configured linger', () => {
    const changes: SaturationChange[] = [];
    const s = new SaturationLinger(options, (c) => changes.push(c));
    expect(s.linger()).toBe(0);
    s.observe(0.5);
    s.observe(1.0);
    expect(s.linger()).toBe(0);
    for (let i = 0; i < 5; i++) s.observe(3);
    expect(s.isSaturated).toBe(true);
    expect(s.linger()).toBe(100);
    expect(changes).toHaveLength(1); // no growth configured: one change
    expect(changes[0]).toMatchObject({ saturated: true, lingerMs: 100, stateChanged: true });
    expect(changes[0]!.smoothedDelayMs).toBeGreaterThan(1.2);
  });

  it('ignores a single spike (smoothing)', () => {
    const s = new SaturationLinger(options);
    for (let i = 0; i < 10; i++) s.observe(0.5);
    s.observe(2.5); // 0.3 × 2.5 + 0.7 × 0.5 = 1.1
    expect(s.isSaturated).toBe(false);
    expect(s.smoothedDelayMs).toBeCloseTo(1.1, 5);
  });

  it('stays on between the two thresholds and turns off only below the lower one (hysteresis)', () => {
    const changes: boolean[] = [];
    const s = new SaturationLinger(options, (c) => changes.push(c.saturated));
    s.observe(2);
    expect(s.isSaturated).toBe(true);
    for (let i = 0; i < 20; i++) s.observe(1.0); // between 0.8 and 1.2: no flapping
    expect(s.isSaturated).toBe(true);
    for (let i = 0; i < 20; i++) s.observe(0.3);
    expect(s.isSaturated).toBe(false);
    expect(s.linger()).toBe(0);
    for (let i = 0; i < 20; i++) s.observe(1.0);
    expect(s.isSaturated).toBe(false);
    expect(changes).toEqual([true, false]);
  });

  it('grows the hold while the delay stays above the threshold, shrinks it back between the thresholds, and starts again from the first hold', () => {
    const changes: SaturationChange[] = [];
    const s = new SaturationLinger({ ...options, maxLingerMs: 400, growth: 2, alpha: 1 }, (c) => changes.push(c));
    s.observe(3);
    expect(s.linger()).toBe(100);
    s.observe(3);
    expect(s.linger()).toBe(200);
    s.observe(3);
    s.observe(3);
    expect(s.linger()).toBe(400); // capped
    s.observe(1.0); // relieved, still above 0.8: on, with a shorter hold
    expect(s.linger()).toBe(200);
    s.observe(1.0);
    s.observe(1.0);
    expect(s.linger()).toBe(100); // never below the first hold while on
    s.observe(0.5);
    expect(s.linger()).toBe(0);
    s.observe(3);
    expect(s.linger()).toBe(100); // a new saturation starts from the first hold
    expect(changes.map((c) => [c.lingerMs, c.stateChanged])).toEqual([
      [100, true],
      [200, false],
      [400, false],
      [200, false],
      [100, false],
      [0, true],
      [100, true],
    ]);
  });

  it('keeps its state when the state-change listener throws, and reports the failure as a process warning', () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const s = new SaturationLinger(options, () => {
        throw new Error('gauge broke');
      });
      expect(() => s.observe(5)).not.toThrow();
      expect(s.isSaturated).toBe(true);
      expect(s.linger()).toBe(100);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('gauge broke'));
    } finally {
      warn.mockRestore();
    }
  });

  it('refuses thresholds in the wrong order, a weight outside (0, 1], a shrinking growth and a cap below the first hold', () => {
    expect(() => new SaturationLinger({ ...options, offBelowMs: 1.2 })).toThrow(/offBelowMs/);
    expect(() => new SaturationLinger({ ...options, alpha: 0 })).toThrow(/alpha/);
    expect(() => new SaturationLinger({ ...options, growth: 0.5 })).toThrow(/growth/);
    expect(() => new SaturationLinger({ ...options, maxLingerMs: 50 })).toThrow(/maxLingerMs/);
  });
});

describe('sampleEventLoopDelay', () => {
  it('reports a blocked event loop as delay beyond the sampling period, and stops', async () => {
    const samples: number[] = [];
    const stop = sampleEventLoopDelay({ observe: (ms) => samples.push(ms) }, 100);
    try {
      await new Promise((r) => setTimeout(r, 120));
      const until = Date.now() + 60;
      while (Date.now() < until) {
        // block the loop: the histogram's 10 ms timer runs ≈ 60 ms late once
      }
      await new Promise((r) => setTimeout(r, 150));
    } finally {
      stop();
    }
    expect(samples.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...samples)).toBeGreaterThan(3);
    const count = samples.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(samples).toHaveLength(count);
  });
});
