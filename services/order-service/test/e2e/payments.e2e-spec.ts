/**
 * End to end through the real broker and databases: order-service (in-process) → payment-gateway (process) →
 * rccs-simulator (process) and back. Walks the payment paths of product.md and checks tags, statuses, the
 * per-order API log (楽天API連携) and the simulator's ledger of what reached the card API.
 */
import { randomUUID } from 'node:crypto';
import * as iconv from 'iconv-lite';
import { waitFor } from '@rcp/testing';
import { ApiLogEntry, Json, startSystem, System } from './system';

let sys: System;
let A: string; // 受注進捗遷移 on
let B: string; // 受注進捗遷移 off
const num = (n: number) => `338459-20240601-${String(n).padStart(8, '0')}`;

beforeAll(async () => {
  sys = await startSystem({ shops: 2 });
  A = sys.shops[0].shopId;
  B = sys.shops[1].shopId;
  expect((await sys.api('PUT', `/shops/${A}/settings`, { autoProgress: true })).status).toBe(200);
  expect((await sys.api('PUT', `/shops/${B}/settings`, { autoProgress: false })).status).toBe(200);
}, 90_000);

afterAll(() => sys?.close(), 60_000);

async function create(shop: string, n: number, over: Record<string, unknown> = {}): Promise<Json> {
  const r = await sys.api('POST', `/shops/${shop}/orders`, {
    orderNumber: num(n),
    orderedAt: '2024-06-01T01:00:00Z',
    paymentMethod: 'クレジットカード',
    totalAmount: 1200,
    billedAmount: 1200,
    ...over,
  });
  expect(r.status).toBe(201);
  return r.body;
}

async function act(shop: string, action: string, ns: number[]): Promise<Json[]> {
  const r = await sys.api('POST', `/shops/${shop}/orders/actions/${action}`, { orderNumbers: ns.map(num) });
  expect(r.status).toBe(200);
  return r.body.results;
}

async function detail(shop: string, n: number): Promise<Json> {
  const r = await sys.api('GET', `/shops/${shop}/orders/${num(n)}`);
  expect(r.status).toBe(200);
  return r.body;
}

function tagIs(shop: string, n: number, tag: string): Promise<Json> {
  return waitFor(async () => {
    const d = await detail(shop, n);
    return d.paymentTag === tag ? d : undefined;
  }, `${shop}/${num(n)} tagged ${tag}`, 20_000, 100);
}

async function ship(shop: string, n: number): Promise<void> {
  const r = await sys.api('PATCH', `/shops/${shop}/orders/${num(n)}`, { status: '出荷済' });
  expect(r.status).toBe(200);
  expect(r.body.status).toBe('出荷済');
}

const results = (d: Json): ApiLogEntry[] => d.apiLog.filter((l: ApiLogEntry) => l.direction === 'result');
const eventsFor = (shop: string, type: string, n: number) => sys.events.filter((e) => e.type === type && e.shopId === shop && e.data.orderNumber === num(n));

/** Authorize → ship → capture, checking the API log against the simulator's ledger. Returns the final detail. */
async function authorizeShipCapture(shop: string, n: number): Promise<Json> {
  const [auth] = await act(shop, 'authorize', [n]);
  expect(auth).toMatchObject({ orderNumber: num(n), outcome: 'accepted', operation: 'auth', paymentTag: 'オーソリ中' });
  const authorized = await tagIs(shop, n, 'オーソリ済');
  expect(authorized.authorization).toMatchObject({ amount: 1200 });
  await ship(shop, n);
  const [capture] = await act(shop, 'capture', [n]);
  expect(capture).toMatchObject({ outcome: 'accepted', operation: 'capture', paymentTag: '売上請求中' });
  const done = await tagIs(shop, n, '売上請求済');

  const log = done.apiLog as ApiLogEntry[];
  expect(log.map((l) => `${l.direction}:${l.eventType}:${l.applied}`)).toEqual([
    'request:AuthRequested:true',
    'result:AuthCompleted:true',
    'request:CaptureRequested:true',
    'result:CaptureCompleted:true',
  ]);
  const [authResult, captureResult] = results(done);
  expect(authResult).toMatchObject({ operation: 'auth', operationId: auth.operationId, errorCode: 'RCCS_N00-000', cardStatus: 12, amount: 1200 });
  expect(captureResult).toMatchObject({ operation: 'capture', operationId: capture.operationId, errorCode: 'RCCS_N00-000', cardStatus: 22, amount: 1200 });

  // What reached the card API: exactly one authori and one sales, under the request ids the log shows.
  const ledger = await sys.ledger(num(n));
  expect(ledger.map((e) => `${e.op}:${e.errorCode}:${e.cardStatus}:${e.amount}`)).toEqual(['authori:RCCS_N00-000:12:1200', 'sales:RCCS_N00-000:22:1200']);
  expect(ledger.map((e) => e.requestId)).toEqual([authResult.rccsRequestId, captureResult.rccsRequestId]);
  expect(authResult.rccsRequestId).not.toBe(captureResult.rccsRequestId);
  return done;
}

