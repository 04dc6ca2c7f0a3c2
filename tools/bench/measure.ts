// Pure helpers of the benchmark (unit-tested in measure.spec.ts): closed loops, percentiles, the machine-limit
// formula and the open-model rate scheduler.

/** Runs `worker` on `concurrency` parallel loops for `durationMs`; returns completed operations per second. */
export async function closedLoop(concurrency: number, durationMs: number, worker: () => Promise<void>): Promise<{ ops: number; perSecond: number }> {
  const deadline = Date.now() + durationMs;
  const started = process.hrtime.bigint();
  let ops = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        await worker();
        ops++;
      }
    }),
  );
  // measured, not nominal: the last operations finish after the deadline
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { ops, perSecond: ops / seconds };
}

/** Percentile (0..100) of a list of numbers, nearest-rank (p99.9 of 1000 values = the 999th smallest). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return percentileSorted(sorted, p);
}

/** Same as {@link percentile} for an already ascending list. */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  // (p * n) / 100, not (p / 100) * n: 99.9 / 100 * 1000 = 999.0000000000001 would round up to the maximum
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p * sorted.length) / 100 - 1e-9) - 1));
  return sorted[rank] as number;
}

export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export function summarize(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentileSorted(sorted, 50),
    p99: percentileSorted(sorted, 99),
    p999: percentileSorted(sorted, 99.9),
    max: sorted.length ? (sorted[sorted.length - 1] as number) : NaN,
  };
}

/** Per-order resource use of the flow and the measured capacity of each resource (per second). */
export interface LimitInputs {
  /** broker messages (publish→consume round trips) per order, and B1 round trips per second */
  m: number;
  M: number;
  /** database commits per order, and B2 commits per second */
  t: number;
  T: number;
  /** card-API calls per order, and B3 calls per second */
  h: number;
  H: number;
}

/**
 * The machine's limit for our flow in orders per second: every resource competes for the same cores, so the time one
 * order needs is the sum of its shares, `L = 1 / (m/M + t/T + h/H)`.
 */
export function machineLimit(x: LimitInputs): number {
  for (const [k, v] of Object.entries(x)) if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`machineLimit: ${k} must be a finite number >= 0, got ${v}`);
  if (x.M <= 0 || x.T <= 0 || x.H <= 0) throw new Error('machineLimit: capacities must be > 0');
  const secondsPerOrder = x.m / x.M + x.t / x.T + x.h / x.H;
  if (secondsPerOrder === 0) throw new Error('machineLimit: an order must use something');
  return 1 / secondsPerOrder;
}

/** The three baseline capacities measured in one pass (see `tools/bench.ts`). */
export interface BaselinePass {
  /** When in the run, e.g. `before the ramp`. */
  pass: string;
  M: number;
  T: number;
  H: number;
}

/**
 * The capacities L is computed from: the mean of each over the passes. The host's speed drifts within a run (by up to
 * ±10 % within a minute here), so baselines taken before and after the ramp bracket the X_max measurement.
 */
export function meanBaselines(passes: readonly BaselinePass[]): Pick<BaselinePass, 'M' | 'T' | 'H'> {
  if (passes.length === 0) throw new Error('meanBaselines: no pass');
  const mean = (pick: (p: BaselinePass) => number) => passes.reduce((a, p) => a + pick(p), 0) / passes.length;
  return { M: mean((p) => p.M), T: mean((p) => p.T), H: mean((p) => p.H) };
}

/**
 * Open-model arrivals at a fixed rate: the i-th arrival is due at `start + i / rate` whatever happened before, so a
 * slow system accumulates a queue (measured) instead of slowing the generator down (coordinated omission).
 */
export class RateScheduler {
  private issued = 0;

  constructor(
    private readonly ratePerSecond: number,
    private readonly startMs: number,
    private readonly durationMs: number,
  ) {
    if (!(ratePerSecond > 0)) throw new Error('rate must be > 0');
  }

  /** Scheduled time of arrival `i` (ms, same clock as `startMs`). */
  scheduledAt(i: number): number {
    return this.startMs + (i * 1000) / this.ratePerSecond;
  }

  /** Total arrivals of the phase. */
  get total(): number {
    return Math.floor((this.durationMs / 1000) * this.ratePerSecond);
  }

  /** Every arrival that is due at `nowMs` and was not handed out yet (their scheduled times, ascending). */
  due(nowMs: number): number[] {
    const out: number[] = [];
    while (this.issued < this.total && this.scheduledAt(this.issued) <= nowMs) out.push(this.scheduledAt(this.issued++));
    return out;
  }

  get done(): boolean {
    return this.issued >= this.total;
  }
}

/**
 * Share of the machine's CPUs that were busy over a span: `busyCpuSeconds` (all cores together) over `wallSeconds`
 * × `cores` (1 = every core busy all the time). Measured, not derived from a rate: a saturated phase finishes its
 * orders late, and its rate × CPU per order would read above 1.
 */
