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
  logger?: MessagingLogger;
}

/** Outcome of {@link InboxService.process}. */
export type InboxResult<T> = { duplicate: true } | { duplicate: false; result: T };

const SEVEN_DAYS_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Idempotent consumption: records `(consumer, message id)` in `inbox_message` in the same transaction as the
 * handler's effect, so a redelivered message has no second effect (at-least-once delivery + inbox = effectively once).
 */
export class InboxService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log: MessagingLogger;
  private pruneTimer?: NodeJS.Timeout;

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
   */
  async process<T>(consumer: string, envelope: Pick<EventEnvelope, 'id'> | string, effect: (manager: EntityManager) => Promise<T>): Promise<InboxResult<T>> {
    const messageId = typeof envelope === 'string' ? envelope : envelope.id;
    return this.db.transaction(async (manager) => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO inbox_message (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1 AS inserted`,
        [consumer, messageId],
      );
      if (inserted.length === 0) return { duplicate: true } as const;
      return { duplicate: false, result: await effect(manager) } as const;
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