describe('authorize → ship → capture', () => {
  it('with 受注進捗遷移 on: オーソリ済 moves 未確認 → 出荷待ち, 売上請求済 moves to 完了', async () => {
    await create(A, 1);
    const done = await authorizeShipCapture(A, 1);
    expect(done.status).toBe('完了');
    expect(done.paymentTagHistory.map((t: Json) => t.to)).toEqual(['未オーソリ', 'オーソリ中', 'オーソリ済', '売上請求中', '売上請求済']);
    expect(done.statusHistory.map((s: Json) => `${s.to}:${s.actor}`)).toEqual([
      expect.stringMatching(/^未確認:/),
      '出荷待ち:system:auto-progress',
      expect.stringMatching(/^出荷済:key:/),
      '完了:system:auto-progress',
    ]);
    await sys.waitForEvent('OrderStatusChanged', (e) => e.shopId === A && e.data.orderNumber === num(1) && e.data.to === '完了');
    expect(eventsFor(A, 'PaymentTagChanged', 1).map((e) => e.data.to)).toEqual(['未オーソリ', 'オーソリ中', 'オーソリ済', '売上請求中', '売上請求済']);
  });

  it('with 受注進捗遷移 off: the status only moves when the operator moves it', async () => {
    await create(B, 2);
    const done = await authorizeShipCapture(B, 2);
    expect(done.status).toBe('出荷済');
    expect(done.statusHistory.map((s: Json) => s.to)).toEqual(['未確認', '出荷済']);
    expect(done.statusHistory.some((s: Json) => s.actor === 'system:auto-progress')).toBe(false);
  });
});

describe('authorization error and the buyer fixing the card', () => {
  it('limit exceeded → オーソリエラー with Rakuten\'s code and message; after fix-card, authorize again → オーソリ済', async () => {
    const seeded = await sys.simAdmin('POST', '/orders', { orderNumber: num(3), shopUrl: sys.shops[0].shopUrl, amount: 5000, creditLimit: 3000 });
    expect(seeded.status).toBeLessThan(300);
    await create(A, 3, { totalAmount: 5000, billedAmount: 5000 });
    const [first] = await act(A, 'authorize', [3]);
    expect(first.outcome).toBe('accepted');
    const failed = await tagIs(A, 3, 'オーソリエラー');
    expect(failed.status).toBe('未確認'); // no progress on an error
    const [failure] = results(failed);
    expect(failure).toMatchObject({
      eventType: 'AuthFailed',
      operation: 'auth',
      operationId: first.operationId,
      errorCode: 'RCCS_E22-822',
      ccsErrorCode: '210G55',
      message: expect.stringContaining('限度額オーバー'),
      cardStatus: 13,
      errorClass: 'buyer-action',
      applied: true,
    });
    expect(failure.rccsRequestId).toBeGreaterThan(0);
    expect(failed.lastError).toMatchObject({ operation: 'auth', errorCode: 'RCCS_E22-822', message: expect.stringContaining('限度額オーバー') });
    const ledger1 = await sys.ledger(num(3));
    expect(ledger1.map((e) => `${e.op}:${e.errorCode}:${e.ccsErrorCode}:${e.requestId}`)).toEqual([`authori:RCCS_E22-822:210G55:${failure.rccsRequestId}`]);

    // The buyer fixes the card on Rakuten's side; nothing else changes on the order.
    expect((await sys.simAdmin('POST', `/orders/${num(3)}/fix-card`, {})).status).toBeLessThan(300);
    const [second] = await act(A, 'authorize', [3]);
    expect(second).toMatchObject({ outcome: 'accepted', paymentTag: 'オーソリ中' });
    const ok = await tagIs(A, 3, 'オーソリ済');
    expect(ok.lastError).toBeNull();
    expect(ok.status).toBe('出荷待ち');
    expect(ok.paymentTagHistory.map((t: Json) => t.to)).toEqual(['未オーソリ', 'オーソリ中', 'オーソリエラー', 'オーソリ中', 'オーソリ済']);
    const ledger2 = await sys.ledger(num(3));
    expect(ledger2.map((e) => `${e.op}:${e.errorCode}:${e.cardStatus}`)).toEqual(['authori:RCCS_E22-822:13', 'authori:RCCS_N00-000:12']);
  });
});

