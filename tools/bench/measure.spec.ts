import { closedLoop, countSumDelta, cpuPressureShare, dueTick, gaugeValue, histogramByLabel, growthOver, machineBusyShare, machineLimit, meanBaselines, nextRampStep, percentile, RateScheduler, startGridTimer, StepWindow, summarize } from './measure';

describe('percentile (nearest rank)', () => {
  it('picks the nearest-rank value', () => {
    const v = Array.from({ length: 1000 }, (_, i) => 1000 - i); // 1000..1, unsorted
    expect(percentile(v, 50)).toBe(500);
    expect(percentile(v, 99)).toBe(990);
    expect(percentile(v, 99.9)).toBe(999);
    expect(percentile(v, 100)).toBe(1000);
    expect(percentile(v, 0)).toBe(1);
  });
  it('handles tiny and empty lists', () => {
    expect(percentile([7], 99.9)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(percentile([3, 1, 2], 50)).toBe(2);
  });
  it('does not reorder the input', () => {
    const v = [3, 1, 2];
    percentile(v, 50);
    expect(v).toEqual([3, 1, 2]);
  });
  it('summarizes', () => {
    expect(summarize([5, 1, 3])).toEqual({ n: 3, p50: 3, p99: 5, p999: 5, max: 5 });
  });
});

describe('meanBaselines', () => {
  it('averages each capacity over the passes', () => {
    const passes = [
      { pass: 'before the ramp', M: 8000, T: 1500, H: 200 },
      { pass: 'after the ramp', M: 10_000, T: 1700, H: 240 },
    ];
    expect(meanBaselines(passes)).toEqual({ M: 9000, T: 1600, H: 220 });
    expect(meanBaselines(passes.slice(0, 1))).toEqual({ M: 8000, T: 1500, H: 200 });
  });
  it('refuses an empty list', () => {
    expect(() => meanBaselines([])).toThrow(/no pass/);
  });
});

describe('machineLimit', () => {
  it('is the inverse of the summed shares', () => {
    // 10 msgs at 10k/s = 1 ms, 5 commits at 5k/s = 1 ms, 0.1 calls at 50/s = 2 ms → 4 ms per order → 250/s
    expect(machineLimit({ m: 10, M: 10_000, t: 5, T: 5_000, h: 0.1, H: 50 })).toBeCloseTo(250, 9);
  });
  it('equals the single resource limit when only one is used', () => {
    expect(machineLimit({ m: 0, M: 1, t: 4, T: 2000, h: 0, H: 1 })).toBeCloseTo(500, 9);
  });
  it('refuses nonsense', () => {
    expect(() => machineLimit({ m: 1, M: 0, t: 1, T: 1, h: 1, H: 1 })).toThrow(/capacities/);
    expect(() => machineLimit({ m: NaN, M: 1, t: 1, T: 1, h: 1, H: 1 })).toThrow(/m must be/);
    expect(() => machineLimit({ m: 0, M: 1, t: 0, T: 1, h: 0, H: 1 })).toThrow(/must use/);
  });
});

describe('growthOver', () => {
  it('tells one burst (a high mean, a flat median) from growth (every tenth higher)', () => {
    const flatWithBurst = Array.from({ length: 100 }, (_, i) => (i === 97 ? 233 : 0));
    const burst = growthOver(flatWithBurst);
    expect(burst).toMatchObject({ first: 0, firstMedian: 0, lastMedian: 0 });
    expect(burst.last).toBeCloseTo(23.3, 6);
    expect(burst.byTenth).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 23.3]);
    const growing = growthOver(Array.from({ length: 100 }, (_, i) => i));
    expect(growing.firstMedian).toBe(4);
    expect(growing.lastMedian).toBe(94);
    expect(growing.byTenth.every((m, i, all) => i === 0 || m > all[i - 1]!)).toBe(true);
  });
  it('works with fewer samples than tenths, and with none', () => {
    expect(growthOver([5, 7, 9])).toMatchObject({ first: 5, last: 9, byTenth: [5, 7, 9] });
    expect(growthOver([]).first).toBeNaN();
  });
});

