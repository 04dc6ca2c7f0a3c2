import * as iconv from 'iconv-lite';
import { randomUUID } from 'node:crypto';
import {
  AuthCancelCompleted,
  AuthCompleted,
  AuthFailed,
  CaptureCancelCompleted,
  CaptureCompleted,
  CardStatusReported,
  createEnvelope,
  EventEnvelope,
  OrderReceived,
  OrderShipped,
  PaymentRequestDeadLettered,
} from '@rcp/contracts';
import { waitFor } from '@rcp/testing';
import { PaymentWatchService } from '../src/jobs/payment-watch.service';
import { Harness, T0, orderBody, resultData, startHarness } from './harness';

const DAY = 86_400_000;
type Data = { orderNumber: string; operationId: string; to?: string; amount?: number };
const dataOf = (e: EventEnvelope) => e.data as Data;

describe('order-service payments through events', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  const base = () => `/shops/${h.shopId}/orders`;
  const num = (n: number) => `338459-20240601-${String(n).padStart(8, '0')}`;
  const detail = async (n: number) => (await h.http().get(`${base()}/${num(n)}`).expect(200)).body;
  const create = (n: number, over: Record<string, unknown> = {}) => h.http().post(base()).send({ ...orderBody(n), orderNumber: num(n), ...over }).expect(201);
  const act = async (action: string, ns: number[]) => (await h.http().post(`${base()}/actions/${action}`).send({ orderNumbers: ns.map(num) }).expect(200)).body;
  const requestFor = (type: string, n: number) => h.waitForEvent(type, (e) => dataOf(e).orderNumber === num(n) && e.shopId === h.shopId);
  const tagIs = (n: number, tag: string) => waitFor(async () => (await detail(n)).paymentTag === tag, `order ${n} tagged ${tag}`);

  it('bulk authorize: per-order results and AuthRequested from the outbox; refuses 0-yen', async () => {
    await create(1);
    await create(2, { billedAmount: 0, pointsUsed: 1000 });
    const res = await act('authorize', [1, 2, 99]);
    expect(res.results).toEqual([
      expect.objectContaining({ orderNumber: num(1), outcome: 'accepted', operation: 'auth', paymentTag: 'オーソリ中' }),
      expect.objectContaining({ orderNumber: num(2), outcome: 'refused', reason: expect.stringContaining('0円') }),
      expect.objectContaining({ orderNumber: num(99), outcome: 'refused', reason: 'order not found' }),
    ]);
    const req = await requestFor('AuthRequested', 1);
    expect(req.data).toMatchObject({ operationId: res.results[0].operationId, amount: 1000, payType: 0 });
    expect(h.events.filter((e) => e.type === 'AuthRequested' && dataOf(e).orderNumber === num(2))).toEqual([]);
    const again = await act('authorize', [1]);
    expect(again.results[0]).toMatchObject({ outcome: 'skipped' });
  });

  it('applies results idempotently and ignores late or foreign ones', async () => {
    const opId = (await detail(1)).pendingOperation.operationId;
    // A result for an operation that is not pending only lands in the API log.
    await h.publish(AuthFailed, resultData(num(1), randomUUID(), 'auth', { errorCode: 'RCCS_E22-822', message: '限度額オーバー', amount: null }));
    const completed = await h.publish(AuthCompleted, resultData(num(1), opId, 'auth'));
    await tagIs(1, 'オーソリ済');
    // Duplicate delivery (same message id) and a duplicate result (new message id) change nothing.
    await h.publishEnvelope(completed);
    await h.publish(AuthCompleted, resultData(num(1), opId, 'auth'));
    // A late failure of the same operation after success must not move the tag.
    await h.publish(AuthFailed, resultData(num(1), opId, 'auth', { errorCode: 'RCCS_E99', amount: null }));
    await waitFor(async () => (await detail(1)).apiLog.filter((l: { direction: string }) => l.direction === 'result').length === 4, 'four logged results');
    const d = await detail(1);
    expect(d.paymentTag).toBe('オーソリ済');
    expect(d.authorization).toMatchObject({ amount: 1000, expiresAt: new Date(T0.getTime() + 60 * DAY).toISOString() });
    expect(d.paymentTagHistory.map((t: { to: string }) => t.to)).toEqual(['未オーソリ', 'オーソリ中', 'オーソリ済']);
    // Results are consumed concurrently, so their order in the log may vary; what each did may not.
    const logged = d.apiLog.map((l: { eventType: string; applied: boolean }) => `${l.eventType}:${l.applied}`).sort();
    expect(logged).toEqual(['AuthCompleted:false', 'AuthCompleted:true', 'AuthFailed:false', 'AuthFailed:false', 'AuthRequested:true']);
    expect(d.apiLog.find((l: { eventType: string; applied: boolean }) => l.eventType === 'AuthCompleted' && l.applied)).toMatchObject({ rccsRequestId: 101, errorCode: 'RCCS_N00-000', ccsErrorCode: '000000', operationId: opId });
    await h.waitForEvent('PaymentTagChanged', (e) => dataOf(e).orderNumber === num(1) && dataOf(e).to === 'オーソリ済');
  });

  it('gates capture on shipment and amount; OrderShipped moves to 出荷済 and auto-captures', async () => {
    const refused = await act('capture', [1]);
    expect(refused.results[0]).toMatchObject({ outcome: 'refused', reason: expect.stringContaining('出荷済') });
    await h.http().put(`/shops/${h.shopId}/settings`).send({ autoCapture: true, autoProgress: true }).expect(200);
    await h.publish(OrderShipped, { orderNumber: num(1), shippedAt: T0.toISOString() });
    const capture = await requestFor('CaptureRequested', 1);
    expect(capture.data).toMatchObject({ amount: 1000, requestedBy: 'system:auto-capture' });
    await tagIs(1, '売上請求中');
    expect((await detail(1)).status).toBe('出荷済');
    await h.publish(CaptureCompleted, resultData(num(1), dataOf(capture).operationId, 'capture', { cardStatus: 22 }));
    await tagIs(1, '売上請求済');
    expect((await detail(1)).status).toBe('完了');
  });

  it('cancel-capture returns the tag to 未オーソリ', async () => {
    const res = await act('cancel-capture', [1]);
    expect(res.results[0]).toMatchObject({ outcome: 'accepted', paymentTag: '売上請求取消中' });
    const req = await requestFor('CaptureCancelRequested', 1);
    await h.publish(CaptureCancelCompleted, resultData(num(1), dataOf(req).operationId, 'capture-cancel'));
    await tagIs(1, '未オーソリ');
  });

  it('OrderReceived creates orders (duplicates ignored); 0-yen orders need no authorization', async () => {
    const data = { orderNumber: num(10), orderedAt: T0.toISOString(), paymentMethod: 'クレジットカード', totalAmount: 500, billedAmount: 0, pointsUsed: 500 };
    await h.publish(OrderReceived, data);
    await waitFor(async () => (await h.http().get(`${base()}/${num(10)}`)).status === 200, 'order 10 created');
    // A later OrderReceived for the same order (another message) changes nothing. (Published only after the first was
    // applied: two distinct messages in flight together may be handled in either order.)
    await h.publish(OrderReceived, { ...data, billedAmount: 999 });
    // autoProgress is on for this shop since the capture test.
    await waitFor(async () => (await detail(10)).status === '出荷待ち', 'order 10 moved on');
    await new Promise((r) => setTimeout(r, 500));
    const d = await detail(10);
    expect(d).toMatchObject({ paymentTag: 'オーソリ不要', billedAmount: 0, source: 'event' });
  });

  it("drops an OrderReceived the service published itself (any replica's echo, by app-id); another system's creates the order", async () => {
    const order = (n: number) => ({ orderNumber: num(n), orderedAt: T0.toISOString(), paymentMethod: 'クレジットカード', totalAmount: 700, billedAmount: 700 });
    // an order no process of this service created: only the app-id says "ours"
    await h.ownPublisher.publish(createEnvelope(OrderReceived, order(30), { shopId: h.shopId }));
    await h.waitForEvent('OrderReceived', (e) => dataOf(e).orderNumber === num(30)); // it was on the exchange
    await h.publish(OrderReceived, order(31));
    await waitFor(async () => (await h.http().get(`${base()}/${num(31)}`)).status === 200, 'order 31 created');
    await new Promise((r) => setTimeout(r, 300));
    await h.http().get(`${base()}/${num(30)}`).expect(404);
  });

  it('reauthorize runs cancel → authorize driven by results; status check records Rakuten\'s view', async () => {
    await create(20);
    const auth = (await act('authorize', [20])).results[0].operationId;
    await h.publish(AuthCompleted, resultData(num(20), auth, 'auth'));
    await tagIs(20, 'オーソリ済');
    expect((await act('reauthorize', [20])).results[0]).toMatchObject({ outcome: 'accepted', operation: 'auth-cancel' });
    const cancel = await requestFor('AuthCancelRequested', 20);
    await h.publish(AuthCancelCompleted, resultData(num(20), dataOf(cancel).operationId, 'auth-cancel'));
    const reauth = await requestFor('AuthRequested', 20 /* first one already seen; wait for the new id */);
    await waitFor(() => h.events.filter((e) => e.type === 'AuthRequested' && dataOf(e).orderNumber === num(20)).length === 2, 'second AuthRequested');
    const second = h.events.filter((e) => e.type === 'AuthRequested' && dataOf(e).orderNumber === num(20))[1];
    expect(dataOf(second).operationId).not.toBe(dataOf(reauth).operationId);
    await tagIs(20, 'オーソリ中');
    await h.publish(AuthCompleted, resultData(num(20), dataOf(second).operationId, 'auth'));
    await tagIs(20, 'オーソリ済');

    const check = (await act('status-check', [20])).results[0];
    expect(check).toMatchObject({ outcome: 'accepted', operation: 'card-status' });
    await requestFor('CardStatusRequested', 20);
    await h.publish(CardStatusReported, {
      operationId: check.operationId,
      orderNumber: num(20),
      found: true,
      cardStatus: 12,
      amount: 1000,
      errorCode: null,
      ccsErrorCode: null,
      message: 'オーソリ済',
      brandName: 'VISA',
      cardNo: '****-****-****-1234',
      checkedAt: T0.toISOString(),
    } as never);
    await waitFor(async () => (await detail(20)).cardStatus?.cardStatus === 12, 'card status recorded');
    expect((await detail(20)).paymentTag).toBe('オーソリ済');
  });

  it('a dead-lettered request ends in the error tag', async () => {
    await create(30);
    const op = (await act('authorize', [30])).results[0].operationId;
    await h.publish(PaymentRequestDeadLettered, { operationIds: [op], orderNumbers: [num(30)], operation: 'auth', reason: 'card API unreachable', attempts: 5, parkedIn: 'payment-gateway.dlq' });
    await tagIs(30, 'オーソリエラー');
    expect((await detail(30)).lastError).toMatchObject({ errorCode: 'DEAD_LETTERED' });
  });

  it('flags stuck operations once per operation and warns before authorizations lapse, once per lead time', async () => {
    const watch = h.app.get(PaymentWatchService);
    await create(40);
    const op = (await act('authorize', [40])).results[0].operationId;
    h.clock.advance(59 * 60_000);
    expect(await watch.detectStuck()).toBe(0);
    h.clock.advance(2 * 60_000);
    expect(await watch.detectStuck()).toBeGreaterThanOrEqual(1);
    expect(await watch.detectStuck()).toBe(0);
    const stuck = await h.waitForEvent('PaymentStuck', (e) => dataOf(e).orderNumber === num(40));
    expect(stuck.data).toMatchObject({ operation: 'auth', operationId: op, detectedBy: 'order-service' });
    expect((stuck.data as { ageSeconds: number }).ageSeconds).toBeGreaterThanOrEqual(3600);

    await h.publish(AuthCompleted, resultData(num(40), op, 'auth', { processedAt: h.clock.now().toISOString() }));
    await tagIs(40, 'オーソリ済');
    const warnings = () => h.events.filter((e) => e.type === 'AuthExpiring' && dataOf(e).orderNumber === num(40));
    h.clock.advance(52 * DAY);
    expect(await watch.warnExpiring()).toBe(0);
    h.clock.advance(2 * DAY); // 6 days left
    expect(await watch.warnExpiring()).toBeGreaterThanOrEqual(1);
    expect(await watch.warnExpiring()).toBe(0);
    h.clock.advance(5.5 * DAY); // half a day left
    await watch.warnExpiring();
    await waitFor(() => warnings().length === 2, 'two AuthExpiring warnings');
    expect(warnings().map((e) => (e.data as { daysLeft: number }).daysLeft)).toEqual([6, 0]);
    h.clock.set(T0);
  });

  it('imports a Shift_JIS CSV: good rows imported, bad rows reported with line and reason', async () => {
    const csv = [
      '受注番号,受注ステータス,カード決済ステータス,注文日時,決済方法,合計金額,請求金額(-99999=無効値),ポイント利用額(-99999=無効値),クーポン利用額(-99999=無効値)',
      `${num(50)},注文確認待ち,,2024/06/01 09:00:00,クレジットカード,1500,1500,0,0`,
      `${num(51)},注文確認待ち,,2024/06/01 09:00:00,クレジットカード,1500,0,1500,-99999`,
      `BAD,注文確認待ち,,2024/06/01 09:00:00,クレジットカード,1500,1500,0,0`,
      `${num(1)},注文確認待ち,,2024/06/01 09:00:00,クレジットカード,1500,-99999,0,0`,
      `${num(20)},注文確認待ち,,2024/06/01 09:00:00,クレジットカード,1500,1500,0,0`,
      '',
    ].join('\r\n');
    const res = await h.http().post(`${base()}/import`).set('content-type', 'text/csv').send(iconv.encode(csv, 'Shift_JIS')).expect(200);
    expect(res.body).toMatchObject({ encoding: 'shift_jis', imported: 2, rejected: 3 });
    expect(res.body.rows.map((r: { line: number; outcome: string }) => [r.line, r.outcome])).toEqual([
      [2, 'imported'],
      [3, 'imported'],
      [4, 'rejected'],
      [5, 'rejected'],
      [6, 'rejected'],
    ]);
    expect(res.body.rows[4].reason).toContain('already exists');
    expect((await detail(51)).paymentTag).toBe('オーソリ不要');

    const multipart = await h.http().post(`${base()}/import`).attach('file', Buffer.from(`\uFEFF${csv.split('\r\n').slice(0, 1).join('')}\n${num(52)},,,2024-06-01,クレジットカード,100,100,0,0\n`), 'orders.csv').expect(200);
    expect(multipart.body).toMatchObject({ encoding: 'utf-8', imported: 1, rejected: 0 });
    const empty = await h.http().post(`${base()}/import`).set('content-type', 'text/csv').send('受注番号\n').expect(400);
    expect(empty.body.errors[0].field).toBe('file');
  });
});
