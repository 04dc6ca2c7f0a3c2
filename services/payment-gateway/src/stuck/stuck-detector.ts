import type { DataSource } from 'typeorm';
import { queryRows } from '../persistence/sql';
import { createEnvelope, PaymentStuck, type PaymentOperation } from '@rcp/contracts';
import type { OutboxPort } from '../results/outbox-port';
import type { Clock } from '../clock';

interface StuckRow {
  operation_id: string;
  shop_id: string;
  order_number: string;
  kind: string;
  correlation_id: string;
  message_id: string | null;
  created_at: Date;
  rccs_request_id: number | null;
}

/** Gauges of unresolved operations: in flight at the card API per kind, and stuck (past the deadline, unresolved). */
export interface OperationGauges {
  inFlight: Record<string, number>;
  stuck: number;
}

/** Flags operations unresolved after `afterMs` with PaymentStuck, once per operation (flag + event in one transaction). */
export class StuckDetector {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxPort,
    private readonly clock: Clock,
    private readonly afterMs: number,
    private readonly onGauges?: (gauges: OperationGauges) => void,
  ) {}

  /**
   * Counts operations submitted to the card API without a final result (`in-flight`, per kind) and unresolved
   * operations older than `afterMs` (stuck, flagged or not); reports them to `onGauges` (metrics).
   */
  async measure(): Promise<OperationGauges> {
    const cutoff = new Date(this.clock.now().getTime() - this.afterMs);
    const rows = await queryRows<{ kind: string; in_flight: string; stuck: string }>(
      this.dataSource,
      `SELECT kind, count(*) FILTER (WHERE state = 'in-flight') AS in_flight, count(*) FILTER (WHERE created_at < $1) AS stuck
         FROM payment_operation WHERE state IN ('pending','in-flight','requeued') GROUP BY kind`,
      [cutoff],
    );
    const gauges: OperationGauges = { inFlight: {}, stuck: 0 };
    for (const r of rows) {
      gauges.inFlight[r.kind] = Number(r.in_flight);
      gauges.stuck += Number(r.stuck);
    }
    this.onGauges?.(gauges);
    return gauges;
  }

  async runOnce(): Promise<number> {
    const now = this.clock.now();
    const cutoff = new Date(now.getTime() - this.afterMs);
    return this.dataSource.transaction(async (m) => {
      const rows = await queryRows<StuckRow>(m, 
        `UPDATE payment_operation op SET stuck_reported_at = $2
          FROM (SELECT o.operation_id, cr.rccs_request_id FROM payment_operation o LEFT JOIN card_request cr ON cr.id = o.card_request_id
                 WHERE o.state IN ('pending','in-flight','requeued') AND o.stuck_reported_at IS NULL AND o.created_at < $1
                 ORDER BY o.created_at LIMIT 500 FOR UPDATE OF o SKIP LOCKED) s
          WHERE op.operation_id = s.operation_id
          RETURNING op.operation_id, op.shop_id, op.order_number, op.kind, op.correlation_id, op.message_id, op.created_at, s.rccs_request_id`,
        [cutoff, now],
      );
      if (rows.length === 0) return 0;
      const envelopes = rows.map((r) =>
        createEnvelope(
          PaymentStuck,
          {
            orderNumber: r.order_number,
            operation: r.kind as PaymentOperation,
            operationId: r.operation_id,
            ...(r.rccs_request_id ? { rccsRequestId: r.rccs_request_id } : {}),
            since: new Date(r.created_at).toISOString(),
            ageSeconds: Math.max(0, Math.floor((now.getTime() - new Date(r.created_at).getTime()) / 1000)),
            detectedBy: 'payment-gateway',
          },
          { shopId: r.shop_id, correlationId: r.correlation_id, causationId: r.message_id, occurredAt: now },
        ),
      );
      await this.outbox.add(m, envelopes);
      return rows.length;
    });
  }
}
