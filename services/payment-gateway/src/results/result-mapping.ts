import type { ErrorClass, EventContract, PaymentResultV1 } from '@rcp/contracts';
import { classifyResult, type Classification, type RccsOrderResult } from '@rcp/rccs-client';
import { KIND_SPECS, type AsyncKind } from '../operations/operation-kinds';

/** What the gateway knows about one operation when it decides its result. */
export interface OperationRef {
  operationId: string;
  orderNumber: string;
  kind: AsyncKind;
  amount: number | null;
}

export interface MappedResult {
  contract: EventContract<PaymentResultV1>;
  data: PaymentResultV1;
  succeeded: boolean;
}

const toErrorClass = (c: Classification): ErrorClass | null => (c === 'success' ? null : c);

const clip = (s: string | null | undefined, max: number): string | null => (s === null || s === undefined ? null : s.slice(0, max));

/** Maps Rakuten's per-order result to our result event (classification with {@link classifyResult}). */
export function mapOrderResult(op: OperationRef, rccsRequestId: number, r: RccsOrderResult, decidedAt: Date): MappedResult {
  const classified = classifyResult(r.errorCode, r.ccsErrorCode);
  const succeeded = classified.classification === 'success';
  const spec = KIND_SPECS[op.kind];
  const price = r.price ?? null;
  return {
    contract: succeeded ? spec.completed : spec.failed,
    succeeded,
    data: {
      operationId: op.operationId,
      orderNumber: op.orderNumber,
      operation: op.kind,
      rccsRequestId,
      cardStatus: r.cardStatus ?? null,
      errorCode: clip(r.errorCode, 32),
      ccsErrorCode: clip(r.ccsErrorCode, 16),
      message: clip(r.message ?? classified.messageEn ?? null, 1000),
      approvalNumber: clip(r.approvalNumber, 16),
      transactionId: clip(r.transactionId, 64),
      amount: price !== null && Number.isSafeInteger(price) && price >= 0 ? price : null,
      errorClass: toErrorClass(classified.classification),
      processedAt: (r.regDate ?? decidedAt).toISOString(),
    },
  };
}

/** A failure decided without a per-order result: request-level rejection, refusal, missing result. */
export function failureResult(
  op: OperationRef,
  rccsRequestId: number | null,
  reason: { errorCode?: string | null; message: string; errorClass: ErrorClass },
  decidedAt: Date,
): MappedResult {
  const spec = KIND_SPECS[op.kind];
  return {
    contract: spec.failed,
    succeeded: false,
    data: {
      operationId: op.operationId,
      orderNumber: op.orderNumber,
      operation: op.kind,
      rccsRequestId,
      cardStatus: null,
      errorCode: clip(reason.errorCode ?? null, 32),
      ccsErrorCode: null,
      message: clip(reason.message, 1000),
      approvalNumber: null,
      transactionId: null,
      amount: null,
      errorClass: reason.errorClass,
      processedAt: decidedAt.toISOString(),
    },
  };
}

export const ZERO_YEN_REASON = 'A 0-yen authorization is never sent to the card API: the order needs no authorization (請求金額0円).';
