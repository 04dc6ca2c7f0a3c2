import {
  AuthCancelFailed,
  AuthExpiring,
  AuthFailed,
  CaptureCancelFailed,
  CaptureFailed,
  ErrorClass,
  EventEnvelope,
  PaymentRequestDeadLettered,
  PaymentStuck,
  createEnvelope,
} from '@rcp/contracts';
import { randomUUID } from 'node:crypto';

export const ORDER = '338459-20180531-00000703';

export function paymentResult(overrides: Record<string, unknown> = {}) {
  return {
    operationId: randomUUID(),
    orderNumber: ORDER,
    operation: 'auth' as const,
    rccsRequestId: 4711,
    cardStatus: 13,
    errorCode: 'RCCS_E22-822',
    ccsErrorCode: '210G55',
    message: '限度額オーバーです',
    approvalNumber: null,
    transactionId: null,
    amount: 12800,
    errorClass: 'buyer-action' as ErrorClass,
    processedAt: '2025-03-01T03:00:00.000Z',
    ...overrides,
  };
}

/** One valid event of every handled type, for a shop. */
export function sampleEvents(shopId: string, order = ORDER): Record<string, EventEnvelope> {
  const at = new Date('2025-03-01T03:00:00.000Z');
  return {
    AuthFailed: createEnvelope(AuthFailed, paymentResult({ orderNumber: order }), { shopId, occurredAt: at }),
    CaptureFailed: createEnvelope(
      CaptureFailed,
      paymentResult({ orderNumber: order, operation: 'capture', errorCode: 'RCCS_E31-102', message: '売上請求できません', errorClass: 'operator-action' }),
      { shopId, occurredAt: at },
    ),
    AuthCancelFailed: createEnvelope(
      AuthCancelFailed,
      paymentResult({ orderNumber: order, operation: 'auth-cancel', errorCode: 'RCCS_E41-001', errorClass: 'operator-action' }),
      { shopId, occurredAt: at },
    ),
    CaptureCancelFailed: createEnvelope(
      CaptureCancelFailed,
      paymentResult({ orderNumber: order, operation: 'capture-cancel', errorCode: 'RCCS_E51-001', errorClass: 'operator-action' }),
      { shopId, occurredAt: at },
    ),
    PaymentRequestDeadLettered: createEnvelope(
      PaymentRequestDeadLettered,
      { operationIds: [randomUUID()], orderNumbers: [order], operation: 'capture', reason: 'card API unreachable (ECONNREFUSED)', attempts: 5, parkedIn: 'payment-gateway.dlq' },
      { shopId, occurredAt: at },
    ),
    PaymentStuck: createEnvelope(
      PaymentStuck,
      { orderNumber: order, operation: 'auth', operationId: randomUUID(), rccsRequestId: 99, since: '2025-03-01T01:00:00.000Z', ageSeconds: 3900, detectedBy: 'payment-gateway' },
      { shopId, occurredAt: at },
    ),
    AuthExpiring: createEnvelope(
      AuthExpiring,
      { orderNumber: order, authorizedAt: '2025-01-05T15:30:00.000Z', expiresAt: '2025-03-06T15:30:00.000Z', daysLeft: 5, amount: 12800 },
      { shopId, occurredAt: at },
    ),
  };
}
