import type { RccsOrderResult } from '@rcp/rccs-client';
import { findFinishingRow } from './reconciler';

const r = (cardStatus: number, regDate: string, orderNumber = '123456-20240105-00000001') => ({ orderNumber, cardStatus, regDate: new Date(regDate) }) as RccsOrderResult;

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
});
