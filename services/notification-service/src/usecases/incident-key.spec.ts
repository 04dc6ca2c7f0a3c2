import { AuthFailed, PaymentRequestDeadLettered, PaymentStuck, createEnvelope } from '@rcp/contracts';
import { incidentKey } from './incident-key';

const result = (over: Record<string, unknown> = {}) => ({
  operationId: '11111111-1111-4111-8111-111111111111',
  orderNumber: '338459-20180531-00000703',
  operation: 'auth' as const,
  rccsRequestId: 7,
  cardStatus: null,
  errorCode: 'RCCS_E22-822',
  ccsErrorCode: '210G55',
  message: '限度額オーバー',
  approvalNumber: null,
  transactionId: null,
  amount: 1200,
  errorClass: 'buyer-action' as const,
  processedAt: '2025-01-01T00:00:00.000Z',
  ...over,
});

describe('incidentKey', () => {
  it('is equal for distinct messages about the same failure', () => {
    const a = createEnvelope(AuthFailed, result(), { shopId: 'shop-a' });
    const b = createEnvelope(AuthFailed, result({ processedAt: '2025-01-01T00:05:00.000Z' }), { shopId: 'shop-a' });
    expect(a.id).not.toBe(b.id);
    expect(incidentKey(a)).toBe(incidentKey(b));
  });

  it('differs by shop, operation and error code', () => {
    const base = incidentKey(createEnvelope(AuthFailed, result(), { shopId: 'shop-a' }));
    expect(incidentKey(createEnvelope(AuthFailed, result(), { shopId: 'shop-b' }))).not.toBe(base);
    expect(incidentKey(createEnvelope(AuthFailed, result({ operationId: '22222222-2222-4222-8222-222222222222' }), { shopId: 'shop-a' }))).not.toBe(base);
    expect(incidentKey(createEnvelope(AuthFailed, result({ errorCode: 'RCCS_E99-999' }), { shopId: 'shop-a' }))).not.toBe(base);
  });

  it('ignores the order of operations in a dead-letter and bounds the key length', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const data = { operationIds: ids, orderNumbers: ['338459-20180531-00000703'], operation: 'capture' as const, reason: 'x', attempts: 5, parkedIn: 'q.dlq' };
    const a = createEnvelope(PaymentRequestDeadLettered, data, { shopId: 's' });
    const b = createEnvelope(PaymentRequestDeadLettered, { ...data, operationIds: [...ids].reverse() }, { shopId: 's' });
    expect(incidentKey(a)).toBe(incidentKey(b));
    expect(incidentKey(a).length).toBeLessThan(120);
  });

  it('keys a stuck operation by its operation id', () => {
    const data = { orderNumber: '338459-20180531-00000703', operation: 'auth' as const, operationId: '11111111-1111-4111-8111-111111111111', since: '2025-01-01T00:00:00.000Z', ageSeconds: 3600, detectedBy: 'payment-gateway' };
    const a = createEnvelope(PaymentStuck, data, { shopId: 's' });
    const b = createEnvelope(PaymentStuck, { ...data, ageSeconds: 7200 }, { shopId: 's' });
    expect(incidentKey(a)).toBe(incidentKey(b));
  });
});