describe('0-yen orders', () => {
  it('never reach the card API, need no authorization and still complete', async () => {
    const created = await create(A, 4, { billedAmount: 0, pointsUsed: 1000, couponsUsed: 200 });
    expect(created.paymentTag).toBe('オーソリ不要');
    const d = await detail(A, 4);
    expect(d.status).toBe('出荷待ち'); // needs no authorization → 受注進捗遷移 moves it on at once
    const [auth] = await act(A, 'authorize', [4]);
    expect(auth).toMatchObject({ outcome: 'refused', reason: expect.stringContaining('請求金額が0円のためオーソリは不要です') });
    const [reauth] = await act(A, 'reauthorize', [4]);
    expect(reauth.outcome).toBe('refused');
    // Nothing to bill: once shipped, 受注進捗遷移 completes it.
    const shipped = await sys.api('PATCH', `/shops/${A}/orders/${num(4)}`, { status: '出荷済' });
    expect(shipped.body).toMatchObject({ status: '完了', paymentTag: 'オーソリ不要' });
    const [capture] = await act(A, 'capture', [4]);
    expect(capture).toMatchObject({ outcome: 'skipped', paymentTag: 'オーソリ不要' });
    const completed = await detail(A, 4);
    expect(completed).toMatchObject({ status: '完了', paymentTag: 'オーソリ不要' });
    expect(completed.statusHistory.map((h: Json) => h.to)).toEqual(['未確認', '出荷待ち', '出荷済', '完了']);

    // Give a stray request time to travel, then prove nothing did: no request event, no API log, nothing at the card API.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await detail(A, 4)).apiLog).toEqual([]);
    expect(sys.events.filter((e) => e.data?.orderNumber === num(4) && /Requested$/.test(e.type))).toEqual([]);
    expect(await sys.ledger(num(4))).toEqual([]);
    expect((await sys.simAdmin('GET', `/orders/${num(4)}`)).status).toBe(404);
  });
});

describe('cancellation returns the order to 未オーソリ', () => {
  it('cancel authorization: オーソリ済 → オーソリ取消中 → 未オーソリ', async () => {
    await create(A, 5);
    await act(A, 'authorize', [5]);
    await tagIs(A, 5, 'オーソリ済');
    const [cancel] = await act(A, 'cancel-authorization', [5]);
    expect(cancel).toMatchObject({ outcome: 'accepted', operation: 'auth-cancel', paymentTag: 'オーソリ取消中' });
    const d = await tagIs(A, 5, '未オーソリ');
    expect(d.authorization).toBeNull();
    expect(results(d).map((l) => `${l.eventType}:${l.errorCode}:${l.cardStatus}`)).toEqual(['AuthCompleted:RCCS_N00-000:12', 'AuthCancelCompleted:RCCS_N00-000:32']);
    expect((await sys.ledger(num(5))).map((e) => `${e.op}:${e.cardStatus}`)).toEqual(['authori:12', 'authoriCancel:32']);
  });

  it('cancel capture: 売上請求済 → 売上請求取消中 → 未オーソリ', async () => {
    // order 1 was captured (and completed) above
    const [cancel] = await act(A, 'cancel-capture', [1]);
    expect(cancel).toMatchObject({ outcome: 'accepted', operation: 'capture-cancel', paymentTag: '売上請求取消中' });
    const d = await tagIs(A, 1, '未オーソリ');
    expect(d.authorization).toBeNull();
    expect(results(d).at(-1)).toMatchObject({ eventType: 'CaptureCancelCompleted', errorCode: 'RCCS_N00-000', cardStatus: 42 });
    expect((await sys.ledger(num(1))).map((e) => `${e.op}:${e.cardStatus}`)).toEqual(['authori:12', 'sales:22', 'salesCancel:42']);
  });
});

