import { PaymentWorkflow, autoProgressTarget } from './payment-workflow';
import { OrderState, PaymentSettings } from './types';

const NOW = new Date('2024-06-01T00:00:00Z');
const DAY = 86_400_000;

const settings = (over: Partial<PaymentSettings> = {}): PaymentSettings => ({
  useCardApi: true,
  autoProgress: false,
  autoCapture: false,
  autoReauthorize: false,
  autoAuthorize: false,
  captureRequiresShipment: true,
  authValidityDays: 60,
  expiryWarningLeadDays: [7, 1],
  stuckAfterMinutes: 60,
  ...over,
});

const order = (over: Partial<OrderState> = {}): OrderState => ({
  shopId: 'shop',
  orderNumber: '338459-20180531-00000703',
  status: '未確認',
  paymentTag: '未オーソリ',
  paymentMethod: 'クレジットカード',
  billedAmount: 1000,
  pendingOperationId: null,
  pendingOperation: null,
  pendingSince: null,
  pendingStuckReportedAt: null,
  plan: [],
  planActor: null,
  authorizedAmount: null,
  authorizedAt: null,
  authExpiresAt: null,
  authOperationId: null,
  capturedAmount: null,
  capturedAt: null,
  shippedAt: null,
  lastError: null,
  ...over,
});

const authorized = (over: Partial<OrderState> = {}) =>
  order({ paymentTag: 'オーソリ済', authorizedAmount: 1000, authorizedAt: new Date(NOW.getTime() - DAY), authExpiresAt: new Date(NOW.getTime() + 59 * DAY), authOperationId: 'a0', ...over });

let ids = 0;
const wf = (o: OrderState, s = settings(), now = NOW) => new PaymentWorkflow(o, s, now, () => `op-${++ids}`);

const ok = (o: OrderState, operation: OrderState['pendingOperation'], amount: number | null = 1000) => ({
  operationId: o.pendingOperationId as string,
  operation: operation!,
  success: true,
  amount,
  processedAt: NOW,
  errorCode: 'RCCS_N00-000',
  message: null,
});

