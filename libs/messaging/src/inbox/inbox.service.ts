import { AsyncResource } from 'node:async_hooks';
import { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { EventEnvelope } from '@rcp/contracts';
import { MessagingLogger, defaultLogger, errorMessage } from '../logger';

/** Options of {@link InboxService}. */
export interface InboxOptions {
  /** Processed-message rows older than this are pruned (ms); default 7 days. */
  retentionMs?: number;
  /** How often to prune (ms); default 1 hour. 0 disables the timer. */
  pruneIntervalMs?: number;
  /**
   * Group commit: messages whose `process` calls arrive while this inbox's transactions are busy wait, then run
   * together in one transaction (one multi-row inbox insert, one commit), in arrival order. Only for effects that do
   * nothing but database work through the given manager (they may run twice: a failing group is rolled back and each
   * of its messages redone alone, so one bad message fails only itself). Unset = one transaction per message.
   */
  groupCommit?: InboxGroupCommit;
  logger?: MessagingLogger;
}

/** Limits of {@link InboxOptions.groupCommit}. */
export interface InboxGroupCommit {
  /** Most messages per transaction. */
  maxMessages: number;
  /** Most group transactions at a time (each holds a pool connection); default 2. */
  maxTransactions?: number;
}

/**
 * The statement that claims a group's inbox rows: `INSERT INTO inbox_message … ON CONFLICT DO NOTHING RETURNING
 * consumer, message_id`, with its two parameters as `$1` (consumers, text[]) and `$2` (message ids, uuid[]).
 */
export interface InboxClaimStatement {
  readonly sql: string;
  readonly params: readonly [string[], string[]];
}

/** A row the claim inserted: the message is new for that consumer. */
export interface InboxClaimedRow {
  consumer: string;
  message_id: string;
}

/**
 * Runs a group transaction's claim as a CTE of a statement of its own, with work the effects would otherwise do each
 * in a statement of their own (e.g. locking the rows they read), and returns the rows the claim returned; undefined to
 * leave the claim to the inbox (e.g. a group it has nothing to add to). See {@link InboxService.claimWith}.
 */
export type InboxClaimHook = (manager: EntityManager, claim: InboxClaimStatement, envelopes: readonly EventEnvelope[]) => Promise<InboxClaimedRow[] | undefined>;

const GROUP_CLAIM_SQL =
  'INSERT INTO inbox_message (consumer, message_id) SELECT * FROM unnest($1::text[], $2::uuid[]) ON CONFLICT DO NOTHING RETURNING consumer, message_id';

/** Outcome of {@link InboxService.process}. */
export type InboxResult<T> = { duplicate: true } | { duplicate: false; result: T };

const SEVEN_DAYS_MS = 7 * 24 * 60 * 60 * 1000;

/** A message waiting for its group transaction; its effect runs in the async context of its own `process` call. */
interface Waiting {
  consumer: string;
  messageId: string;
  /** The envelope given to `process` (not when it was given only an id). */
  envelope?: EventEnvelope;
  effect: (manager: EntityManager) => Promise<unknown>;
  context: AsyncResource;
  resolve: (result: InboxResult<unknown>) => void;
  reject: (err: unknown) => void;
}

/**
 * Idempotent consumption: records `(consumer, message id)` in `inbox_message` in the same transaction as the
 * handler's effect, so a redelivered message has no second effect (at-least-once delivery + inbox = effectively once).
 */
export class InboxService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log: MessagingLogger;
  private pruneTimer?: NodeJS.Timeout;
  private readonly waiting: Waiting[] = [];
  private groupsRunning = 0;
  private groupScheduled = false;
  private claimHook?: InboxClaimHook;

  constructor(
    private readonly dataSource: DataSource | undefined,
    private readonly options: InboxOptions = {},
  ) {
    this.log = options.logger ?? defaultLogger('InboxService');
  }

  private get db(): DataSource {
    if (!this.dataSource) throw new Error('InboxService needs a TypeORM DataSource (TypeOrmModule.forRoot…) with MESSAGING_MIGRATIONS applied');
    return this.dataSource;
  }

  /**
   * Runs `effect` exactly once per (consumer, message): in one transaction, inserts the inbox row
   * (`ON CONFLICT DO NOTHING`); if it already existed returns `{ duplicate: true }` without running the effect,
   * otherwise runs the effect with the same EntityManager and commits. A concurrent duplicate waits for the first
   * transaction and is then reported as duplicate (or runs, if the first rolled back). Errors roll everything back.
   * With {@link InboxOptions.groupCommit} the transaction may be shared with other messages (same guarantees; the
   * promise settles when the shared transaction committed, or with this message's own error).
   */
  process<T>(consumer: string, envelope: Pick<EventEnvelope, 'id'> | string, effect: (manager: EntityManager) => Promise<T>): Promise<InboxResult<T>> {
    const messageId = typeof envelope === 'string' ? envelope : envelope.id;
    if (!this.options.groupCommit) return this.processAlone(consumer, messageId, effect);
    return new Promise<InboxResult<T>>((resolve, reject) => {
      this.waiting.push({
        consumer,
        messageId,
        envelope: typeof envelope === 'object' && 'type' in envelope ? (envelope as EventEnvelope) : undefined,
        effect,
        context: new AsyncResource('InboxGroupCommit'),
        resolve: resolve as (result: InboxResult<unknown>) => void,
        reject,
      });
      this.scheduleGroup();
    });
  }

  /**
   * With {@link InboxOptions.groupCommit}: `hook` runs the claim of each group transaction (also a group of one) as a
   * CTE of a statement of its own, before the effects run, given the envelopes of the group's messages (duplicates
   * included: which are new is what the claim tells) — e.g. to lock the rows the effects will read in the same
   * round trip. The claim must run before the hook's other work within that statement (the order every transaction
   * takes its locks in). The hook must only prepare: every effect still has to be correct without it (it runs alone,
   * without the hook, when its group fails). One hook per inbox; a second call replaces it.
   */
  claimWith(hook: InboxClaimHook): void {
    this.claimHook = hook;
  }

  private processAlone<T>(consumer: string, messageId: string, effect: (manager: EntityManager) => Promise<T>): Promise<InboxResult<T>> {
    return this.db.transaction(async (manager) => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO inbox_message (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1 AS inserted`,
        [consumer, messageId],
      );
      if (inserted.length === 0) return { duplicate: true } as const;
      return { duplicate: false, result: await effect(manager) } as const;
    });
  }

  /** Starts a group at the end of this event-loop turn (messages delivered together join it), if a slot is free. */
  private scheduleGroup(): void {
    const slots = this.options.groupCommit?.maxTransactions ?? 2;
    if (this.groupScheduled || this.waiting.length === 0 || this.groupsRunning >= slots) return;
    this.groupScheduled = true;
    setImmediate(() => {
      this.groupScheduled = false;
      if (this.waiting.length === 0 || this.groupsRunning >= slots) return;
      const group = this.waiting.splice(0, Math.max(1, this.options.groupCommit?.maxMessages ?? 1));
      this.groupsRunning++;
      void this.runGroup(group).finally(() => {
        this.groupsRunning--;
        this.scheduleGroup();
      });
      this.scheduleGroup();
    });
  }

  private async runGroup(group: Waiting[]): Promise<void> {
    let results: InboxResult<unknown>[];
    try {
      results = await this.db.transaction(async (manager) => {
        const claim: InboxClaimStatement = { sql: GROUP_CLAIM_SQL, params: [group.map((w) => w.consumer), group.map((w) => w.messageId)] };
        const envelopes = group.flatMap((w) => (w.envelope ? [w.envelope] : []));
        const inserted: InboxClaimedRow[] = (this.claimHook && (await this.claimHook(manager, claim, envelopes))) || (await manager.query(claim.sql, [...claim.params]));
        const fresh = new Set(inserted.map((r) => `${r.consumer}\u0000${r.message_id}`));
        // the first of the same message in a group runs it; later copies are duplicates
        const runs = group.map((w) => fresh.delete(`${w.consumer}\u0000${w.messageId.toLowerCase()}`));
        const out: InboxResult<unknown>[] = [];
        for (const [i, w] of group.entries()) {
          out.push(runs[i] ? { duplicate: false, result: await w.context.runInAsyncScope(() => w.effect(manager)) } : { duplicate: true });
        }
        return out;
      });
    } catch (err) {
      if (group.length === 1) {
        group[0]!.context.emitDestroy();
        group[0]!.reject(err);
        return;
      }
      this.log.debug?.(`a group of ${group.length} inbox messages failed (${errorMessage(err)}); redoing each alone`);
      for (const w of group) {
        await w.context.runInAsyncScope(() => this.processAlone(w.consumer, w.messageId, w.effect)).then(w.resolve, w.reject);
        w.context.emitDestroy();
      }
      return;
    }
    group.forEach((w, i) => {
      w.context.emitDestroy();
      w.resolve(results[i]!);
    });
  }

  /** True when the message was already processed by `consumer`. */
  async isProcessed(consumer: string, messageId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM inbox_message WHERE consumer = $1 AND message_id = $2`, [consumer, messageId]);
    return rows.length > 0;
  }

  /** Deletes rows older than the retention (or `olderThanMs`); returns how many. */
  async prune(olderThanMs = this.options.retentionMs ?? SEVEN_DAYS_MS): Promise<number> {
    const result: [unknown[], number] = await this.db.query(`DELETE FROM inbox_message WHERE processed_at < $1`, [new Date(Date.now() - olderThanMs)]);
    return Array.isArray(result) ? Number(result[1] ?? 0) : 0;
  }

  /** Starts the periodic prune (no-op without a DataSource). */
  startPruning(): void {
    const every = this.options.pruneIntervalMs ?? 60 * 60 * 1000;
    if (!this.dataSource || every <= 0 || this.pruneTimer) return;
    this.pruneTimer = setInterval(() => {
      this.prune().catch((err) => this.log.warn(`inbox prune failed: ${errorMessage(err)}`));
    }, every);
    this.pruneTimer.unref?.();
  }

  /** Stops the periodic prune. */
  stopPruning(): void {
    clearInterval(this.pruneTimer);
    this.pruneTimer = undefined;
  }

  /** Nest hook: starts pruning. */
  onApplicationBootstrap(): void {
    this.startPruning();
  }

  /** Nest hook: stops pruning. */
  onApplicationShutdown(): void {
    this.stopPruning();
  }
}
