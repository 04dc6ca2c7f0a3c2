import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditLogEntity, AuditOutcome } from './entities';
import { Principal } from './principal';
import { redactForAudit } from './redact';

/** One audit row to write. */
export interface AuditEntry {
  action: string;
  actor: Pick<Principal, 'keyId' | 'name' | 'role'> | null;
  actorDetail?: string | null;
  shopId?: string | null;
  target?: string | null;
  outcome: AuditOutcome;
  reason?: string | null;
  correlationId?: string | null;
  /** Request summary; redacted again before it is stored. */
  request?: Record<string, unknown> | null;
}

/** The audit row an HTTP request will produce, prepared by the audit interceptor. */
export interface AuditDraft {
  base: Omit<AuditEntry, 'outcome' | 'reason'>;
  /** Set once the handler has written its own row(s) inside its transaction. */
  recorded: boolean;
}

const drafts = new AsyncLocalStorage<AuditDraft>();

/** Runs `fn` with `draft` as the current request's audit draft. */
export function runWithAuditDraft<T>(draft: AuditDraft, fn: () => T): T {
  return drafts.run(draft, fn);
}

/** The audit draft of the HTTP request being handled, if any. */
export function currentAuditDraft(): AuditDraft | undefined {
  return drafts.getStore();
}

/** Filter of {@link AuditWriter.query}. */
export interface AuditQuery {
  shopId?: string;
  action?: string;
  actor?: string;
  from?: Date;
  to?: Date;
  page: number;
  pageSize: number;
  /** Restrict to these shops (a scoped key); rows without a shop are then hidden. */
  shops?: string[];
}

export interface AuditRowView {
  id: string;
  at: string;
  service: string;
  actor: { keyId: string | null; name: string | null; role: string | null; detail: string | null };
  action: string;
  shopId: string | null;
  target: string | null;
  outcome: AuditOutcome;
  reason: string | null;
  correlationId: string | null;
  request: Record<string, unknown> | null;
}

const MAX_REASON = 500;

/** Writes and reads `audit_log` rows; one shape for every service. */
export class AuditWriter {
  private readonly log = new Logger('audit');

  constructor(
    private readonly dataSource: DataSource,
    private readonly service: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Writes a row with `manager` (inside the action's transaction) or on its own. */
  async write(manager: EntityManager | undefined, entry: AuditEntry): Promise<void> {
    const m = manager ?? this.dataSource.manager;
    await m.insert(AuditLogEntity, this.row(entry) as never);
  }

  /**
   * The `audit_log` row {@link write} inserts for `entry` (redacted and truncated), for callers that write it with a
   * statement of their own (the order-service puts it into the action's one write statement).
   */
  row(entry: AuditEntry): Partial<AuditLogEntity> {
    return {
      id: randomUUID(),
      at: this.now(),
      service: this.service,
      actorKeyId: entry.actor?.keyId ?? null,
      actorName: entry.actor?.name ?? null,
      actorRole: entry.actor?.role ?? null,
      actorDetail: entry.actorDetail ?? null,
      action: entry.action,
      shopId: entry.shopId ?? null,
      target: entry.target ? entry.target.slice(0, 500) : null,
      outcome: entry.outcome,
      reason: entry.reason ? String(redactForAudit(entry.reason.slice(0, MAX_REASON))) : null,
      correlationId: entry.correlationId ?? null,
      request: entry.request ? (redactForAudit(entry.request) as Record<string, unknown>) : null,
    } as Partial<AuditLogEntity>;
  }

  /** Like {@link write} but never throws (logs instead): for rows written after the action has committed. */
  async writeSafely(entry: AuditEntry): Promise<void> {
    try {
      await this.write(undefined, entry);
    } catch (err) {
      this.log.error(`could not write audit row ${entry.action} (${entry.outcome}): ${(err as Error).message}`);
    }
  }

  /**
   * Writes a row for the current HTTP request (its draft, with `overrides`) inside the caller's transaction and marks
   * the request as recorded, so the interceptor adds no second row. No-op (false) outside an HTTP request (events, jobs).
   */
  async recordCurrent(manager: EntityManager, overrides: Partial<AuditEntry> & { outcome: AuditOutcome }): Promise<boolean> {
    const current = this.currentRow(overrides);
    if (!current) return false;
    await manager.insert(AuditLogEntity, current.row as never);
    current.recorded();
    return true;
  }

  /**
   * {@link recordCurrent} for a caller that writes the row with its own statement inside its transaction: the row, and
   * `recorded()` to call once that statement ran (so the interceptor adds no second row). Undefined outside an HTTP
   * request (events, jobs).
   */
  currentRow(overrides: Partial<AuditEntry> & { outcome: AuditOutcome }): { row: Partial<AuditLogEntity>; recorded(): void } | undefined {
    const draft = currentAuditDraft();
    if (!draft) return undefined;
    return {
      row: this.row({ ...draft.base, ...overrides }),
      recorded: () => {
        draft.recorded = true;
      },
    };
  }

  async query(q: AuditQuery): Promise<{ items: AuditRowView[]; page: number; pageSize: number; total: number }> {
    const qb = this.dataSource.getRepository(AuditLogEntity).createQueryBuilder('a');
    if (q.shops) qb.andWhere('a.shop_id IN (:...shops)', { shops: q.shops.length ? q.shops : ['\u0000'] });
    if (q.shopId) qb.andWhere('a.shop_id = :shopId', { shopId: q.shopId });
    if (q.action) qb.andWhere('(a.action = :action OR a.action LIKE :prefix)', { action: q.action, prefix: `${q.action.replace(/[%_\\]/g, '\\$&')}.%` });
    if (q.actor) qb.andWhere('(a.actor_key_id = :actor OR a.actor_name = :actor)', { actor: q.actor });
    if (q.from) qb.andWhere('a.at >= :from', { from: q.from });
    if (q.to) qb.andWhere('a.at < :to', { to: q.to });
    qb.orderBy('a.at', 'DESC').addOrderBy('a.id', 'ASC').skip((q.page - 1) * q.pageSize).take(q.pageSize);
    const [rows, total] = await qb.getManyAndCount();
    return { items: rows.map(auditRowView), page: q.page, pageSize: q.pageSize, total };
  }
}

export function auditRowView(r: AuditLogEntity): AuditRowView {
  return {
    id: r.id,
    at: r.at.toISOString(),
    service: r.service,
    actor: { keyId: r.actorKeyId, name: r.actorName, role: r.actorRole, detail: r.actorDetail },
    action: r.action,
    shopId: r.shopId,
    target: r.target,
    outcome: r.outcome,
    reason: r.reason,
    correlationId: r.correlationId,
    request: r.request,
  };
}