describe('cpuPressureShare', () => {
  it('is the stalled seconds over the wall seconds, and unknown without both readings', () => {
    expect(cpuPressureShare(10, 16, 10)).toBeCloseTo(0.6, 6);
    expect(cpuPressureShare(undefined, 16, 10)).toBeUndefined();
    expect(cpuPressureShare(10, undefined, 10)).toBeUndefined();
    expect(() => cpuPressureShare(1, 2, 0)).toThrow(/wallSeconds/);
  });
});

describe('machineBusyShare', () => {
  it('is the busy CPU time per second of the span over the cores', () => {
    // 25 s of CPU over 15 s on 2 cores: 0.83 of the machine
    expect(machineBusyShare(25, 15, 2)).toBeCloseTo(0.8333, 4);
    expect(machineBusyShare(0, 15, 2)).toBe(0);
  });
  it('refuses a machine without cores or a span without time', () => {
    expect(() => machineBusyShare(10, 5, 0)).toThrow(/cores/);
    expect(() => machineBusyShare(10, 0, 2)).toThrow(/wallSeconds/);
  });
});

describe('RateScheduler', () => {
  it('hands out arrivals on a fixed schedule, independent of when it is asked', () => {
    const s = new RateScheduler(100, 1000, 1000); // 100/s for 1 s from t=1000
    expect(s.total).toBe(100);
    expect(s.due(999)).toEqual([]);
    expect(s.due(1000)).toEqual([1000]);
    // a late caller gets every missed arrival with its original scheduled time (no coordinated omission)
    expect(s.due(1035)).toEqual([1010, 1020, 1030]);
    expect(s.due(5000)).toHaveLength(96);
    expect(s.done).toBe(true);
    expect(s.due(9000)).toEqual([]);
  });
  it('supports fractional rates', () => {
    const s = new RateScheduler(2.5, 0, 2000);
    expect(s.total).toBe(5);
    expect(s.due(2000)).toEqual([0, 400, 800, 1200, 1600]);
  });
  it('refuses a zero rate', () => {
    expect(() => new RateScheduler(0, 0, 1000)).toThrow();
  });
});

describe('closedLoop', () => {
  it('counts operations over the measured time', async () => {
    const { ops, perSecond } = await closedLoop(4, 100, () => new Promise((r) => setTimeout(r, 10)));
    expect(ops).toBeGreaterThanOrEqual(20);
    expect(perSecond).toBeGreaterThan(100);
    expect(perSecond).toBeLessThan(600);
  });
});

describe('dueTick', () => {
  it('is the first tick at or after the time, never tick 0', () => {
    expect(dueTick(1000, 50, 1000)).toBe(1050);
    expect(dueTick(1000, 50, 1001)).toBe(1050);
    expect(dueTick(1000, 50, 1050)).toBe(1050);
    expect(dueTick(1000, 50, 1050.5)).toBe(1100);
  });
});

describe('StepWindow', () => {
  const limits = { minWindowMs: 4000, maxWindowMs: 12_000, maxWarmMs: 5000 };

  it('warms up for one turnover of the orders in flight, then measures until another turnover and the minimum time', () => {
    const w = new StepWindow(100, 0, limits);
    expect(w.observe(1000, 99)).toBe('warming');
    expect(w.observe(1500, 100)).toBe('window-starts');
    expect(w.observe(5400, 300)).toBe('measuring'); // enough orders, not yet 4 s
    expect(w.observe(5500, 300)).toBe('done');
  });

  it('keeps measuring past the minimum time until the window holds a full turnover', () => {
    const w = new StepWindow(256, 0, limits);
    w.observe(2000, 256);
    expect(w.observe(7000, 400)).toBe('measuring'); // 5 s, only 144 completed in the window
    expect(w.observe(9000, 512)).toBe('done');
  });

  it('gives up waiting at the limits: warm-up after maxWarmMs, the window after maxWindowMs', () => {
    const w = new StepWindow(512, 0, limits);
    expect(w.observe(4999, 10)).toBe('warming');
    expect(w.observe(5000, 10)).toBe('window-starts');
    expect(w.observe(16_999, 20)).toBe('measuring');
    expect(w.observe(17_000, 20)).toBe('done');
    expect(w.steady).toBe(false);
  });

  it('is steady when its window started after a full turnover', () => {
    const w = new StepWindow(100, 0, limits);
    w.observe(1000, 100);
    expect(w.steady).toBe(true);
  });
});