describe('status check (R状況確認)', () => {
  it('shows Rakuten\'s view: card status and amount of a captured order, error message of a declined one', async () => {
    // order 2 (shop B) is 売上請求済; order 6 stays declined
    await sys.simAdmin('POST', '/orders', { orderNumber: num(6), shopUrl: sys.shops[0].shopUrl, amount: 1200, creditLimit: 100 });
    await create(A, 6);
    await act(A, 'authorize', [6]);
    await tagIs(A, 6, 'オーソリエラー');

    const [checkB] = await act(B, 'status-check', [2]);
    const [checkA] = await act(A, 'status-check', [6]);
    expect(checkB).toMatchObject({ outcome: 'accepted', operation: 'card-status', paymentTag: '売上請求済' });
    expect(checkA).toMatchObject({ outcome: 'accepted', operation: 'card-status', paymentTag: 'オーソリエラー' });
    const captured = await waitFor(async () => {
      const d = await detail(B, 2);
      return d.cardStatus ? d : undefined;
    }, 'card status of order 2', 20_000, 100);
    expect(captured.cardStatus).toMatchObject({ operationId: checkB.operationId, found: true, cardStatus: 22, amount: 1200, errorCode: 'RCCS_N00-000' });
    expect(captured.paymentTag).toBe('売上請求済'); // a status check never moves the tag
    expect(captured.apiLog.at(-1)).toMatchObject({ eventType: 'CardStatusReported', operation: 'card-status', cardStatus: 22, applied: true });

    const declined = await waitFor(async () => {
      const d = await detail(A, 6);
      return d.cardStatus ? d : undefined;
    }, 'card status of order 6', 20_000, 100);
    expect(declined.cardStatus).toMatchObject({ found: true, cardStatus: 13, errorCode: 'RCCS_E22-822', ccsErrorCode: '210G55', message: expect.stringContaining('限度額オーバー') });
    expect(declined.paymentTag).toBe('オーソリエラー');
  });
});

describe('duplicated and out-of-order result events', () => {
  it('a redelivered result, a re-sent copy and a late contradicting result change nothing', async () => {
    const before = await detail(B, 2);
    const completed = eventsFor(B, 'CaptureCompleted', 2);
    expect(completed).toHaveLength(1);
    const tagEventsBefore = eventsFor(B, 'PaymentTagChanged', 2).length;

    // 1. the very same message again (same envelope id): the inbox drops it, not even logged
    await sys.publish(completed[0]);
    // 2. the same result under a new message id, and 3. a late failure of the same (finished) operation
    await sys.publish({ ...completed[0], id: randomUUID() });
    await sys.publish({ ...completed[0], id: randomUUID(), type: 'CaptureFailed', data: { ...completed[0].data, errorCode: 'RCCS_E99-999', cardStatus: 23, message: 'late' } });
    const after = await waitFor(async () => {
      const d = await detail(B, 2);
      return d.apiLog.length >= before.apiLog.length + 2 ? d : undefined;
    }, 'two more API-log rows', 15_000, 100);
    await new Promise((r) => setTimeout(r, 500));
    const settled = await detail(B, 2);
    expect(settled.apiLog).toHaveLength(before.apiLog.length + 2);
    expect(after.paymentTag).toBe('売上請求済');
    expect(settled).toMatchObject({ paymentTag: '売上請求済', status: before.status, authorization: before.authorization, lastError: null });
    const added = settled.apiLog.slice(before.apiLog.length).map((l: ApiLogEntry) => `${l.eventType}:${l.applied}`).sort();
    expect(added).toEqual(['CaptureCompleted:false', 'CaptureFailed:false']);
    expect(settled.paymentTagHistory).toEqual(before.paymentTagHistory);
    expect(eventsFor(B, 'PaymentTagChanged', 2)).toHaveLength(tagEventsBefore);
  });

  it('an old operation\'s result arriving after a newer one completed does not revive it', async () => {
    // order 5: authorized, then the authorization was cancelled (未オーソリ). The AuthCompleted arrives again, late.
    const before = await detail(A, 5);
    const [authCompleted] = eventsFor(A, 'AuthCompleted', 5);
    const [cancelCompleted] = eventsFor(A, 'AuthCancelCompleted', 5);
    expect(authCompleted && cancelCompleted).toBeTruthy();
    await sys.publish({ ...authCompleted, id: randomUUID() });
    // and an out-of-order failure of the cancel after its success
    await sys.publish({ ...cancelCompleted, id: randomUUID(), type: 'AuthCancelFailed', data: { ...cancelCompleted.data, errorCode: 'RCCS_E21-002', cardStatus: 12 } });
    const after = await waitFor(async () => {
      const d = await detail(A, 5);
      return d.apiLog.length === before.apiLog.length + 2 ? d : undefined;
    }, 'late results logged', 15_000, 100);
    expect(after).toMatchObject({ paymentTag: '未オーソリ', authorization: null, lastError: null });
    expect(after.apiLog.slice(-2).every((l: ApiLogEntry) => l.applied === false)).toBe(true);
    expect(after.paymentTagHistory).toEqual(before.paymentTagHistory);
    // and the order can still be authorized normally afterwards
    await act(A, 'authorize', [5]);
    await tagIs(A, 5, 'オーソリ済');
    expect((await sys.ledger(num(5))).map((e) => e.op)).toEqual(['authori', 'authoriCancel', 'authori']);
  });
});

