import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * A batch linger that applies only while the process is saturated.
 *
 * Batches form from what arrives while a flush runs, so with evenly spaced arrivals they stay small and every card
 * request, ledger transaction and call slot is paid by one or two orders. Holding a key's batch pays off exactly when
 * CPU is short: then fewer, larger flushes leave more CPU for everything else and latency falls; on an idle machine
 * the same hold would only add its own length to every operation. Saturation shows as event-loop delay — timers run
 * late when the process is busy or the machine's CPUs are taken by others — so the linger follows a smoothed
 * (exponentially weighted) mean of it, switched on above `onAboveMs` and off below `offBelowMs` (hysteresis: a hold
 * lowers the load that turned it on, and must not flap with every sample). While the smoothed delay stays above
 * `onAboveMs` — the hold has not relieved the saturation — it grows by `growth` per sample up to `maxLingerMs`: a
 * short saturation costs a short hold, a lasting one (a backlog being worked off) gets the batches that make an
 * order cheapest. Between the two thresholds (relieved, still busy) it shrinks by the same factor back towards
 * `lingerMs`, so the hold settles near the shortest one that keeps the process out of saturation; below
 * `offBelowMs` it is off.
 */
export interface SaturationLingerOptions {
  /** The hold when saturation starts (ms); 0 turns the whole mechanism off. */
  lingerMs: number;
  /** Most the hold grows to while saturation persists (ms); default `lingerMs` (no growth). */
  maxLingerMs?: number;
  /** Factor the hold grows by per sample still above `onAboveMs`; default {@link DEFAULT_GROWTH}. */
  growth?: number;
  /** Smoothed event-loop delay (ms beyond the sampling timer's own period) that turns the hold on. */
  onAboveMs: number;
  /** Smoothed delay below which it turns off again (< `onAboveMs`). */
  offBelowMs: number;
  /** Weight of the newest sample in the moving mean (0 < alpha ≤ 1); default {@link DEFAULT_SMOOTHING}. */
  alpha?: number;
}

/** What changed at a sample: the state, or the hold (it grows while saturation lasts and shrinks once relieved). */
export interface SaturationChange {
  saturated: boolean;
  /** The hold now (ms; 0 when not saturated). */
  lingerMs: number;
  smoothedDelayMs: number;
  /** True when `saturated` itself changed (false: only the hold grew or shrank). */
  stateChanged: boolean;
}

/** How often the loop delay is sampled (ms). */
const SAMPLE_MS = 500;
/** Weight of the newest 500 ms sample: a time constant of ≈ 1.4 s. */
const DEFAULT_SMOOTHING = 0.3;
/** Growth per 500 ms sample: 100 ms → 800 ms in ≈ 2.5 s of lasting saturation. */
const DEFAULT_GROWTH = 1.5;
/** The sampling timer's period (ms): the histogram records it plus the delay, which is what is left after subtracting it. */
const LOOP_DELAY_RESOLUTION_MS = 10;

/** The state machine, fed one mean loop delay per sample (pure; the sampler below feeds it). */
export class SaturationLinger {
  private smoothed: number | undefined;
  private saturated = false;
  private hold = 0;
  private readonly alpha: number;
  private readonly growth: number;
  private readonly maxLingerMs: number;

  constructor(
    private readonly options: SaturationLingerOptions,
    private readonly onChange?: (change: SaturationChange) => void,
  ) {
    this.alpha = options.alpha ?? DEFAULT_SMOOTHING;
    this.growth = options.growth ?? DEFAULT_GROWTH;
    this.maxLingerMs = options.maxLingerMs ?? options.lingerMs;
    if (!(options.offBelowMs < options.onAboveMs)) throw new Error('offBelowMs must be below onAboveMs');
    if (!(this.alpha > 0 && this.alpha <= 1)) throw new Error('alpha must be in (0, 1]');
    if (!(this.growth >= 1)) throw new Error('growth must be at least 1');
    if (!(this.maxLingerMs >= options.lingerMs)) throw new Error('maxLingerMs must not be below lingerMs');
  }

  /** Takes one sample: the mean event-loop delay (ms) over the last period. */
  observe(delayMs: number): void {
    const { alpha } = this;
    const { onAboveMs, offBelowMs, lingerMs } = this.options;
    const smoothed = (this.smoothed = this.smoothed === undefined ? delayMs : alpha * delayMs + (1 - alpha) * this.smoothed);
    const wasSaturated = this.saturated;
    const before = this.hold;
    if (!this.saturated) {
      if (smoothed > onAboveMs) [this.saturated, this.hold] = [true, lingerMs];
    } else if (smoothed < offBelowMs) {
      [this.saturated, this.hold] = [false, 0];
    } else if (smoothed > onAboveMs) {
      this.hold = Math.min(this.maxLingerMs, Math.round(this.hold * this.growth));
    } else {
      this.hold = Math.max(lingerMs, Math.round(this.hold / this.growth));
    }
    if (this.saturated !== wasSaturated || this.hold !== before) {
      this.notify({ saturated: this.saturated, lingerMs: this.hold, smoothedDelayMs: smoothed, stateChanged: this.saturated !== wasSaturated });
    }
  }

  /** A listener (metrics, a log line) that throws must not stop the sampling timer nor reach it uncaught. */
  private notify(change: SaturationChange): void {
    try {
      this.onChange?.(change);
    } catch (err) {
      process.emitWarning(`SaturationLinger: state-change listener failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The hold to apply now (ms): while saturated `lingerMs`, grown while saturation lasted; else 0. For `BatcherOptions.linger`. */
  readonly linger = (): number => (this.saturated ? this.hold : 0);

  get isSaturated(): boolean {
    return this.saturated;
  }

  /** The smoothed delay (ms); undefined before the first sample. */
  get smoothedDelayMs(): number | undefined {
    return this.smoothed;
  }
}

/**
 * Feeds `target` the process's mean event-loop delay every `sampleMs`; returns the stop function. The timer is
 * unref'd (it never keeps a process alive).
 */
export function sampleEventLoopDelay(target: Pick<SaturationLinger, 'observe'>, sampleMs = SAMPLE_MS): () => void {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  histogram.enable();
  const timer = setInterval(() => {
    const meanMs = histogram.mean / 1e6;
    histogram.reset();
    if (Number.isFinite(meanMs)) target.observe(Math.max(0, meanMs - LOOP_DELAY_RESOLUTION_MS));
  }, sampleMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    histogram.disable();
  };
}
