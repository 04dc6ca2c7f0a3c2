import { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Pool, PoolClient } from 'pg';
import type { EventEnvelope } from '@rcp/contracts';
import { MessagingLogger, defaultLogger, errorMessage } from '../logger';
import { MessagingObserver, notify } from '../observer';
import type { PreparedEvent, PublishOptions } from '../publisher';
import { OUTBOX_NOTIFY_CHANNEL } from '../migrations/messaging-tables.migration';
import { OutboxDispatcher } from './outbox-dispatcher';

/** Rows nobody is publishing: unpublished and not leased to a dispatcher (or its lease ended) — what the relay takes. */
const WAITING = `published_at IS NULL AND (dispatch_until IS NULL OR dispatch_until < clock_timestamp())`;

/** What the relay needs from a publisher ({@link EventPublisher} fits). */
export interface OutboxPublisher {
  publishPrepared(events: readonly PreparedEvent[], opts?: PublishOptions): Promise<PromiseSettledResult<void>[]>;
}

/** Options of {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  /** Fallback poll interval (ms) when no NOTIFY arrives; default 1000. */
  pollIntervalMs?: number;
  /** Rows claimed per transaction; default 100. */
  batchSize?: number;
  /** NOTIFY channel to LISTEN on; default `outbox_message_inserted` (what the migration's trigger signals). */
  channel?: string;
  /** LISTEN for inserts (dedicated pooled connection); default true. */
  listen?: boolean;
  /** Published rows older than this are deleted (ms); default 60000. */
  retainPublishedMs?: number;
  /** How often published rows are pruned (ms); default 30000. */
  pruneIntervalMs?: number;
  /** Longest back-off after a failure (ms); default 10000. */
  maxBackoffMs?: number;
  /** Start on Nest application bootstrap; default true. */
  autoStart?: boolean;
  /**
   * Publish rows right after their transaction commits ({@link OutboxDispatcher}) while the relay runs; the relay
   * then only takes what the dispatcher could not publish. Default false; `MessagingModule` turns it on.
   */
  dispatchAfterCommit?: boolean;
  /** Lease of rows written for the dispatcher (ms); default 5000. */
  dispatchLeaseMs?: number;
  /** Confirmed rows of several commits are marked published together after this long (ms); default 50. */
  dispatchMarkDelayMs?: number;
  observer?: MessagingObserver;
  logger?: MessagingLogger;
}

interface OutboxRow {
  seq: string;
  routing_key: string;
  payload: EventEnvelope;
  headers: Record<string, unknown>;
}