describe('bad input is refused with field errors and changes nothing', () => {
  const fields = (body: Json) => (body.errors as { field: string }[]).map((e) => e.field);

  it('create, edit and bulk actions', async () => {
    const listBefore = (await sys.api('GET', `/shops/${A}/orders?pageSize=200`)).body;
    const eventsBefore = sys.events.length;

    const wrongTypes = await sys.api('POST', `/shops/${A}/orders`, { orderNumber: num(90), orderedAt: '2024-06-01T01:00:00Z', paymentMethod: 'クレジットカード', totalAmount: '1200', billedAmount: -5 });
    expect(wrongTypes.status).toBe(400);
    expect(wrongTypes.body).toMatchObject({ statusCode: 400, error: expect.any(String) });
    expect(fields(wrongTypes.body)).toEqual(expect.arrayContaining(['totalAmount', 'billedAmount']));

    const unknown = await sys.api('POST', `/shops/${A}/orders`, { orderNumber: num(91), orderedAt: '2024-06-01T01:00:00Z', paymentMethod: 'クレジットカード', totalAmount: 1, billedAmount: 1, cardNumber: '4111111111111111' });
    expect(unknown.status).toBe(400);
    expect(fields(unknown.body)).toEqual(['cardNumber']);

    const badNumber = await sys.api('POST', `/shops/${A}/orders`, { orderNumber: '12345', orderedAt: 'yesterday', paymentMethod: 'クレジットカード', totalAmount: 1, billedAmount: 1 });
    expect(badNumber.status).toBe(400);
    expect(fields(badNumber.body)).toEqual(expect.arrayContaining(['orderNumber', 'orderedAt']));
    expect(badNumber.body.errors.find((e: Json) => e.field === 'orderNumber').message).toContain('338459-20180531-00000703');

    const badJson = await sys.api('POST', `/shops/${A}/orders`, undefined, { raw: '{"orderNumber": ' });
    expect(badJson.status).toBe(400);
    expect(fields(badJson.body)).toEqual(['body']);

    const huge = await sys.api('POST', `/shops/${A}/orders`, undefined, {
      raw: JSON.stringify({ orderNumber: num(92), orderedAt: '2024-06-01T01:00:00Z', paymentMethod: 'x'.repeat(1_100_000), totalAmount: 1, billedAmount: 1 }),
    });
    expect(huge.status).toBe(413);
    expect(huge.body).toMatchObject({ statusCode: 413, errors: expect.any(Array) });

    // bulk action: one bad order number refuses the whole request (nothing is started)
    const badBulk = await sys.api('POST', `/shops/${A}/orders/actions/authorize`, { orderNumbers: [num(5), 'DROP TABLE orders'] });
    expect(badBulk.status).toBe(400);
    expect(fields(badBulk.body)).toEqual(['orderNumbers']);
    const emptyBulk = await sys.api('POST', `/shops/${A}/orders/actions/capture`, { orderNumbers: [], force: true });
    expect(emptyBulk.status).toBe(400);
    expect(fields(emptyBulk.body)).toEqual(expect.arrayContaining(['orderNumbers', 'force']));
    expect((await sys.api('POST', `/shops/${A}/orders/actions/explode`, { orderNumbers: [num(5)] })).status).toBe(400);

    // edit with wrong types and an unknown field: the order stays as it was
    const orderBefore = await detail(A, 3);
    const badEdit = await sys.api('PATCH', `/shops/${A}/orders/${num(3)}`, { billedAmount: 'free', status: '完了済み', paymentTag: 'オーソリ済' });
    expect(badEdit.status).toBe(400);
    expect(fields(badEdit.body)).toEqual(expect.arrayContaining(['billedAmount', 'status', 'paymentTag']));
    expect((await sys.api('GET', `/shops/${A}/orders/not-an-order`)).status).toBe(400);
    expect((await sys.api('POST', `/shops/${A}/orders`, { orderNumber: num(93) }, { key: null })).status).toBe(401);

    await new Promise((r) => setTimeout(r, 300));
    expect(await detail(A, 3)).toEqual(orderBefore);
    expect((await sys.api('GET', `/shops/${A}/orders?pageSize=200`)).body).toEqual(listBefore);
    expect(sys.events.slice(eventsBefore).filter((e) => e.shopId === A)).toEqual([]);
    expect(await sys.ledger(num(90))).toEqual([]);
  });

  it('CSV import (Shift_JIS, CRLF): bad rows reported with line and reason, good rows imported', async () => {
    const rows = [
      '受注番号,受注ステータス,注文日時,決済方法,合計金額(-99999=無効値),請求金額(-99999=無効値),ポイント利用額',
      `${num(20)},注文確認待ち,2024-06-01 10:00:00,クレジットカード決済,3000,3000,0`,
      `BAD-NUMBER,注文確認待ち,2024-06-01 10:00:00,クレジットカード決済,3000,3000,0`,
      `${num(21)},注文確認待ち,not-a-date,クレジットカード決済,3000,3000,0`,
      `${num(22)},注文確認待ち,2024-06-01 10:00:00,クレジットカード決済,3000,abc,0`,
      `${num(23)},注文確認待ち,2024-06-01 11:00:00,クレジットカード決済,1500,0,1500`,
      `${num(20)},注文確認待ち,2024-06-01 10:00:00,クレジットカード決済,3000,3000,0`,
      `${num(1)},注文確認待ち,2024-06-01 10:00:00,クレジットカード決済,3000,3000,0`,
    ];
    const csv = iconv.encode(rows.join('\r\n') + '\r\n', 'Shift_JIS');
    const r = await sys.api('POST', `/shops/${A}/orders/import`, undefined, { raw: csv, contentType: 'text/csv' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ imported: 2, rejected: 5 });
    expect(r.body.encoding).toMatch(/shift_jis|cp932|sjis/i);
    const byLine = Object.fromEntries((r.body.rows as Json[]).map((row) => [row.line, row]));
    expect(byLine[2]).toMatchObject({ orderNumber: num(20), outcome: 'imported', paymentTag: '未オーソリ' });
    expect(byLine[6]).toMatchObject({ orderNumber: num(23), outcome: 'imported', paymentTag: 'オーソリ不要' });
    for (const line of [3, 4, 5, 7, 8]) expect(byLine[line]).toMatchObject({ outcome: 'rejected', reason: expect.any(String) });
    expect(byLine[8].reason).toContain('already exists');

    const imported = await detail(A, 20);
    expect(imported).toMatchObject({ billedAmount: 3000, totalAmount: 3000, paymentTag: '未オーソリ' });
    expect((await sys.api('GET', `/shops/${A}/orders/${num(21)}`)).status).toBe(404);
    expect((await sys.api('GET', `/shops/${A}/orders/${num(22)}`)).status).toBe(404);
    expect((await detail(A, 1)).billedAmount).toBe(1200); // the existing order was not overwritten
    // an imported order walks the payment path like any other
    await act(A, 'authorize', [20]);
    const authorized = await tagIs(A, 20, 'オーソリ済');
    expect(authorized.authorization).toMatchObject({ amount: 3000 });
  });
});
