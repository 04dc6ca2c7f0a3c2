import { Logger } from '@nestjs/common';
import type { CredentialsProvider } from '../config/credentials';
import type { Poller } from '../polling/poller';
import type { Resubmitter } from '../polling/resubmitter';
import type { Reconciler } from '../reconciliation/reconciler';
import type { StuckDetector } from '../stuck/stuck-detector';
import { describeError } from '../rccs/transient';

export interface WorkerOptions {
  tickMs: number;
  idsPerQuery: number;
  stuckCheckIntervalMs: number;
  reconcileIntervalMs: number;
}

/** Runs polling, resubmission, stuck detection and reconciliation in one loop; stops between steps, never mid-write. */
export class BackgroundWorker {
  private readonly log = new Logger('BackgroundWorker');
  private running = false;
  private loop?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private wake?: () => void;
  private lastStuck = 0;
  private lastReconcile = Date.now();

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
    for (const shopId of await this.credentials.shopIds()) {
      if (!this.running && this.loop) return;
      try {
        while ((await this.poller.pollShop(shopId)) >= this.options.idsPerQuery && this.running);
      } catch (err) {
        this.log.warn(`polling shop ${shopId} failed: ${describeError(err)}`);
      }
    }
    await this.guard('resubmission', () => this.resubmitter.runOnce());
    const now = Date.now();
    if (now - this.lastStuck >= this.options.stuckCheckIntervalMs) {
      this.lastStuck = now;
      await this.guard('stuck detection', () => this.stuck.runOnce());
    }
    if (now - this.lastReconcile >= this.options.reconcileIntervalMs) {
      this.lastReconcile = now;
      for (const shopId of await this.credentials.shopIds()) await this.guard(`reconciliation of ${shopId}`, () => this.reconciler.reconcileShop(shopId));
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      await this.guard('background pass', () => this.tick());
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.options.tickMs);
      });
    }
  }

  private async guard(what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.log.warn(`${what} failed: ${describeError(err)}`);
    }
  }
}
