import { Logger } from '@nestjs/common';
import type { CredentialsProvider } from '../config/credentials';
import type { Poller } from '../polling/poller';
import type { Resubmitter } from '../polling/resubmitter';
import type { Reconciler } from '../reconciliation/reconciler';
import type { StuckDetector } from '../stuck/stuck-detector';
import { describeError } from '../rccs/transient';
import { pollSignal, type PollSignal } from '../polling/poll-signal';

export interface WorkerOptions {
  /** Pause after a pass that left work overdue (e.g. a shop without credentials); no longer a fixed polling tick. */
  tickMs: number;
  /** Longest sleep when nothing is due (ms); default 1000. Bounds how late work written by others is seen. */
  maxIdleMs?: number;
  /** Wakes the worker when this process submitted a request; default the process-wide {@link pollSignal}. */
  signal?: PollSignal;
  idsPerQuery: number;
  stuckCheckIntervalMs: number;
  reconcileIntervalMs: number;
  /** How often the in-flight / stuck gauges are measured (ms); default 5000. */
  gaugeIntervalMs?: number;
}

/**
 * Runs polling, resubmission, stuck detection and reconciliation in one loop; stops between steps, never mid-write.
 * Between passes it sleeps until the earliest due work (one read of the ledger, the housekeeping intervals) and is
 * woken early by the in-process poll signal, so polls start without a tick's delay and an idle gateway writes nothing.
 */
export class BackgroundWorker {
  private readonly log = new Logger('BackgroundWorker');
  private running = false;
  private loop?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private wake?: () => void;
  /** While sleeping: when the current sleep ends (ms since epoch). */
  private sleepUntil?: number;
  /** While in a pass: the earliest wake-up asked for by signals meanwhile. */
  private signalledAt = Infinity;
  private lastStuck = 0;
  private lastGauges = 0;
  private lastReconcile = Date.now();
  /**
   * When the last read of the ledger saw the earliest requeued operation due (ms since epoch, Infinity: none);
   * undefined when not known (no read since the last resubmission run): the resubmitter runs only then or once due.
   */
  private requeuedDueAt: number | undefined;
  /** When the ledger's due times were last read (ms since epoch). */
  private lastDueRead = 0;

  constructor(
    private readonly credentials: CredentialsProvider,
    private readonly poller: Poller,
    private readonly resubmitter: Resubmitter,
    private readonly stuck: StuckDetector,
    private readonly reconciler: Reconciler,
    private readonly options: WorkerOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
  }

  /** One full pass (tests call it directly). */
  async tick(): Promise<void> {
    const requeuedBefore = this.poller.requeued;
    const shopIds = await this.credentials.shopIds();
    const onShopError = (shopId: string, err: unknown) => this.log.warn(`polling shop ${shopId} failed: ${describeError(err)}`);
    try {
      // one claim for all shops per batch (a shop with nothing due costs nothing); more batches while they come full
      while ((await this.poller.pollDue(shopIds, onShopError)) >= this.options.idsPerQuery && this.running);
    } catch (err) {
      this.log.warn(`polling failed: ${describeError(err)}`);
    }
    if (!this.running && this.loop) return;
    // claiming requeued operations is a write: skip it while the last read of the ledger showed none due (and this
    // pass requeued none); operations requeued by other replicas are seen by the next read, at most maxIdleMs away
    if (this.requeuedDueAt === undefined || this.requeuedDueAt <= Date.now() || this.poller.requeued !== requeuedBefore) {
      this.requeuedDueAt = undefined;
      await this.guard('resubmission', () => this.resubmitter.runOnce());
    }
    const now = Date.now();
    if (now - this.lastStuck >= this.options.stuckCheckIntervalMs) {
      this.lastStuck = now;
      await this.guard('stuck detection', () => this.stuck.runOnce());
    }
    if (now - this.lastGauges >= (this.options.gaugeIntervalMs ?? 5000)) {
      this.lastGauges = now;
      await this.guard('operation gauges', () => this.stuck.measure());
    }
    if (now - this.lastReconcile >= this.options.reconcileIntervalMs) {
      this.lastReconcile = now;
      for (const shopId of await this.credentials.shopIds()) await this.guard(`reconciliation of ${shopId}`, () => this.reconciler.reconcileShop(shopId));
    }
  }

  private async run(): Promise<void> {
    const unlisten = (this.options.signal ?? pollSignal).listen((inMs) => this.onSignal(inMs));
    try {
      while (this.running) {
        this.signalledAt = Infinity;
        await this.guard('background pass', () => this.tick());
        if (!this.running) break;
        const delay = await this.nextDelayMs();
        if (delay > 0 && this.running) await this.sleep(delay);
      }
    } finally {
      unlisten();
    }
  }

  /** How long to sleep after a pass: until the earliest due poll/resubmission or housekeeping, at most `maxIdleMs`. */
  private async nextDelayMs(): Promise<number> {
    const now = Date.now();
    // a signal during the pass asked for another pass now: the read could not shorten that, so under load it is skipped
    // (while the resubmission due time is known, and at least once per maxIdleMs for work written by other replicas)
    if (this.signalledAt <= now && this.requeuedDueAt !== undefined && now - this.lastDueRead < (this.options.maxIdleMs ?? 1000)) return 0;
    let delay = Math.min(
      this.options.maxIdleMs ?? 1000,
      this.lastStuck + this.options.stuckCheckIntervalMs - now,
      this.lastGauges + (this.options.gaugeIntervalMs ?? 5000) - now,
      this.lastReconcile + this.options.reconcileIntervalMs - now,
      this.signalledAt - now,
    );
    try {
      this.lastDueRead = now;
      const { pollMs, requeuedMs } = await this.poller.nextDue();
      this.requeuedDueAt = requeuedMs === null ? Infinity : Date.now() + requeuedMs;
      const due = pollMs === null ? requeuedMs : requeuedMs === null ? pollMs : Math.min(pollMs, requeuedMs);
      // still overdue right after a pass means the pass could not take it: do not spin, pause a tick
      if (due !== null) delay = Math.min(delay, due <= 0 ? this.options.tickMs : Math.ceil(due));
    } catch (err) {
      this.log.warn(`reading the next due poll failed: ${describeError(err)}`);
      delay = Math.min(delay, this.options.tickMs);
    }
    return Math.max(0, delay);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.sleepUntil = Date.now() + ms;
      this.wake = () => {
        if (this.timer) clearTimeout(this.timer);
        this.sleepUntil = undefined;
        this.wake = undefined;
        resolve();
      };
      const wake = this.wake;
      this.timer = setTimeout(wake, ms);
    });
  }

  /** A request of this process is due in `inMs`: wake now, or shorten the sleep, or remember it during a pass. */
  private onSignal(inMs: number): void {
    const at = Date.now() + inMs;
    if (this.sleepUntil === undefined) {
      this.signalledAt = Math.min(this.signalledAt, at);
      return;
    }
    if (at >= this.sleepUntil) return;
    if (inMs <= 0) {
      this.wake?.();
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.sleepUntil = at;
    const wake = this.wake;
    if (wake) this.timer = setTimeout(wake, inMs);
  }

  private async guard(what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.log.warn(`${what} failed: ${describeError(err)}`);
    }
  }
}