describe('PaymentWorkflow', () => {
  describe('new orders', () => {
    it('tags a 0-yen card order オーソリ不要 and moves it on with auto progress', () => {
      const o = order({ paymentTag: null, billedAmount: 0 });
      const w = wf(o, settings({ autoProgress: true }));
      w.initialize('operator');
      expect(o.paymentTag).toBe('オーソリ不要');
      expect(o.status).toBe('出荷待ち');
      expect(w.requests).toEqual([]);
    });

    it('tags a card order 未オーソリ and leaves non-card orders without a tag', () => {
      const card = order({ paymentTag: null });
      wf(card).initialize('op');
      expect(card.paymentTag).toBe('未オーソリ');
      const cod = order({ paymentTag: null, paymentMethod: '代金引換' });
      wf(cod).initialize('op');
      expect(cod.paymentTag).toBeNull();
    });

    it('authorizes new card orders only when the shop enabled auto-authorization', () => {
      const o = order({ paymentTag: null });
      const w = wf(o, settings({ autoAuthorize: true }));
      w.initialize('op');
      expect(o.paymentTag).toBe('オーソリ中');
      expect(w.requests).toEqual([expect.objectContaining({ operation: 'auth', amount: 1000, requestedBy: 'system:auto-authorize' })]);
    });
  });

  describe('actions', () => {
    it('refuses an explicit 0-yen authorization with a clear message and sends nothing', () => {
      const o = order({ paymentTag: 'オーソリ不要', billedAmount: 0 });
      const w = wf(o);
      const r = w.runAction('authorize', 'op');
      expect(r).toEqual({ outcome: 'refused', reason: expect.stringContaining('0円') });
      expect(w.requests).toEqual([]);
      expect(o.paymentTag).toBe('オーソリ不要');
    });

    it('accepts authorize: in-progress tag, pending operation and a request with the billed amount', () => {
      const o = order();
      const w = wf(o);
      const r = w.runAction('authorize', 'op');
      expect(r.outcome).toBe('accepted');
      expect(o.paymentTag).toBe('オーソリ中');
      expect(o.pendingOperation).toBe('auth');
      expect(o.pendingSince).toEqual(NOW);
      expect(w.requests[0]).toMatchObject({ operation: 'auth', amount: 1000, operationId: o.pendingOperationId });
      expect(w.tagChanges).toEqual([expect.objectContaining({ from: '未オーソリ', to: 'オーソリ中', operationId: o.pendingOperationId })]);
    });

    it('skips an order whose operation is still in progress', () => {
      const o = order({ paymentTag: 'オーソリ中', pendingOperationId: 'p', pendingOperation: 'auth', pendingSince: NOW });
      expect(wf(o).runAction('authorize', 'op')).toEqual({ outcome: 'skipped', reason: expect.stringContaining('in progress') });
    });

    it('refuses any payment action for non-card orders and when the shop disabled the card API', () => {
      expect(wf(order({ paymentMethod: '銀行振込', paymentTag: null })).runAction('authorize', 'op').outcome).toBe('refused');
      expect(wf(order(), settings({ useCardApi: false })).runAction('authorize', 'op').outcome).toBe('refused');
    });

    it('refuses capture for an order that is not shipped (configurable)', () => {
      const o = authorized({ status: '出荷待ち' });
      expect(wf(o).runAction('capture', 'op')).toEqual({ outcome: 'refused', reason: expect.stringContaining('出荷済') });
      expect(wf(authorized({ status: '出荷待ち' }), settings({ captureRequiresShipment: false })).runAction('capture', 'op').outcome).toBe('accepted');
    });

    it('refuses capture when the billed amount differs from the authorized amount', () => {
      const o = authorized({ status: '出荷済', billedAmount: 1200 });
      const w = wf(o);
      expect(w.runAction('capture', 'op')).toEqual({ outcome: 'refused', reason: expect.stringContaining('differs from the authorized amount') });
      expect(w.requests).toEqual([]);
      expect(o.paymentTag).toBe('オーソリ済');
    });

    it('captures the authorized amount of a shipped order', () => {
      const o = authorized({ status: '出荷済' });
      const w = wf(o);
      expect(w.runAction('capture', 'op').outcome).toBe('accepted');
      expect(o.paymentTag).toBe('売上請求中');
      expect(w.requests[0]).toMatchObject({ operation: 'capture', amount: 1000 });
    });

    it('refuses capture of an expired authorization unless auto re-authorization is on', () => {
      const expired = () => authorized({ status: '出荷済', authExpiresAt: new Date(NOW.getTime() - 1) });
      expect(wf(expired()).runAction('capture', 'op')).toEqual({ outcome: 'refused', reason: expect.stringContaining('expired') });
      const o = expired();
      const w = wf(o, settings({ autoReauthorize: true }));
      const r = w.runAction('capture', 'op');
      expect(r).toMatchObject({ outcome: 'accepted', operation: 'auth-cancel', plan: ['auth', 'capture'] });
      expect(o.paymentTag).toBe('オーソリ取消中');
    });

    it('cancels an authorization and a capture; cannot cancel what is not there', () => {
      const a = authorized();
      expect(wf(a).runAction('cancel-authorization', 'op').outcome).toBe('accepted');
      expect(a.paymentTag).toBe('オーソリ取消中');
      const c = authorized({ paymentTag: '売上請求済', capturedAt: NOW, capturedAmount: 1000 });
      expect(wf(c).runAction('cancel-authorization', 'op').outcome).toBe('refused');
      expect(wf(c).runAction('cancel-capture', 'op').outcome).toBe('accepted');
      expect(c.paymentTag).toBe('売上請求取消中');
      expect(wf(order()).runAction('cancel-capture', 'op').outcome).toBe('skipped');
    });

    it('status check sends a request without touching the tag, even during an operation', () => {
      const o = order({ paymentTag: 'オーソリ中', pendingOperationId: 'p', pendingOperation: 'auth' });
      const w = wf(o);
      expect(w.runAction('status-check', 'op').outcome).toBe('accepted');
      expect(o.paymentTag).toBe('オーソリ中');
      expect(o.pendingOperationId).toBe('p');
      expect(w.requests[0].operation).toBe('card-status');
    });
  });

  describe('results', () => {
    it('applies the pending result: オーソリ済 with amount and expiry, auto progress to 出荷待ち', () => {
      const o = order();
      const w = wf(o, settings({ autoProgress: true, authValidityDays: 30 }));
      w.runAction('authorize', 'op');
      const opId = o.pendingOperationId as string;
      expect(w.applyResult(ok(o, 'auth', 1000))).toEqual({ applied: true });
      expect(o).toMatchObject({ paymentTag: 'オーソリ済', authorizedAmount: 1000, authOperationId: opId, pendingOperationId: null, status: '出荷待ち' });
      expect(o.authExpiresAt).toEqual(new Date(NOW.getTime() + 30 * DAY));
    });

    it('ignores a duplicated result and a late result of an older operation', () => {
      const o = order();
      const w = wf(o);
      w.runAction('authorize', 'op');
      const first = ok(o, 'auth');
      w.applyResult(first);
      expect(o.paymentTag).toBe('オーソリ済');
      expect(w.applyResult(first).applied).toBe(false);
      w.runAction('cancel-authorization', 'op');
      // A late AuthFailed of the first operation must not move the tag from オーソリ取消中.
      expect(w.applyResult({ ...first, success: false, errorCode: 'E' }).applied).toBe(false);
      expect(o.paymentTag).toBe('オーソリ取消中');
    });

    it('ignores a result whose operation kind does not match the pending one', () => {
      const o = order();
      const w = wf(o);
      w.runAction('authorize', 'op');
      expect(w.applyResult({ ...ok(o, 'auth'), operation: 'capture' }).applied).toBe(false);
      expect(o.paymentTag).toBe('オーソリ中');
    });

    it('maps failures to the error tags and records the error', () => {
      const o = order();
      const w = wf(o);
      w.runAction('authorize', 'op');
      w.applyResult({ ...ok(o, 'auth'), success: false, errorCode: 'RCCS_E22-822', message: '限度額オーバー' });
      expect(o.paymentTag).toBe('オーソリエラー');
      expect(o.lastError).toMatchObject({ errorCode: 'RCCS_E22-822', message: '限度額オーバー' });
      // The operator may simply authorize again.
      expect(w.runAction('authorize', 'op').outcome).toBe('accepted');
    });

    it('returns to 未オーソリ after a cancelled authorization or capture', () => {
      const a = authorized();
      const w = wf(a);
      w.runAction('cancel-authorization', 'op');
      w.applyResult(ok(a, 'auth-cancel'));
      expect(a).toMatchObject({ paymentTag: '未オーソリ', authorizedAt: null, authExpiresAt: null });
      const c = authorized({ paymentTag: '売上請求済', capturedAt: NOW, capturedAmount: 1000 });
      const w2 = wf(c);
      w2.runAction('cancel-capture', 'op');
      w2.applyResult(ok(c, 'capture-cancel'));
      expect(c).toMatchObject({ paymentTag: '未オーソリ', capturedAt: null });
    });

    it('moves a captured order to 完了 with auto progress', () => {
      const o = authorized({ status: '出荷済' });
      const w = wf(o, settings({ autoProgress: true }));
      w.runAction('capture', 'op');
      w.applyResult(ok(o, 'capture'));
      expect(o.paymentTag).toBe('売上請求済');
      expect(o.status).toBe('完了');
    });
  });

  describe('re-authorize plans', () => {
    it('reauthorize: cancel → authorize, each step driven by its result', () => {
      const o = authorized();
      const w = wf(o);
      expect(w.runAction('reauthorize', 'op')).toMatchObject({ outcome: 'accepted', operation: 'auth-cancel', plan: ['auth'] });
      w.applyResult(ok(o, 'auth-cancel'));
      expect(o.paymentTag).toBe('オーソリ中');
      expect(o.pendingOperation).toBe('auth');
      expect(w.requests.map((r) => r.operation)).toEqual(['auth-cancel', 'auth']);
      w.applyResult(ok(o, 'auth'));
      expect(o.paymentTag).toBe('オーソリ済');
      expect(o.plan).toEqual([]);
    });

    it('expired authorization with auto re-authorize: auth-cancel → auth → capture', () => {
      const o = authorized({ status: '出荷済', authExpiresAt: new Date(NOW.getTime() - DAY) });
      const w = wf(o, settings({ autoReauthorize: true }));
      w.runAction('capture', 'system:auto-capture');
      w.applyResult(ok(o, 'auth-cancel'));
      w.applyResult(ok(o, 'auth'));
      expect(o.paymentTag).toBe('売上請求中');
      w.applyResult(ok(o, 'capture'));
      expect(o.paymentTag).toBe('売上請求済');
      expect(w.requests.map((r) => [r.operation, r.requestedBy])).toEqual([
        ['auth-cancel', 'system:auto-capture'],
        ['auth', 'system:auto-capture'],
        ['capture', 'system:auto-capture'],
      ]);
    });

    it('a failed step ends the plan in the error tag', () => {
      const o = authorized();
      const w = wf(o);
      w.runAction('reauthorize', 'op');
      w.applyResult({ ...ok(o, 'auth-cancel'), success: false });
      expect(o.paymentTag).toBe('取消エラー');
      expect(o.plan).toEqual([]);
      expect(w.requests).toHaveLength(1);
    });
  });

  describe('shipment', () => {
    it('moves to 出荷済 and requests capture when auto-capture is on', () => {
      const o = authorized({ status: '出荷待ち' });
      const w = wf(o, settings({ autoCapture: true }));
      expect(w.markShipped(NOW, 'warehouse')).toMatchObject({ outcome: 'accepted', operation: 'capture' });
      expect(o.status).toBe('出荷済');
      expect(o.paymentTag).toBe('売上請求中');
    });

    it('does not capture without auto-capture', () => {
      const o = authorized({ status: '出荷待ち' });
      const w = wf(o);
      expect(w.markShipped(NOW, 'warehouse')).toBeNull();
      expect(o.paymentTag).toBe('オーソリ済');
    });
  });

  it('autoProgressTarget follows 受注進捗遷移', () => {
    expect(autoProgressTarget('未確認', 'オーソリ済')).toBe('出荷待ち');
    expect(autoProgressTarget('未確認', 'オーソリ不要')).toBe('出荷待ち');
    expect(autoProgressTarget('保留', 'オーソリ済')).toBeNull();
    expect(autoProgressTarget('出荷済', '売上請求済')).toBe('完了');
    expect(autoProgressTarget('キャンセル', '売上請求済')).toBeNull();
    expect(autoProgressTarget('未確認', 'オーソリエラー')).toBeNull();
    expect(autoProgressTarget('出荷済', 'オーソリ不要')).toBe('完了');
    expect(autoProgressTarget('出荷待ち', 'オーソリ不要')).toBeNull();
  });
});
