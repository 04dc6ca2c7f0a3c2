import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CardStatusReportV1, EventEnvelope, PaymentRequestDeadLetteredV1, PaymentResultV1 } from '@rcp/contracts';
import { OrderStore, WriteBatch } from '../order-store';

/** Result event types and whether they report success. */
export const RESULT_SUCCESS: Record<string, boolean> = {
  AuthCompleted: true,
  AuthFailed: false,
  AuthCancelCompleted: true,
  AuthCancelFailed: false,
  CaptureCompleted: true,
  CaptureFailed: false,
  CaptureCancelCompleted: true,
  CaptureCancelFailed: false,
};

/**
 * Applies the gateway's results inside the inbox transaction. Every result is recorded in the order's API
 * log; only the result of the order's pending operation changes its tag (late or duplicated ones do not).
 */
@Injectable()
export class ApplyPaymentResult {
  private readonly logger = new Logger(ApplyPaymentResult.name);

  constructor(private readonly store: OrderStore) {}

  async result(manager: EntityManager, envelope: EventEnvelope<PaymentResultV1>): Promise<{ applied: boolean; reason?: string }> {
    const r = envelope.data;
    const order = await this.store.lock(manager, envelope.shopId, r.orderNumber);
    if (!order) {
      this.logger.warn(`${envelope.type} for unknown order ${envelope.shopId}/${r.orderNumber}; ignored`);
      return { applied: false, reason: 'unknown order' };
    }
    const wf = await this.store.workflow(manager, order);
    const outcome = wf.applyResult({
      operationId: r.operationId,
      operation: r.operation,
      success: RESULT_SUCCESS[envelope.type],
      amount: r.amount ?? null,
      processedAt: new Date(r.processedAt),
      errorCode: r.errorCode ?? null,
      message: r.message ?? null,
    });
    const batch = new WriteBatch(); // the result's API log row, the order and its effects: one statement
    batch.apiRows.push({
      orderId: order.id,
      direction: 'result',
      eventType: envelope.type,
      operation: r.operation,
      operationId: r.operationId,
      rccsRequestId: r.rccsRequestId ?? null,
      cardStatus: r.cardStatus ?? null,
      errorCode: r.errorCode ?? null,
      ccsErrorCode: r.ccsErrorCode ?? null,
      message: r.message ?? null,
      amount: r.amount ?? null,
      errorClass: r.errorClass ?? null,
      applied: outcome.applied,
      details: {
        messageId: envelope.id,
        processedAt: r.processedAt,
        approvalNumber: r.approvalNumber ?? null,
        transactionId: r.transactionId ?? null,
        ...(outcome.reason ? { notApplied: outcome.reason } : {}),
      },
      at: this.store.now(),
    });
    await this.store.save(manager, order, wf, { correlationId: envelope.correlationId, causationId: envelope.id }, [], batch);
    await this.store.flush(manager, batch);
    return outcome;
  }

  async cardStatus(manager: EntityManager, envelope: EventEnvelope<CardStatusReportV1>): Promise<void> {
    const r = envelope.data;
    const order = await this.store.lock(manager, envelope.shopId, r.orderNumber);
    if (!order) {
      this.logger.warn(`CardStatusReported for unknown order ${envelope.shopId}/${r.orderNumber}; ignored`);
      return;
    }
    const view = {
      operationId: r.operationId,
      found: r.found,
      cardStatus: r.cardStatus ?? null,
      amount: r.amount ?? null,
      errorCode: r.errorCode ?? null,
      ccsErrorCode: r.ccsErrorCode ?? null,
      message: r.message ?? null,
      brandName: r.brandName ?? null,
      cardNo: r.cardNo ?? null,
      checkedAt: r.checkedAt,
    };
    const previous = order.cardStatus as { checkedAt?: string } | null;
    const newer = !previous?.checkedAt || new Date(previous.checkedAt).getTime() <= new Date(r.checkedAt).getTime();
    const batch = new WriteBatch();
    batch.apiRows.push({
      orderId: order.id,
      direction: 'result',
      eventType: envelope.type,
      operation: 'card-status',
      operationId: r.operationId,
      cardStatus: r.cardStatus ?? null,
      errorCode: r.errorCode ?? null,
      ccsErrorCode: r.ccsErrorCode ?? null,
      message: r.message ?? null,
      amount: r.amount ?? null,
      applied: newer,
      details: { messageId: envelope.id, found: r.found, brandName: r.brandName ?? null, cardNo: r.cardNo ?? null, checkedAt: r.checkedAt },
      at: this.store.now(),
    });
    if (newer) order.cardStatus = view;
    batch.orders.add(order);
    await this.store.flush(manager, batch);
  }

  /** The gateway gave up: the pending operation ends in the error tag of its kind. */
  async deadLettered(manager: EntityManager, envelope: EventEnvelope<PaymentRequestDeadLetteredV1>): Promise<void> {
    const d = envelope.data;
    const orders = await this.store.lockMany(manager, envelope.shopId, d.orderNumbers);
    const batch = new WriteBatch(); // all orders of the request: one write statement
    for (let i = 0; i < d.orderNumbers.length; i++) {
      const order = orders.get(d.orderNumbers[i]);
      if (!order) continue;
      const operationId = d.operationIds.find((id) => id === order.pendingOperationId) ?? d.operationIds[i] ?? null;
      const wf = await this.store.workflow(manager, order);
      const outcome = operationId
        ? wf.applyResult(
            {
              operationId,
              operation: d.operation,
              success: false,
              amount: null,
              processedAt: this.store.now(),
              errorCode: 'DEAD_LETTERED',
              message: `gave up after ${d.attempts} attempts: ${d.reason}`.slice(0, 1000),
            },
            'payment-gateway',
          )
        : { applied: false, reason: 'no operation id' };
      batch.apiRows.push({
        orderId: order.id,
        direction: 'result',
        eventType: envelope.type,
        operation: d.operation,
        operationId,
        errorCode: 'DEAD_LETTERED',
        message: d.reason,
        errorClass: 'operator-action',
        applied: outcome.applied,
        details: { messageId: envelope.id, attempts: d.attempts, parkedIn: d.parkedIn },
        at: this.store.now(),
      });
      await this.store.save(manager, order, wf, { correlationId: envelope.correlationId, causationId: envelope.id }, [], batch);
    }
    await this.store.flush(manager, batch);
  }
}
