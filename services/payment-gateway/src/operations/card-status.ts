import type { DataSource } from 'typeorm';
import { CardStatusReported, createEnvelope, type CardStatusReportV1, type EventEnvelope } from '@rcp/contracts';
import { NonRetryableError } from '@rcp/messaging';
import type { RccsOrderResult } from '@rcp/rccs-client';
import { ledger } from '../ledger/ledger';
import type { RccsGateway } from '../rccs/rccs-gateway';
import { RetryableApiError } from '../rccs/transient';
import type { OutboxPort } from '../results/outbox-port';
import type { Clock } from '../clock';
import type { PaymentRequestData } from './request-intake';

const DAY_MS = 86_400_000;
const WINDOW_DAYS = 62;
const CARD_NO = /^[*\d -]{0,24}$/;

/** Builds the report from the latest row Rakuten has for the order (none → found: false). */
export function buildCardStatusReport(operationId: string, orderNumber: string, rows: readonly RccsOrderResult[], checkedAt: Date): CardStatusReportV1 {
  const latest = rows
    .filter((r) => r.orderNumber === orderNumber)
    .sort((a, b) => (b.regDate?.getTime() ?? 0) - (a.regDate?.getTime() ?? 0))[0];
  if (!latest) {
    return { operationId, orderNumber, found: false, cardStatus: null, amount: null, errorCode: null, ccsErrorCode: null, message: null, brandName: null, cardNo: null, checkedAt: checkedAt.toISOString() };
  }
  return {
    operationId,
    orderNumber,
    found: true,
    cardStatus: latest.cardStatus,
    amount: latest.price !== null && latest.price >= 0 ? latest.price : null,
    errorCode: latest.errorCode?.slice(0, 32) ?? null,
    ccsErrorCode: latest.ccsErrorCode?.slice(0, 16) ?? null,
    message: latest.message?.slice(0, 1000) ?? null,
    brandName: latest.brandName?.slice(0, 32) ?? null,
    cardNo: latest.cardNo && CARD_NO.test(latest.cardNo) ? latest.cardNo : null,
    checkedAt: checkedAt.toISOString(),
  };
}

/**
 * Use case "report the card status of an order": getRCCSResultAll filtered by order number over the widest
 * window (the order's current state at Rakuten, whoever changed it; getRCCSResult would need a request id we
 * may not have). Synchronous: answered in the handler, operation row + report in one transaction.
 */
export class CardStatusReporter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly gateway: RccsGateway,
    private readonly outbox: OutboxPort,
    private readonly clock: Clock,
  ) {}

  async handle(envelope: EventEnvelope<PaymentRequestData>): Promise<void> {
    const { operationId, orderNumber } = envelope.data;
    if (!(await this.gateway.knowsShop(envelope.shopId))) {
      throw new NonRetryableError(`shop ${envelope.shopId} has no card-API credentials configured in the gateway`);
    }
    const existing = await ledger.findOperation(this.dataSource, operationId);
    if (existing) return;
    const now = this.clock.now();
    let rows: RccsOrderResult[] = [];
    let refusal: { errorCode: string; message: string | null } | undefined;
    try {
      const res = await this.gateway.sync(envelope.shopId, (api, c) =>
        api.getRCCSResultAll(c, { fromDate: new Date(now.getTime() - WINDOW_DAYS * DAY_MS), toDate: new Date(now.getTime() + DAY_MS), orderNumber, cardStatus: -1 }),
      );
      if (res.ok) rows = res.value.results;
      else refusal = { errorCode: res.errorCode, message: res.message };
    } catch (err) {
      if (err instanceof RetryableApiError) throw new Error(err.message);
      throw err;
    }
    const report = buildCardStatusReport(operationId, orderNumber, rows, now);
    if (refusal) Object.assign(report, { errorCode: refusal.errorCode.slice(0, 32), message: (refusal.message ?? 'card status query refused').slice(0, 1000) });
    await this.dataSource.transaction(async (m) => {
      const inserted = await ledger.insertOperation(m, {
        operation_id: operationId,
        shop_id: envelope.shopId,
        order_number: orderNumber,
        kind: 'card-status',
        amount: null,
        pay_type: null,
        help_item: null,
        state: 'succeeded',
        message_id: envelope.id,
        correlation_id: envelope.correlationId,
      });
      if (!inserted) return;
      await m.query(`UPDATE payment_operation SET result_event = $2, result = $3::jsonb, completed_at = now() WHERE operation_id = $1`, [
        operationId,
        CardStatusReported.type,
        JSON.stringify(report),
      ]);
      await this.outbox.add(m, createEnvelope(CardStatusReported, report, { shopId: envelope.shopId, correlationId: envelope.correlationId, causationId: envelope.id, occurredAt: now }));
    });
  }
}
