import type { DataSource } from 'typeorm';
import type { RccsOrderResult } from '@rcp/rccs-client';
import { ledger, type OperationRow } from '../ledger/ledger';
import { KIND_SPECS, type AsyncKind } from '../operations/operation-kinds';
import type { RccsGateway } from '../rccs/rccs-gateway';
import { mapOrderResult } from '../results/result-mapping';
import type { ResultWriter } from '../results/result-writer';
import { ref } from '../submission/submitter';
import type { Clock } from '../clock';

const DAY_MS = 86_400_000;
/** getRCCSResultAll date window the simulator (and the sibling OrderAPI) accept (spec §7). */
const MAX_WINDOW_DAYS = 62;

/** Identity of a Rakuten row the gateway already used as the result of another operation of the order. */
export interface KnownResult {
  transactionId: string | null;
  processedAt: string | null;
}

type OpenOperation = OperationRow & { rccs_request_id: number; request_created_at: Date; known_results: KnownResult[] };

const isKnownRow = (r: RccsOrderResult, known: readonly KnownResult[]) =>
  known.some((k) =>
    r.transactionId
      ? k.transactionId === r.transactionId.slice(0, 64)
      : !k.transactionId && !!r.regDate && !!k.processedAt && Date.parse(k.processedAt) === r.regDate.getTime(),
  );

/**
 * Picks the row of getRCCSResultAll that finishes `op`: its order, its operation family, a final units digit, not
 * older than the request, and not a row already reported as the result of another operation of the order (a
 * re-authorization right after a decline must not be settled with the decline: the clock-skew allowance lets
 * such a row through the date test).
 */
export function findFinishingRow(
  op: { order_number: string; kind: string },
  requestCreatedAt: Date,
  rows: readonly RccsOrderResult[],
  known: readonly KnownResult[] = [],
): RccsOrderResult | undefined {
  const family = KIND_SPECS[op.kind as AsyncKind]?.cardStatusFamily;
  const candidates = rows
    .filter((r) => r.orderNumber === op.order_number && r.cardStatus !== null)
    .filter((r) => Math.floor((r.cardStatus as number) / 10) === family && [2, 3].includes((r.cardStatus as number) % 10))
    .filter((r) => !r.regDate || r.regDate.getTime() >= requestCreatedAt.getTime() - 60_000)
    .filter((r) => !isKnownRow(r, known))
    .sort((a, b) => (b.regDate?.getTime() ?? 0) - (a.regDate?.getTime() ?? 0));
  return candidates[0];
}

/**
 * Periodic repair: for operations still in flight after `afterMs`, one getRCCSResultAll per shop over the
 * window since the oldest of them; rows that show the operation finished settle it (result event via the outbox).
 */
export class Reconciler {
  constructor(
    private readonly dataSource: DataSource,
    private readonly gateway: RccsGateway,
    private readonly results: ResultWriter,
    private readonly clock: Clock,
    private readonly afterMs: number,
  ) {}

  async reconcileShop(shopId: string): Promise<number> {
    const now = this.clock.now();
    const open: OpenOperation[] = await this.dataSource.query(
      `SELECT o.*, cr.rccs_request_id, cr.created_at AS request_created_at,
              COALESCE((SELECT jsonb_agg(jsonb_build_object('transactionId', p.result->>'transactionId', 'processedAt', p.result->>'processedAt'))
                          FROM payment_operation p
                         WHERE p.shop_id = o.shop_id AND p.order_number = o.order_number AND p.operation_id <> o.operation_id
                           AND p.state IN ('succeeded','failed') AND p.kind <> 'card-status' AND p.result IS NOT NULL), '[]'::jsonb) AS known_results
         FROM payment_operation o JOIN card_request cr ON cr.id = o.card_request_id
        WHERE o.shop_id = $1 AND o.state = 'in-flight' AND cr.state IN ('submitted','outcome-unknown') AND cr.created_at < $2
        ORDER BY cr.created_at LIMIT 1000`,
      [shopId, new Date(now.getTime() - this.afterMs)],
    );
    if (open.length === 0) return 0;
    const oldest = Math.max(new Date((open[0] as OpenOperation).request_created_at).getTime() - DAY_MS, now.getTime() - MAX_WINDOW_DAYS * DAY_MS);
    const res = await this.gateway.sync(shopId, (api, c) => api.getRCCSResultAll(c, { fromDate: new Date(oldest), toDate: new Date(now.getTime() + DAY_MS), cardStatus: -1 }));
    if (!res.ok) return 0;
    let repaired = 0;
    for (const op of open) {
      const row = findFinishingRow(op, new Date(op.request_created_at), res.value.results, op.known_results);
      if (!row) continue;
      await this.dataSource.transaction(async (m) => {
        const current = await ledger.findOperation(m, op.operation_id, true);
        if (current?.state !== 'in-flight') return;
        if (await this.results.answer(m, op, mapOrderResult(ref(op), op.rccs_request_id, row, now))) repaired++;
        await m.query(`UPDATE card_request SET next_poll_at = clock_timestamp() WHERE id = $1 AND state IN ('submitted','outcome-unknown')`, [op.card_request_id]);
      });
    }
    return repaired;
  }
}
