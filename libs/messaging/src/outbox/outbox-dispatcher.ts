import type { DataSource, EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';
import { MessagingLogger, defaultLogger, errorMessage } from '../logger';
import type { PreparedEvent, PublishOptions } from '../publisher';

/** What the dispatcher needs from a publisher ({@link EventPublisher} fits). */
export interface DispatchPublisher {
  publishPrepared(events: readonly PreparedEvent[], opts?: PublishOptions): Promise<PromiseSettledResult<void>[]>;
}

/** Options of {@link OutboxDispatcher}. */
export interface OutboxDispatcherOptions {
  /** How long rows are leased to the dispatcher before the relay may take them (ms); default 5000. */
  leaseMs?: number;
  /**
   * How long confirmed rows wait to be marked published, so the marks of several commits share one UPDATE (ms);
   * default {@link DEFAULT_MARK_DELAY_MS}. Must stay well below `leaseMs`: unmarked rows are republished by the relay
   * when their lease ends.
   */
  markDelayMs?: number;
  /** Called when rows were handed back to the relay (publish failed), so it runs a pass now. */
  onHandBack?: () => void;
  logger?: MessagingLogger;
}

/**
 * Default {@link OutboxDispatcherOptions.markDelayMs}. The events are out when their confirm arrives; the mark is only
 * bookkeeping (what the relay must not publish again), so it can wait: at 500 ms the marks of a busy second share a few
 * UPDATEs, where at 50 ms a service committing 25 event transactions a second paid ≈ 15 UPDATEs a second (each touching
 * the outbox's indexes). A crash loses at most this much marking: those rows are published again after their lease
 * (consumers de-duplicate).
 */
export const DEFAULT_MARK_DELAY_MS = 500;

/** Rows written in one (sub)transaction, waiting for the outermost commit. */
interface PendingRows {
  /** Transaction depth the rows were written at (savepoints count). */
  depth: number;
  events: PreparedEvent[];
}

type RunnerData = Record<symbol, PendingRows[] | undefined>;
/** TypeORM counts nested transactions (savepoints) in a protected field. */
const depthOf = (runner: QueryRunner): number => (runner as unknown as { transactionDepth: number }).transactionDepth;

/**
 * Publishes outbox rows right after their transaction commits, without waiting for the relay: one publish (with
 * confirms) per committed transaction and one `UPDATE … published_at` for what was confirmed within `markDelayMs`
 * (the events are out already; only the bookkeeping waits), instead of the relay's NOTIFY →
 * claim transaction → publish → mark → commit. Rows written for it carry a lease (`dispatch_until`); the relay skips
 * them until it expires, so a crash between commit and publish (or between confirm and mark) still publishes every
 * row: late, and possibly twice (consumers de-duplicate with the inbox). A failed publish hands the rows back to the
 * relay at once. Registered as a TypeORM subscriber: it sees commits and rollbacks, savepoints included.
 */
export class OutboxDispatcher implements EntitySubscriberInterface {
  readonly leaseMs: number;
  private readonly log: MessagingLogger;
  private accepting = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** Ids of published rows waiting to be marked. */
  private marks: string[] = [];
  private marking?: Promise<void>;
  private markTimer?: NodeJS.Timeout;
  /** Where this dispatcher keeps its rows on a query runner (every subscriber sees every commit). */
  private readonly pendingKey = Symbol('outbox-dispatcher.pending');

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: DispatchPublisher,
    private readonly options: OutboxDispatcherOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 5000;
    this.log = options.logger ?? defaultLogger('OutboxDispatcher');
  }

  /** The running dispatcher registered on `dataSource`, if any (what {@link OutboxService} asks before writing). */
  static of(dataSource: DataSource): OutboxDispatcher | undefined {
    return dataSource.subscribers.find((s): s is OutboxDispatcher => s instanceof OutboxDispatcher && s.accepting);
  }

  /** Registers on the DataSource; transactions that write outbox rows from now on are dispatched on commit. */
  start(): void {
    if (!this.dataSource.subscribers.includes(this)) this.dataSource.subscribers.push(this);
    this.accepting = true;
  }

  /** Stops accepting new rows (they go to the relay), waits for the dispatches under way and marks them now. */
  async stop(): Promise<void> {
    this.accepting = false;
    while (this.inFlight.size > 0 || this.marking || this.markTimer) {
      if (this.markTimer) {
        clearTimeout(this.markTimer);
        this.markTimer = undefined;
        this.flushMarks();
      }
      await Promise.allSettled([...this.inFlight, this.marking]);
    }
  }

  /** Remembers rows written in the runner's current transaction, to publish them once it commits. */
  track(queryRunner: QueryRunner, events: PreparedEvent[]): void {
    const data = queryRunner.data as RunnerData;
    (data[this.pendingKey] ??= []).push({ depth: depthOf(queryRunner), events });
  }

  /** Publishes rows of a statement that has committed on its own (autocommit, see `OutboxService.prepareStatementInsert`). */
  dispatchCommitted(events: PreparedEvent[]): void {
    if (events.length > 0) this.dispatch(events);
  }

  /** TypeORM hook: a savepoint's rows now belong to its parent; the outermost commit dispatches them. */
  afterTransactionCommit(event: TransactionCommitEvent): void {
    const runner = event.queryRunner;
    const pending = (runner.data as RunnerData)[this.pendingKey];
    if (!pending?.length) return;
    if (runner.isTransactionActive) {
      for (const p of pending) p.depth = Math.min(p.depth, depthOf(runner));
      return;
    }
    delete (runner.data as RunnerData)[this.pendingKey];
    this.dispatch(pending.flatMap((p) => p.events));
  }

  /** TypeORM hook: rows of a rolled-back (sub)transaction were never committed; forget them. */
  afterTransactionRollback(event: TransactionRollbackEvent): void {
    const runner = event.queryRunner;
    const data = runner.data as RunnerData;
    const pending = data[this.pendingKey];
    if (!pending) return;
    if (!runner.isTransactionActive) {
      delete data[this.pendingKey];
      return;
    }
    data[this.pendingKey] = pending.filter((p) => p.depth <= depthOf(runner));
  }

  private dispatch(events: PreparedEvent[]): void {
    const run: Promise<void> = this.publish(events).catch((err: unknown) => {
      this.log.warn(`outbox dispatch failed: ${errorMessage(err)}`);
    });
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  private async publish(events: PreparedEvent[]): Promise<void> {
    let results: PromiseSettledResult<void>[];
    try {
      results = await this.publisher.publishPrepared(events);
    } catch (err) {
      results = events.map(() => ({ status: 'rejected', reason: err }) as PromiseRejectedResult);
    }
    const ids = events.map((e) => e.envelope.id);
    const failed = ids.filter((_, i) => results[i]?.status !== 'fulfilled');
    const ok = ids.filter((_, i) => results[i]?.status === 'fulfilled');
    if (ok.length) this.mark(ok);
    if (failed.length) {
      const first = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      const reason = `dispatch after commit failed: ${errorMessage(first?.reason)}`.slice(0, 1000);
      await this.dataSource.query(
        `UPDATE outbox_message SET dispatch_until = NULL, attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::uuid[]) AND published_at IS NULL`,
        [failed, reason],
      );
      this.options.onHandBack?.();
    }
  }

  /** Marks rows published after `markDelayMs`; marks arriving meanwhile, or while one UPDATE runs, go together. */
  private mark(ids: string[]): void {
    this.marks.push(...ids);
    if (this.marking || this.markTimer) return;
    const delay = this.options.markDelayMs ?? DEFAULT_MARK_DELAY_MS;
    if (delay <= 0) return this.flushMarks();
    this.markTimer = setTimeout(() => {
      this.markTimer = undefined;
      this.flushMarks();
    }, delay);
    this.markTimer.unref?.();
  }

  private flushMarks(): void {
    if (this.marking) return;
    this.marking = (async () => {
      while (this.marks.length > 0) {
        const batch = this.marks;
        this.marks = [];
        try {
          await this.dataSource.query(
            `UPDATE outbox_message SET published_at = now(), attempts = attempts + 1, dispatch_until = NULL, last_error = NULL WHERE id = ANY($1::uuid[]) AND published_at IS NULL`,
            [batch],
          );
        } catch (err) {
          // published but not marked: the relay republishes them when the lease ends (consumers de-duplicate)
          this.log.warn(`marking ${batch.length} dispatched outbox rows failed: ${errorMessage(err)}`);
        }
      }
    })().finally(() => {
      this.marking = undefined;
    });
  }
}
