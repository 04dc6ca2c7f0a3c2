import { CardStateMachine } from './card-state';
import { DEFAULT_CODES, LIMIT_EXCEEDED_MESSAGE } from './codes';
import { DeclineRules } from './decline-rules';
import { provisionOrder } from './fake-card';
import { type BatchInput, type ProcessingPolicy, processBatch } from './processor';
import { DAY_IN_MS } from './time';
import type { AsyncOperation, CardState, OrderRecord } from './types';

const SHOP = 'demo-shop';
const T0 = new Date('2024-01-06T00:15:09Z');
const N1 = '123456-20240105-00000123';
const N2 = '123456-20240105-00000124';

function policy(overrides: Partial<ProcessingPolicy> = {}): ProcessingPolicy {
  return {
    machine: new CardStateMachine(),
    codes: DEFAULT_CODES,
    declineRules: new DeclineRules(),
    authValidityMs: 60 * DAY_IN_MS,
    salesCancelWindowMs: null,
    orderNumberPattern: /^\d{6}-\d{8}-\d{8,10}$/,
    payTypes: [0, 1, 2, 3, 4],
    rejectOverOrderTotal: false,
    rejectWhileInProgress: true,
    ...overrides,
  };
}

function order(n: string, state: CardState = 'unauthorized', extra: Partial<OrderRecord> = {}): OrderRecord {
  return { ...provisionOrder(n, SHOP, T0), cardState: state, ...extra };
}

function run(op: AsyncOperation, items: BatchInput['items'], orders: OrderRecord[], extra: Partial<BatchInput> = {}) {
  return processBatch({
    op,
    shopUrl: SHOP,
    requestId: 200004512,
    now: T0,
    completeAt: new Date(T0.getTime() + 31_000),
    items,
    orders: new Map(orders.map((o) => [o.orderNumber, o])),
    policy: policy(),
    ...extra,
  });
}

