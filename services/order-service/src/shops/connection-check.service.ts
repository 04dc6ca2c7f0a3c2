import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { ConnectionCheckCompletedV1, ConnectionCheckRequested, createEnvelope, EventEnvelope } from '@rcp/contracts';
import { AuditWriter, currentAuditDraft } from '@rcp/auth';
import { CLOCK, Clock } from '../common/clock';
import { ORDER_ENV, OrderEnv } from '../config/env';
import { EVENT_OUTBOX, EventOutbox } from '../events/outbox.port';
import { ShopHistory } from './shop-history';

export interface ConnectionCheckView {
  checkId: string;
  shopId: string;
  status: 'pending' | 'completed';
  requestedAt: string;
  requestedBy: string | null;
  outcome: ConnectionCheckCompletedV1['outcome'] | null;
  errorCode: string | null;
  message: string | null;
  latencyMs: number | null;
  completedAt: string | null;
}

const POLL_MS = 100;

/** 接続確認: asks payment-gateway to log in with the shop's stored credentials and records the answer. */
@Injectable()
export class ConnectionCheckService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
    private readonly history: ShopHistory,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ORDER_ENV) private readonly env: OrderEnv,
  ) {}

  /** Records the request and publishes ConnectionCheckRequested (one transaction); returns the check id. */
  async request(shopId: string, actor: string): Promise<string> {
    const checkId = randomUUID();
    const now = this.clock.now();
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`INSERT INTO connection_check (check_id, shop_id, requested_at, requested_by) VALUES ($1, $2, $3, $4)`, [checkId, shopId, now, actor]);
      await this.history.record(manager, shopId, now, 'connection-check.requested', actor, { checkId });
      const draft = currentAuditDraft();
      await this.outbox.add(manager, [createEnvelope(ConnectionCheckRequested, { checkId }, { shopId, correlationId: draft?.base.correlationId ?? undefined })]);
      await this.audit.recordCurrent(manager, { target: checkId, outcome: 'accepted' });
    });
    return checkId;
  }

  /** Waits up to CONNECTION_CHECK_WAIT_MS for the gateway's answer; the check as it stands then. */
  async waitForResult(shopId: string, checkId: string, waitMs = this.env.CONNECTION_CHECK_WAIT_MS): Promise<ConnectionCheckView> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const view = await this.get(shopId, checkId);
      if (view.status === 'completed' || Date.now() >= deadline) return view;
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(1, deadline - Date.now()))));
    }
  }

  async get(shopId: string, checkId: string): Promise<ConnectionCheckView> {
    const [row] = (await this.dataSource.query(`SELECT * FROM connection_check WHERE check_id = $1 AND shop_id = $2`, [checkId, shopId])) as Record<string, unknown>[];
    if (!row) throw new NotFoundException(`connection check ${checkId} not found`);
    return toView(row);
  }

  /** Applies ConnectionCheckCompleted (inside the inbox transaction); a check of another shop or a second answer is ignored. */
  async complete(manager: EntityManager, e: EventEnvelope<ConnectionCheckCompletedV1>): Promise<boolean> {
    const d = e.data;
    const now = this.clock.now();
    const updated = (await manager.query(
      `UPDATE connection_check SET status = 'completed', outcome = $3, error_code = $4, message = $5, latency_ms = $6, completed_at = $7
        WHERE check_id = $1 AND shop_id = $2 AND status = 'pending' RETURNING check_id`,
      [d.checkId, e.shopId, d.outcome, d.errorCode ?? null, d.message?.slice(0, 500) ?? null, d.latencyMs, now],
    )) as [unknown[], number] | unknown[];
    const rows = Array.isArray(updated[0]) ? (updated[0] as unknown[]) : (updated as unknown[]);
    if (rows.length === 0) return false;
    await this.history.record(manager, e.shopId, now, 'connection-check.completed', 'payment-gateway', {
      checkId: d.checkId,
      outcome: d.outcome,
      errorCode: d.errorCode ?? null,
      message: d.message ?? null,
      latencyMs: d.latencyMs,
    });
    return true;
  }
}

function toView(r: Record<string, unknown>): ConnectionCheckView {
  const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
  return {
    checkId: r.check_id as string,
    shopId: r.shop_id as string,
    status: r.status as ConnectionCheckView['status'],
    requestedAt: iso(r.requested_at)!,
    requestedBy: (r.requested_by as string) ?? null,
    outcome: (r.outcome as ConnectionCheckView['outcome']) ?? null,
    errorCode: (r.error_code as string) ?? null,
    message: (r.message as string) ?? null,
    latencyMs: (r.latency_ms as number) ?? null,
    completedAt: iso(r.completed_at),
  };
}