export function machineBusyShare(busyCpuSeconds: number, wallSeconds: number, cores: number): number {
  if (!(cores > 0)) throw new Error('cores must be positive');
  if (!(wallSeconds > 0)) throw new Error('wallSeconds must be positive');
  return busyCpuSeconds / wallSeconds / cores;
}

/**
 * Share of a span's wall time in which some runnable task waited for a CPU (0–1), from two readings of the machine's
 * CPU stall seconds (`cpuStalledSeconds`); undefined when either reading is missing (no PSI on this kernel).
 */
export function cpuPressureShare(stalledBefore: number | undefined, stalledAfter: number | undefined, wallSeconds: number): number | undefined {
  if (stalledBefore === undefined || stalledAfter === undefined) return undefined;
  if (!(wallSeconds > 0)) throw new Error('wallSeconds must be positive');
  return (stalledAfter - stalledBefore) / wallSeconds;
}

/** A quantity sampled over a long phase (the soak), from its first to its last tenth. */
export interface Growth {
  /** Means of the first and the last tenth. */
  first: number;
  last: number;
  /** Medians of the first and the last tenth: one burst (a batch's results landing at once) moves a mean, not these. */
  firstMedian: number;
  lastMedian: number;
  /** Mean of each tenth, in order: growth shows as a trend, a burst as one high tenth. */
  byTenth: number[];
}

/** Splits `values` (in sampling order) into tenths and summarizes them; NaN everywhere for an empty list. */
export function growthOver(values: readonly number[]): Growth {
  const n = values.length;
  const parts = Math.min(10, n);
  const tenths = Array.from({ length: parts }, (_, i) => values.slice(Math.floor((i * n) / parts), Math.floor(((i + 1) * n) / parts)));
  const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, x) => a + x, 0) / xs.length : NaN);
  const median = (xs: readonly number[]) => percentile(xs, 50);
  const first = tenths[0] ?? [];
  const last = tenths[tenths.length - 1] ?? [];
  return { first: mean(first), last: mean(last), firstMedian: median(first), lastMedian: median(last), byTenth: tenths.map(mean) };
}

/** Ratio `a / b` rounded for tables; `NaN` when b is 0. */
export const ratio = (a: number, b: number): number => (b === 0 ? NaN : a / b);

/** The first tick of a fixed schedule (`start + k·tickMs`, k ≥ 1) at or after `t`. */
export function dueTick(start: number, tickMs: number, t: number): number {
  return start + Math.max(1, Math.ceil((t - start) / tickMs)) * tickMs;
}

/**
 * Calls `tick` at `start + k·periodMs` (k = 1, 2, …), each firing scheduled from the grid, not from the previous
 * firing: `setInterval` re-arms from when its callback ran, so its firings drift off the grid by the event loop's
 * lateness, tick after tick, until they lie anywhere within a period of the due ticks the bench times operations from.
 * A firing later than a whole period goes on with the next future tick (the callback sends everything due by then).
 * Returns the stop function.
 */