describe('processBatch', () => {
  it('authorises: 1 → 12 with approval number, transaction id and the requested amount', () => {
    const { results, changed } = run('authori', [{ orderNumber: N1, helpItem: null, payType: 0, price: 5480 }], [order(N1)]);
    expect(results).toHaveLength(1);
    const r = results[0];
    expect(r).toMatchObject({ errorCode: 'RCCS_N00-000', ccsErrorCode: '000000', message: '正常終了', cardState: 'authorized', stateBefore: 'unauthorized' });
    expect(r).toMatchObject({ price: 5480, payType: 0, helpItem: '', seq: 0, op: 'authori' });
    expect(r.approvalNumber).toMatch(/^\d{7}$/);
    expect(r.approvalNumber).not.toBe('0000000');
    expect(r.transactionId).toMatch(/^\d{32}$/);
    expect(r.transactionId.slice(0, 15)).toBe('240106091540000'); // JST of the completion time
    expect(r.regAt?.toISOString()).toBe('2024-01-06T00:15:40.000Z');
    expect(changed[0]).toMatchObject({ cardState: 'authorized', authorizedAmount: 5480, authorizedAt: T0, approvalNumber: r.approvalNumber });
    expect(changed[0].pending).toEqual({ requestId: 200004512, op: 'authori', until: r.regAt });
  });

  it('declines an authorisation over the card limit with RCCS_E22-822 / 210G55 → 13', () => {
    const { results, changed } = run('authori', [{ orderNumber: N2, helpItem: 'batch-7', payType: 0, price: 1200 }], [order(N2, 'unauthorized', { creditLimit: 1000 })]);
    expect(results[0]).toMatchObject({
      errorCode: 'RCCS_E22-822',
      ccsErrorCode: '210G55',
      message: LIMIT_EXCEEDED_MESSAGE,
      approvalNumber: '0000000',
      cardState: 'authError',
      helpItem: 'batch-7',
    });
    expect(results[0].transactionId).toMatch(/^\d{32}$/);
    expect(changed[0].cardState).toBe('authError');
  });

  it('refuses a 0-yen authorisation per order and leaves the status unchanged', () => {
    const { results, changed } = run('authori', [
      { orderNumber: N1, helpItem: null, payType: 0, price: 0 },
      { orderNumber: N2, helpItem: null, payType: 0, price: 100 },
    ], [order(N1), order(N2)]);
    expect(results.map((r) => [r.orderNumber, r.errorCode, r.cardState])).toEqual([
      [N1, 'RCCS_E03-001', 'unauthorized'],
      [N2, 'RCCS_N00-000', 'authorized'],
    ]);
    expect(changed.map((o) => o.orderNumber)).toEqual([N2]);
  });

  it('refuses unknown pay types and (when enabled) amounts above the order total', () => {
    expect(run('authori', [{ orderNumber: N1, helpItem: null, payType: 9, price: 100 }], [order(N1)]).results[0].errorCode).toBe('RCCS_E03-001');
    const strict = run('authori', [{ orderNumber: N1, helpItem: null, payType: 0, price: 5000 }], [order(N1, 'unauthorized', { amount: 4000 })], {
      policy: policy({ rejectOverOrderTotal: true }),
    });
    expect(strict.results[0].errorCode).toBe('RCCS_E03-001');
  });

  it('reports unknown orders, foreign orders and malformed numbers as order errors', () => {
    const foreign = { ...order(N2), shopUrl: 'other-shop' };
    const { results, changed } = run('sales', [
      { orderNumber: N1, helpItem: null },
      { orderNumber: N2, helpItem: null },
      { orderNumber: 'not-an-order', helpItem: null },
    ], [foreign]);
    expect(results.map((r) => r.errorCode)).toEqual(['RCCS_E21-001', 'RCCS_E21-001', 'RCCS_E21-001']);
    expect(results[1]).toMatchObject({ brandName: null, cardState: null, transactionId: '' });
    expect(changed).toEqual([]);
  });

  it.each([
    ['sales', 'unauthorized'],
    ['salesCancel', 'authorized'],
    ['authoriCancel', 'billed'],
    ['authori', 'billed'],
  ] as const)('refuses %s from %s with a status error, status unchanged', (op, state) => {
    const { results, changed } = run(op, [{ orderNumber: N1, helpItem: null, payType: 0, price: 100 }], [order(N1, state)]);
    expect(results[0]).toMatchObject({ errorCode: 'RCCS_E21-002', cardState: state, approvalNumber: '0000000' });
    expect(changed).toEqual([]);
  });

  it('captures within the validity period and refuses an authorisation older than it (→ 23)', () => {
    const authorizedAt = new Date(T0.getTime() - 60 * DAY_IN_MS);
    const fresh = run('sales', [{ orderNumber: N1, helpItem: null }], [order(N1, 'authorized', { authorizedAt, authorizedAmount: 5480 })]);
    expect(fresh.results[0]).toMatchObject({ errorCode: 'RCCS_N00-000', cardState: 'billed', price: 5480, approvalNumber: '0000000' });

    const old = new Date(T0.getTime() - 61 * DAY_IN_MS);
    const stale = run('sales', [{ orderNumber: N1, helpItem: null }], [order(N1, 'authorized', { authorizedAt: old, authorizedAmount: 5480 })]);
    expect(stale.results[0]).toMatchObject({ errorCode: 'RCCS_E21-003', cardState: 'billingError' });
    expect(stale.changed[0].cardState).toBe('billingError');
  });

  it('cancels: authoriCancel 12 → 32 clears the authorisation, salesCancel 22 → 42', () => {
    const ac = run('authoriCancel', [{ orderNumber: N1, helpItem: null }], [order(N1, 'authorized', { authorizedAt: T0, authorizedAmount: 10, approvalNumber: '1234567' })]);
    expect(ac.results[0]).toMatchObject({ errorCode: 'RCCS_N00-000', cardState: 'authCancelled', price: 10 });
    expect(ac.changed[0]).toMatchObject({ cardState: 'authCancelled', authorizedAt: null, approvalNumber: null });
    const sc = run('salesCancel', [{ orderNumber: N1, helpItem: null }], [order(N1, 'billed', { authorizedAmount: 10 })]);
    expect(sc.results[0]).toMatchObject({ errorCode: 'RCCS_N00-000', cardState: 'billCancelled' });
  });

  it('records the billing time and refuses a salesCancel after the configured window (no deadline by default)', () => {
    const billed = run('sales', [{ orderNumber: N1, helpItem: null }], [order(N1, 'authorized', { authorizedAt: T0, authorizedAmount: 10 })]);
    expect(billed.changed[0].billedAt).toEqual(T0);
    const billedAt = new Date(T0.getTime() - 91 * DAY_IN_MS);
    const late = order(N1, 'billed', { billedAt, authorizedAmount: 10 });
    expect(run('salesCancel', [{ orderNumber: N1, helpItem: null }], [late]).results[0].errorCode).toBe('RCCS_N00-000');
    const windowed = run('salesCancel', [{ orderNumber: N1, helpItem: null }], [late], { policy: policy({ salesCancelWindowMs: 90 * DAY_IN_MS }) });
    expect(windowed.results[0]).toMatchObject({ errorCode: 'RCCS_E21-004', cardState: 'billCancelError' });
  });

  it('applies forced declines until the card is fixed, and decline rules unless exempt', () => {
    const forced = order(N1, 'unauthorized', { forcedDecline: { code: 'G12' } });
    expect(run('authori', [{ orderNumber: N1, helpItem: null, payType: 0, price: 1 }], [forced]).results[0]).toMatchObject({
      errorCode: 'RCCS_E22-801',
      ccsErrorCode: '210G12',
      cardState: 'authError',
    });
    const rules = new DeclineRules([{ orderNumberPattern: '00000123$', code: 'G55' }]);
    const declined = run('authori', [{ orderNumber: N1, helpItem: null, payType: 0, price: 1 }], [order(N1)], { policy: policy({ declineRules: rules }) });
    expect(declined.results[0].errorCode).toBe('RCCS_E22-822');
    const fixed = run('authori', [{ orderNumber: N1, helpItem: null, payType: 0, price: 1 }], [order(N1, 'authError', { rulesExempt: true })], {
      policy: policy({ declineRules: rules }),
    });
    expect(fixed.results[0]).toMatchObject({ errorCode: 'RCCS_N00-000', cardState: 'authorized' });
  });

  it('lets a decline rule leave the status unchanged and use explicit codes', () => {
    const rules = new DeclineRules([{ operations: ['sales'], errorCode: 'RCCS_E99-999', ccsErrorCode: '', message: 'システムエラー', statusEffect: 'unchanged' }]);
    const { results, changed } = run('sales', [{ orderNumber: N1, helpItem: null }], [order(N1, 'authorized', { authorizedAt: T0 })], {
      policy: policy({ declineRules: rules }),
    });
    expect(results[0]).toMatchObject({ errorCode: 'RCCS_E99-999', cardState: 'authorized' });
    expect(changed[0].cardState).toBe('authorized');
  });

  it('refuses an order whose previous operation is still in progress', () => {
    const busy = order(N1, 'authorized', { pending: { requestId: 1, op: 'authori', until: new Date(T0.getTime() + 1) } });
    expect(run('sales', [{ orderNumber: N1, helpItem: null }], [busy]).results[0].errorCode).toBe('RCCS_E21-002');
    const lenient = run('sales', [{ orderNumber: N1, helpItem: null }], [busy], { policy: policy({ rejectWhileInProgress: false }) });
    expect(lenient.results[0].errorCode).toBe('RCCS_N00-000');
  });

  it('processes repeated orders of one request in order (the second sees the first)', () => {
    const { results, changed } = run('authori', [
      { orderNumber: N1, helpItem: null, payType: 0, price: 100 },
      { orderNumber: N1, helpItem: null, payType: 0, price: 200 },
    ], [order(N1)]);
    expect(results.map((r) => r.errorCode)).toEqual(['RCCS_N00-000', 'RCCS_E21-002']);
    expect(changed).toHaveLength(1);
    expect(changed[0].authorizedAmount).toBe(100);
    expect(results.map((r) => r.transactionId.slice(-7))).toEqual(['0000000', '']);
  });

  it('keeps results of a stuck request without a completion time', () => {
    const { results, changed } = run('authori', [{ orderNumber: N1, helpItem: null, payType: 0, price: 100 }], [order(N1)], { completeAt: null });
    expect(results[0].regAt).toBeNull();
    expect(changed[0].pending).toEqual({ requestId: 200004512, op: 'authori', until: null });
  });
});