/**
 * Publishes `outbox_message` rows: claims a batch with `FOR UPDATE SKIP LOCKED` (so concurrent relays never
 * publish the same row), publishes it with confirms (pipelined), marks the confirmed rows published and commits.
 * A crash between confirm and commit republishes those rows (at-least-once; consumers de-duplicate with the inbox).
 * Wakes on NOTIFY from the insert trigger, polls as a fallback, backs off on broker or database failures and
 * never throws out of its loop.
 */
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log: MessagingLogger;
  private readonly batchSize: number;
  private running = false;
  private loopDone?: Promise<void>;
  private wakeRequested = false;
  private wake?: (force?: boolean) => void;
  private listener?: PoolClient;
  private releaseListener?: (err?: Error | boolean) => void;
  private listenerRetry?: NodeJS.Timeout;
  private lastPrune = 0;
  private lastLagReport = 0;
  private dispatcher?: OutboxDispatcher;

  constructor(
    private readonly dataSource: DataSource | undefined,
    private readonly publisher: OutboxPublisher,
    private readonly options: OutboxRelayOptions = {},
  ) {
    this.log = options.logger ?? defaultLogger('OutboxRelay');
    this.batchSize = options.batchSize ?? 100;
  }

  private get db(): DataSource {
    if (!this.dataSource) throw new Error('OutboxRelay needs a TypeORM DataSource (TypeOrmModule.forRoot…) with MESSAGING_MIGRATIONS applied');
    return this.dataSource;
  }

  /** True while the relay loop runs. */
  get isRunning(): boolean {
    return this.running;
  }

  /** Starts the loop (and the LISTEN connection). Idempotent. */
  start(): void {
    if (this.running) return;
    void this.db;
    this.running = true;
    if (this.options.dispatchAfterCommit) {
      this.dispatcher ??= new OutboxDispatcher(this.db, this.publisher, {
        leaseMs: this.options.dispatchLeaseMs,
        markDelayMs: this.options.dispatchMarkDelayMs,
        onHandBack: () => this.kick(false),
        logger: this.log,
      });
      this.dispatcher.start();
    }
    if (this.options.listen ?? true) void this.startListener();
    this.loopDone = this.loop();
  }

  /** Stops the loop after the current batch and releases the LISTEN connection. */
  async stop(): Promise<void> {
    await this.dispatcher?.stop();
    this.running = false;
    this.kick();
    await this.loopDone;
    clearTimeout(this.listenerRetry);
    const listener = this.listener;
    const release = this.releaseListener;
    if (listener && release) {
      await listener.query(`UNLISTEN *`).catch(() => undefined);
      release();
    }
  }

  /**
   * Publishes what is pending right now, for at most `timeoutMs`; returns how many rows were published.
   * Never throws (failures are logged and the rows stay pending).
   */
  async flush(timeoutMs = 5000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let total = 0;
    while (Date.now() < deadline) {
      try {
        const n = await this.relayOnce();
        total += n;
        if (n < this.batchSize) break;
      } catch (err) {
        this.log.warn(`outbox flush stopped: ${errorMessage(err)}`);
        break;
      }
    }
    return total;
  }

  /** Nest hook: starts the relay unless `autoStart` is false. */
  onApplicationBootstrap(): void {
    if (this.options.autoStart ?? true) this.start();
  }

  /** Nest hook: stops the loop and flushes pending rows (bounded) before the publisher closes. */
  async beforeApplicationShutdown(): Promise<void> {
    const wasRunning = this.running;
    await this.stop();
    if (wasRunning) await this.flush();
  }

  /**
   * Age (ms) of the oldest row waiting to be published; 0 when nothing is pending. Rows the dispatcher holds under a
   * live lease (being published, or published and awaiting their mark) do not count until the lease ends.
   */
  async oldestUnpublishedAgeMs(): Promise<number> {
    const rows: { age: string | null }[] = await this.db.query(
      `SELECT (extract(epoch FROM now() - created_at) * 1000)::bigint AS age FROM outbox_message WHERE ${WAITING} ORDER BY seq LIMIT 1`,
    );
    return rows.length ? Math.max(0, Number(rows[0].age ?? 0)) : 0;
  }

  /** Rows waiting to be published (as {@link OutboxRelay.oldestUnpublishedAgeMs}) and the age (ms) of the oldest one (0 when none), in one query. */
  async pendingStats(): Promise<{ pending: number; oldestAgeMs: number }> {
    const rows: { pending: string | number; age: string | null }[] = await this.db.query(
      `SELECT count(*) AS pending, (extract(epoch FROM now() - min(created_at)) * 1000)::bigint AS age FROM outbox_message WHERE ${WAITING}`,
    );
    return { pending: Number(rows[0]?.pending ?? 0), oldestAgeMs: Math.max(0, Number(rows[0]?.age ?? 0)) };
  }

  /**
   * One relay transaction: claim up to `batchSize` pending rows, publish, mark the confirmed ones, commit.
   * @returns rows published
   * @throws when the database fails or some rows were not confirmed (after committing the confirmed ones)
   */
  async relayOnce(): Promise<number> {
    const runner = this.db.createQueryRunner();
    await runner.connect();
    let failure: string | undefined;
    let published = 0;
    try {
      await runner.startTransaction();
      const rows: OutboxRow[] = await runner.query(
        `SELECT seq, routing_key, payload, headers FROM outbox_message
          WHERE ${WAITING}
          ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      if (rows.length > 0) {
        const results = await this.publisher.publishPrepared(
          rows.map((r) => ({ envelope: r.payload, routingKey: r.routing_key, headers: r.headers ?? {} })),
        );
        const ok = rows.filter((_, i) => results[i].status === 'fulfilled').map((r) => r.seq);
        const failed = rows.filter((_, i) => results[i].status === 'rejected').map((r) => r.seq);
        if (ok.length) {
          await runner.query(`UPDATE outbox_message SET published_at = now(), attempts = attempts + 1, last_error = NULL, dispatch_until = NULL WHERE seq = ANY($1::bigint[])`, [ok]);
        }
        if (failed.length) {
          const first = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          failure = `${failed.length} of ${rows.length} outbox messages not published: ${errorMessage(first?.reason)}`;
          await runner.query(`UPDATE outbox_message SET attempts = attempts + 1, last_error = $2 WHERE seq = ANY($1::bigint[])`, [failed, failure.slice(0, 1000)]);
        }
        published = ok.length;
      }
      await runner.commitTransaction();
    } catch (err) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      await runner.release().catch(() => undefined);
    }
    if (failure) throw new Error(failure);
    return published;
  }

  /** Deletes published rows older than `retainPublishedMs`; returns how many. */
  async prunePublished(): Promise<number> {
    const cutoff = new Date(Date.now() - (this.options.retainPublishedMs ?? 60_000));
    const result: [unknown[], number] = await this.db.query(`DELETE FROM outbox_message WHERE published_at IS NOT NULL AND published_at < $1`, [cutoff]);
    return Array.isArray(result) ? Number(result[1] ?? 0) : 0;
  }

  private async loop(): Promise<void> {
    let backoff = 0;
    while (this.running) {
      let full = false;
      try {
        full = (await this.relayOnce()) >= this.batchSize;
        if (backoff > 0) this.log.log('outbox relay recovered');
        backoff = 0;
        await this.housekeeping();
      } catch (err) {
        backoff = Math.min(Math.max(200, backoff * 2), this.options.maxBackoffMs ?? 10_000);
        this.log.warn(`outbox relay pass failed (${errorMessage(err)}); retrying in ${backoff} ms`);
        await this.sleep(backoff, false);
        continue;
      }
      if (!full) await this.sleep(this.options.pollIntervalMs ?? 1000, true);
    }
  }

  private async housekeeping(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune >= (this.options.pruneIntervalMs ?? 30_000)) {
      this.lastPrune = now;
      await this.prunePublished();
    }
    const observer = this.options.observer;
    if ((observer?.onOutboxLag || observer?.onOutboxPending) && now - this.lastLagReport >= 1000) {
      this.lastLagReport = now;
      const stats = await this.pendingStats();
      notify(observer, 'onOutboxLag', stats.oldestAgeMs);
      notify(observer, 'onOutboxPending', stats.pending);
    }
  }

  /** Waits `ms`, or less when a NOTIFY (or stop) arrives; `wakeable=false` ignores NOTIFY (back-off). */
  private sleep(ms: number, wakeable: boolean): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (wakeable && this.wakeRequested) {
      this.wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === wakeFn) this.wake = undefined;
        resolve();
      };
      const wakeFn = (force?: boolean): void => {
        if (wakeable || force) done();
      };
      const timer = setTimeout(done, ms);
      this.wake = wakeFn;
    });
  }

  private kick(force = true): void {
    if (this.wake) this.wake(force);
    else this.wakeRequested = true;
  }

  private async startListener(): Promise<void> {
    if (!this.running) return;
    const pool = (this.db.driver as unknown as { master?: Pool }).master;
    if (!pool) {
      this.log.warn('no PostgreSQL pool found on the DataSource; the outbox relay only polls');
      return;
    }
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      this.log.warn(`cannot LISTEN for outbox inserts (${errorMessage(err)}); polling meanwhile`);
      this.scheduleListener();
      return;
    }
    const current = client;
    // The connection can fail more than once (an error event and the pending query's rejection, or a stop racing a
    // failure); it goes back to the pool exactly once — a second release throws inside an event handler.
    let released = false;
    const release = (err?: Error | boolean): void => {
      if (released) return;
      released = true;
      if (this.listener === current) this.listener = undefined;
      this.releaseListener = undefined;
      current.release(err);
    };
    current.on('error', (err) => {
      if (released) return;
      this.log.warn(`outbox LISTEN connection lost (${errorMessage(err)}); reconnecting`);
      release(err);
      this.scheduleListener();
    });
    // Wakes a sleeping loop, or (mid-pass) asks for one more pass. Setting both made every notified pass followed by
    // an empty one (3 statements per committed transaction with events).
    current.on('notification', () => this.kick(false));
    try {
      await current.query(`LISTEN "${(this.options.channel ?? OUTBOX_NOTIFY_CHANNEL).replace(/"/g, '""')}"`);
    } catch (err) {
      if (!released) {
        this.log.warn(`cannot LISTEN for outbox inserts (${errorMessage(err)}); polling meanwhile`);
        release(err instanceof Error ? err : true);
        this.scheduleListener();
      }
      return;
    }
    if (!this.running || released) {
      release();
      return;
    }
    this.listener = current;
    this.releaseListener = release;
    this.kick(false); // rows may have arrived while we were not listening
  }

  private scheduleListener(): void {
    if (!this.running) return;
    clearTimeout(this.listenerRetry);
    this.listenerRetry = setTimeout(() => void this.startListener(), 1000);
    this.listenerRetry.unref?.();
  }
}