export function startGridTimer(start: number, periodMs: number, tick: () => void, clock: () => number = () => performance.now()): () => void {
  if (!(periodMs > 0)) throw new Error('startGridTimer: periodMs must be > 0');
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let fired = 0; // index of the last tick fired (a timer may fire a little early: never the same tick twice)
  const arm = () => {
    const t = clock();
    const k = Math.max(fired + 1, Math.ceil((t - start) / periodMs));
    timer = setTimeout(() => {
      if (stopped) return;
      fired = k;
      tick();
      arm();
    }, Math.max(0, Math.ceil(start + k * periodMs - t))); // rounded up: Node truncates a fractional delay (fires early)
  };
  arm();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

/** Limits of a closed-loop step's warm-up and measuring window (ms). */
export interface StepWindowLimits {
  /** the window lasts at least this long … */
  minWindowMs: number;
  /** … and at most this long, even when fewer than `concurrency` orders completed in it */
  maxWindowMs: number;
  /** warm-up ends after one turnover of the orders in flight, or after this long */
  maxWarmMs: number;
}

/**
 * Decides when a closed-loop step is warm and when its measuring window is complete, from completions rather than a
 * fixed time. With N orders in flight and X orders/s an order takes N/X s (Little's law), so a step shorter than a few
 * turnovers measures the transient of raising the concurrency — at N = 256 on a slow host that is longer than a 6 s
 * step, and such steps read 4–25 orders/s where 20 s steps of the same code read a flat 28–32. Warm-up: until N orders
 * completed in the step (one turnover); window: until N more completed and at least `minWindowMs` passed.
 */
export class StepWindow {
  private warmAt?: number;
  private completedAtWarm = 0;
  private turnedOver = false;

  constructor(
    private readonly concurrency: number,
    private readonly startAt: number,
    private readonly limits: StepWindowLimits,
  ) {}

  /** Feeds the time and the orders completed since the step started; says what the step is doing now. */
  observe(at: number, completed: number): 'warming' | 'window-starts' | 'measuring' | 'done' {
    if (this.warmAt === undefined) {
      if (completed < this.concurrency && at - this.startAt < this.limits.maxWarmMs) return 'warming';
      this.warmAt = at;
      this.completedAtWarm = completed;
      this.turnedOver = completed >= this.concurrency;
      return 'window-starts';
    }
    const elapsed = at - this.warmAt;
    if (elapsed >= this.limits.maxWindowMs) return 'done';
    return elapsed >= this.limits.minWindowMs && completed - this.completedAtWarm >= this.concurrency ? 'done' : 'measuring';
  }

  /**
   * Whether the window started after a full turnover. False when the warm-up gave up at `maxWarmMs` first: then the
   * window measured the wave of orders the step added (on a slow host 2048 orders in flight take ≈ 40 s to turn over),
   * which reads low — the step is reported as not steady.
   */
  get steady(): boolean {
    return this.turnedOver;
  }
}

/** One finished closed-loop step. */
export interface RampStep {
  concurrency: number;
  ordersPerSecond: number;
}

/** Which closed-loop steps to run: the planned ones, then (optionally) doubling while throughput still rises. */
export interface RampPlan {
  steps: readonly number[];
  /** Largest concurrency an extension may reach; 0 = no extension (exactly `steps`). */
  extendTo: number;
  /** A step gains when it beats every earlier step by at least this share (0.05 = 5 %). */
  minGain: number;
}

/**
 * The next concurrency of the ramp, or undefined when it is done. Batching and group commits make an order cheaper the
 * more orders are in flight, so throughput can still rise past the planned steps: a ramp that stops while it rises
 * reports a point on the way up as the maximum. After the planned steps the concurrency doubles until two steps in a
 * row did not gain (one flat step is within this host's run-to-run noise: 256 → 512 read +1 % in a run whose 1024
 * then read +15 %), or the next doubling would pass `extendTo`.
 */
export function nextRampStep(done: readonly RampStep[], plan: RampPlan): number | undefined {
  if (done.length < plan.steps.length) return plan.steps[done.length];
  const last = done[done.length - 1];
  if (!last || plan.extendTo <= 0 || last.concurrency * 2 > plan.extendTo) return undefined;
  const gained = (i: number) => i >= 1 && done[i]!.ordersPerSecond >= Math.max(...done.slice(0, i).map((s) => s.ordersPerSecond)) * (1 + plan.minGain);
  return gained(done.length - 1) || gained(done.length - 2) ? last.concurrency * 2 : undefined;
}

/**
 * The value of the first series `name` (unlabelled, or with any labels) in a Prometheus text exposition, or undefined
 * when it is absent.
 */
export function gaugeValue(metricsText: string, name: string): number | undefined {
  const series = seriesLine(name);
  for (const line of metricsText.split('\n')) {
    const m = series.exec(line);
    if (!m) continue;
    const value = Number(m[2]);
    return Number.isFinite(value) ? value : undefined;
  }
  return undefined;
}

/**
 * One sample line of `name` in the text exposition: group 1 its labels (inside the braces; quoted values may hold
 * `}`, `,` and escaped quotes), group 2 its value.
 */
const seriesLine = (name: string) => new RegExp(`^${name}(?:\\{((?:[^"}]|"(?:[^"\\\\]|\\\\.)*")*)\\})? (\\S+)`);

/** Count and sum of histogram observations (the `_count` and `_sum` series). */
export interface CountSum {
  count: number;
  sum: number;
}

/**
 * A histogram's `_count` and `_sum` in a Prometheus text exposition, added up per value of one of its labels (over
 * every other label): e.g. the gateway's batches per flush reason.
 */
export function histogramByLabel(metricsText: string, name: string, label: string): Record<string, CountSum> {
  const out: Record<string, CountSum> = {};
  const labelValue = new RegExp(`(?:^|,)${label}="((?:[^"\\\\]|\\\\.)*)"`);
  const parts = [['count', seriesLine(`${name}_count`)], ['sum', seriesLine(`${name}_sum`)]] as const;
  for (const line of metricsText.split('\n')) {
    for (const [part, series] of parts) {
      const m = series.exec(line);
      const key = m?.[1] === undefined ? undefined : labelValue.exec(m[1])?.[1];
      const value = m ? Number(m[2]) : Number.NaN;
      if (key === undefined || !Number.isFinite(value)) continue;
      (out[key] ??= { count: 0, sum: 0 })[part] += value;
    }
  }
  return out;
}

/** `after − before` per key of two cumulative {@link histogramByLabel} readings (keys with no new observation left out). */
export function countSumDelta(after: Record<string, CountSum>, before: Record<string, CountSum> = {}): Record<string, CountSum> {
  const out: Record<string, CountSum> = {};
  for (const [key, a] of Object.entries(after)) {
    const count = a.count - (before[key]?.count ?? 0);
    if (count > 0) out[key] = { count, sum: a.sum - (before[key]?.sum ?? 0) };
  }
  return out;
}
