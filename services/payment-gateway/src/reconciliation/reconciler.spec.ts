import type { RccsOrderResult } from '@rcp/rccs-client';
import { findFinishingRow } from './reconciler';

const r = (cardStatus: number, regDate: string, orderNumber = '123456-20240105-00000001', transactionId: string | null = null) =>
  ({ orderNumber, cardStatus, regDate: new Date(regDate), transactionId }) as RccsOrderResult;

describe('findFinishingRow', () => {
  const created = new Date('2024-01-06T00:00:00Z');
  it('picks the latest final row of the operation family for the order', () => {
    const rows = [r(12, '2024-01-06T01:00:00Z'), r(22, '2024-01-06T02:00:00Z'), r(12, '2024-01-06T03:00:00Z', '123456-20240105-00000002')];
    expect(findFinishingRow({ order_number: '123456-20240105-00000001', kind: 'auth' }, created, rows)?.cardStatus).toBe(12);
    expect(findFinishingRow({ order_number: '123456-20240105-00000001', kind: 'capture' }, created, rows)?.cardStatus).toBe(22);
  });

  it('ignores rows older than the request and in-progress statuses', () => {
    expect(findFinishingRow({ order_number: '123456-20240105-00000001', kind: 'auth' }, created, [r(12, '2024-01-05T00:00:00Z')])).toBeUndefined();
    expect(findFinishingRow({ order_number: '123456-20240105-00000001', kind: 'auth' }, created, [r(11, '2024-01-06T05:00:00Z')])).toBeUndefined();
  });

  it('skips a row already reported as the result of another operation of the order, even within the clock-skew allowance', () => {
    const order = { order_number: '123456-20240105-00000001', kind: 'auth' };
    const declined = r(13, '2024-01-05T23:59:50Z', order.order_number, 'T-1');
    expect(findFinishingRow(order, created, [declined])?.cardStatus).toBe(13); // 10 s before: allowed for clock skew
    expect(findFinishingRow(order, created, [declined], [{ transactionId: 'T-1', processedAt: '2024-01-05T23:59:50.000Z' }])).toBeUndefined();
    const noTx = r(13, '2024-01-05T23:59:50Z');
    expect(findFinishingRow(order, created, [noTx], [{ transactionId: null, processedAt: '2024-01-05T23:59:50.000Z' }])).toBeUndefined();
    const finished = r(12, '2024-01-06T00:05:00Z', order.order_number, 'T-2');
    expect(findFinishingRow(order, created, [declined, finished], [{ transactionId: 'T-1', processedAt: '2024-01-05T23:59:50.000Z' }])?.transactionId).toBe('T-2');
  });
});