describe('nextRampStep', () => {
  const plan = { steps: [16, 32, 64], extendTo: 512, minGain: 0.05 };
  const steps = (...xs: [number, number][]) => xs.map(([concurrency, ordersPerSecond]) => ({ concurrency, ordersPerSecond }));

  it('runs the planned steps first, whatever they measure', () => {
    expect(nextRampStep([], plan)).toBe(16);
    expect(nextRampStep(steps([16, 30]), plan)).toBe(32);
    expect(nextRampStep(steps([16, 30], [32, 10]), plan)).toBe(64);
  });

  it('doubles past the plan while one of the last two steps beat every earlier one by the minimum gain', () => {
    expect(nextRampStep(steps([16, 30], [32, 40], [64, 50]), plan)).toBe(128);
    expect(nextRampStep(steps([16, 30], [32, 40], [64, 50], [128, 51]), plan)).toBe(256); // one flat step: noise?
    expect(nextRampStep(steps([16, 30], [32, 40], [64, 50], [128, 51], [256, 60]), plan)).toBe(512);
  });

  it('stops after two steps in a row without gain, and at the largest concurrency allowed', () => {
    expect(nextRampStep(steps([16, 30], [32, 40], [64, 50], [128, 51], [256, 52]), plan)).toBeUndefined();
    expect(nextRampStep(steps([16, 30], [32, 60], [64, 50], [128, 62]), plan)).toBeUndefined();
    expect(nextRampStep(steps([16, 30], [32, 40], [64, 50], [128, 60], [256, 80]), plan)).toBe(512);
    expect(nextRampStep(steps([16, 30], [32, 40], [64, 50], [128, 60], [256, 80], [512, 100]), plan)).toBeUndefined();
  });

  it('runs exactly the planned steps when extending is off', () => {
    expect(nextRampStep(steps([16, 30], [32, 40], [64, 50]), { ...plan, extendTo: 0 })).toBeUndefined();
  });
});

describe('startGridTimer', () => {
  // fake timers and a clock that also counts the callbacks' own (simulated) run time: deterministic on a busy machine
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /**
   * A 10 ms grid timer run for `ms` fake milliseconds; after the n-th firing the clock moves on by what `ranFor(n)`
   * returns (the callback's run time; negative: a clock reading early). Firings relative to the start, and how many
   * came after stop.
   */
  function runGrid(ms: number, ranFor: (n: number) => number): { fired: number[]; afterStop: number } {
    let skew = 0;
    const clock = () => jest.now() + skew;
    const start = clock();
    const fired: number[] = [];
    const stop = startGridTimer(start, 10, () => {
      fired.push(clock() - start);
      skew += ranFor(fired.length);
    }, clock);
    jest.advanceTimersByTime(ms);
    stop();
    const count = fired.length;
    jest.advanceTimersByTime(100);
    return { fired: fired.slice(0, count), afterStop: fired.length - count };
  }

  it('fires on the grid, without drifting off it tick after tick (each callback taking 3 ms), until stopped', () => {
    // setInterval would re-arm 3 ms late every time: 10, 23, 36, …
    const { fired, afterStop } = runGrid(300, () => 3);
    expect(fired.length).toBeGreaterThanOrEqual(25);
    expect(fired).toEqual(fired.map((_, i) => 10 * (i + 1)));
    expect(afterStop).toBe(0);
  });

  it('skips ticks missed by a blocked event loop and goes on with the next future one', () => {
    // the first callback blocks past ticks 20, 30 and 40: no burst of them afterwards
    const { fired } = runGrid(40, (n) => (n === 1 ? 35 : 0));
    expect(fired.slice(0, 3)).toEqual([10, 50, 60]);
  });

  it('never fires a tick twice when a timer fires a little early', () => {
    // the clock reads 9.5 ms at the first firing's end: tick 1 is not due again
    const { fired } = runGrid(35, (n) => (n === 1 ? -0.5 : 0));
    expect(fired.map((t) => Math.round(t / 10))).toEqual([1, 2, 3]); // each tick once
    expect(fired.every((t) => t % 10 < 1)).toBe(true); // on (or just after) its tick, never before
  });

  it('refuses a non-positive period', () => {
    expect(() => startGridTimer(0, 0, () => undefined)).toThrow(/periodMs/);
  });
});

