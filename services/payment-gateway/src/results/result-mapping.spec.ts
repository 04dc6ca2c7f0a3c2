import type { RccsOrderResult } from '@rcp/rccs-client';
import { failureResult, mapOrderResult } from './result-mapping';

const row = (over: Partial<RccsOrderResult>): RccsOrderResult => ({
  approvalNumber: '0815273',
  brandName: 'VISA',
  cardImstCount: 0,
  cardNo: '****-****-****-4402',
  cardStatus: 12,
  ccsErrorCode: '000000',
  ccsErrorCodeDetail: null,
  companyName: '楽天カード',
  errorCode: 'RCCS_N00-000',
  eventDate: null,
  expYM: '2027/11',
  helpItem: null,
  message: '正常終了',
  orderNumber: '123456-20240105-00000123',
  ownerName: 'HANAKO SATO',
  payType: 0,
  price: 5480,
  regDate: new Date('2024-01-06T00:15:40Z'),
  transactionId: 'T1',
  ...over,
});

const op = { operationId: '0b7c5a5e-8a43-4a55-9d3c-8f6f0c1f7a10', orderNumber: '123456-20240105-00000123', kind: 'auth' as const, amount: 5480 };

describe('result mapping', () => {
  it('maps a success to AuthCompleted with Rakuten fields and no error class', () => {
    const m = mapOrderResult(op, 200004512, row({}), new Date());
    expect(m.contract.type).toBe('AuthCompleted');
    expect(m.data).toMatchObject({ rccsRequestId: 200004512, cardStatus: 12, approvalNumber: '0815273', amount: 5480, errorClass: null, processedAt: '2024-01-06T00:15:40.000Z' });
  });

  it('maps a card decline to AuthFailed / buyer-action', () => {
    const m = mapOrderResult(op, 1, row({ errorCode: 'RCCS_E22-822', ccsErrorCode: '210G55', cardStatus: 13 }), new Date());
    expect(m.contract.type).toBe('AuthFailed');
    expect(m.data.errorClass).toBe('buyer-action');
  });

  it('maps an expired authorization on capture to CaptureFailed / operator-action', () => {
    const m = mapOrderResult({ ...op, kind: 'capture' }, 1, row({ errorCode: 'RCCS_E21-003', cardStatus: 23 }), new Date());
    expect(m.contract.type).toBe('CaptureFailed');
    expect(m.data.errorClass).toBe('operator-action');
  });

  it('maps each kind to its own completed event', () => {
    expect(mapOrderResult({ ...op, kind: 'auth-cancel' }, 1, row({ cardStatus: 32 }), new Date()).contract.type).toBe('AuthCancelCompleted');
    expect(mapOrderResult({ ...op, kind: 'capture-cancel' }, 1, row({ cardStatus: 42 }), new Date()).contract.type).toBe('CaptureCancelCompleted');
  });

  it('builds failures decided without a per-order result', () => {
    const m = failureResult(op, null, { message: 'refused', errorClass: 'operator-action' }, new Date('2024-01-01T00:00:00Z'));
    expect(m.contract.type).toBe('AuthFailed');
    expect(m.data).toMatchObject({ rccsRequestId: null, errorCode: null, message: 'refused', errorClass: 'operator-action' });
  });
});
