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
 * lowers the load that turned it on, and must not flap with every sample).
 */
export interface SaturationLingerOptions {
  /** The hold while saturated (ms); 0 turns the whole mechanism off. */
  lingerMs: number;
  /** Smoothed event-loop delay (ms beyond the sampling timer's own period) that turns the hold on. */
  onAboveMs: number;
  /** Smoothed delay below which it turns off again (< `onAboveMs`). */
  offBelowMs: number;
  /** Weight of the newest sample in the moving mean (0 < alpha ≤ 1); default {@link DEFAULT_SMOOTHING}. */
  alpha?: number;
}

/** How often the loop delay is sampled (ms). */
const SAMPLE_MS = 500;
/** Weight of the newest 500 ms sample: a time constant of ≈ 1.4 s. */
const DEFAULT_SMOOTHING = 0.3;
/** The sampling timer's period (ms): the histogram records it plus the delay, which is what is left after subtracting it. */
const LOOP_DELAY_RESOLUTION_MS = 10;

/** The state machine, fed one mean loop delay per sample (pure; the sampler below feeds it). */
export class SaturationLinger {
  private smoothed: number | undefined;
  private saturated = false;
  private readonly alpha: number;

  constructor(
    private readonly options: SaturationLingerOptions,
    private readonly onChange?: (saturated: boolean, smoothedDelayMs: number) => void,
  ) {
    this.alpha = options.alpha ?? DEFAULT_SMOOTHING;
    if (!(options.offBelowMs < options.onAboveMs)) throw new Error('offBelowMs must be below onAboveMs');
    if (!(this.alpha > 0 && this.alpha <= 1)) throw new Error('alpha must be in (0, 1]');
  }

  /** Takes one sample: the mean event-loop delay (ms) over the last period. */
  observe(delayMs: number): void {
    const { alpha } = this;
    const { onAboveMs, offBelowMs } = this.options;
    this.smoothed = this.smoothed === undefined ? delayMs : alpha * delayMs + (1 - alpha) * this.smoothed;
    const next = this.saturated ? this.smoothed >= offBelowMs : this.smoothed > onAboveMs;
    if (next !== this.saturated) {
      this.saturated = next;
      this.notify(next, this.smoothed);
    }
  }

  /** A listener (metrics, a log line) that throws must not stop the sampling timer nor reach it uncaught. */
  private notify(saturated: boolean, smoothedDelayMs: number): void {
    try {
      this.onChange?.(saturated, smoothedDelayMs);
    } catch (err) {
      process.emitWarning(`SaturationLinger: state-change listener failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The hold to apply now (ms): `lingerMs` while saturated, else 0. For `BatcherOptions.linger`. */
  readonly linger = (): number => (this.saturated ? this.options.lingerMs : 0);

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