describe('gaugeValue', () => {
  const text = ['# HELP rcp_batch_linger_ms Hold.', '# TYPE rcp_batch_linger_ms gauge', 'rcp_batch_linger_ms_other 7', 'rcp_batch_linger_ms 100', 'x 1'].join('\n');
  it('reads the series of exactly that name', () => {
    expect(gaugeValue(text, 'rcp_batch_linger_ms')).toBe(100);
    expect(gaugeValue(text, 'rcp_batch_linger_ms_other')).toBe(7);
  });
  it('reads a labelled series too', () => {
    expect(gaugeValue('nodejs_eventloop_lag_mean_seconds{service="payment-gateway"} 0.0123', 'nodejs_eventloop_lag_mean_seconds')).toBe(0.0123);
    expect(gaugeValue('nodejs_eventloop_lag_mean_seconds_x{a="b"} 1', 'nodejs_eventloop_lag_mean_seconds')).toBeUndefined();
  });
  it('reads past a label value holding a brace, a comma and an escaped quote', () => {
    expect(gaugeValue('g{a="x} 5",b="say \\"hi\\""} 42', 'g')).toBe(42);
  });
  it('is undefined when the series is absent or not a number', () => {
    expect(gaugeValue(text, 'rcp_missing')).toBeUndefined();
    expect(gaugeValue('rcp_batch_linger_ms NaNx', 'rcp_batch_linger_ms')).toBeUndefined();
  });
});

describe('histogramByLabel', () => {
  const text = [
    '# TYPE rcp_batch_flush_size histogram',
    'rcp_batch_flush_size_bucket{le="50",operation="auth",reason="target"} 3',
    'rcp_batch_flush_size_sum{operation="auth",reason="target"} 150',
    'rcp_batch_flush_size_count{operation="auth",reason="target"} 3',
    'rcp_batch_flush_size_sum{operation="capture",reason="target"} 100',
    'rcp_batch_flush_size_count{operation="capture",reason="target"} 2',
    'rcp_batch_flush_size_sum{operation="auth",reason="hold"} 30',
    'rcp_batch_flush_size_count{operation="auth",reason="hold"} 2',
    'rcp_batch_flush_size_other_count{reason="hold"} 99',
    'rcp_batch_flush_size_count{operation="auth"} 7',
  ].join('\n');
  it('adds count and sum up per value of the label, over the other labels', () => {
    expect(histogramByLabel(text, 'rcp_batch_flush_size', 'reason')).toEqual({ target: { count: 5, sum: 250 }, hold: { count: 2, sum: 30 } });
  });
  it('keeps a label value holding a brace or an escaped quote whole', () => {
    const odd = ['h_count{operation="a} 1",reason="odd} 2"} 4', 'h_sum{reason="odd} 2",operation="a"} 40', 'h_count{reason="q\\"x"} 1', 'h_sum{reason="q\\"x"} 3'].join('\n');
    expect(histogramByLabel(odd, 'h', 'reason')).toEqual({ 'odd} 2': { count: 4, sum: 40 }, 'q\\"x': { count: 1, sum: 3 } });
  });
  it('is empty without the histogram', () => {
    expect(histogramByLabel('x 1', 'rcp_batch_flush_size', 'reason')).toEqual({});
  });
  it('gives what was observed between two readings', () => {
    const before = { target: { count: 5, sum: 250 }, hold: { count: 2, sum: 30 } };
    const after = { target: { count: 9, sum: 450 }, hold: { count: 2, sum: 30 }, room: { count: 1, sum: 44 } };
    expect(countSumDelta(after, before)).toEqual({ target: { count: 4, sum: 200 }, room: { count: 1, sum: 44 } });
    expect(countSumDelta(after)).toEqual(after);
  });
});
