import { type TestDatabase, createTestDatabase, waitFor } from '@rcp/testing';
import { type RunningSimulator, startSimulator } from '../src/bootstrap';
import { LIMIT_EXCEEDED_MESSAGE } from '../src/domain/codes';
import { DEMO, SimClient, jstDay, xml } from './sim-client';

const N = (i: number) => `338459-20240105-${String(i).padStart(8, '0')}`;
let db: TestDatabase;
let sim: RunningSimulator;
let c: SimClient;

beforeAll(async () => {
  db = await createTestDatabase('rcp_sim_ops');
  sim = await startSimulator({ env: {}, config: { port: 0, host: '127.0.0.1', store: 'postgres', databaseUrl: db.url, settings: { processingDelayMs: 0 } } });
  c = new SimClient(sim);
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});
beforeEach(async () => {
  expect((await c.admin('POST', '/reset')).status).toBe(200);
});

/** Results of a completed request by order number. */
async function outcome(id: number) {
  const st = await c.status(id);
  expect(st.status).toBe('3');
  return Object.fromEntries(st.results.map((r) => [r.orderNumber, r]));
}

describe('every operation over SOAP/HTTP with the PostgreSQL store', () => {
  it('runs a full card lifecycle: authori (one declined) → fix card → re-authori → sales → salesCancel, and authoriCancel', async () => {
    await c.admin('POST', '/orders', [
      { orderNumber: N(1), brandName: 'MasterCard', cardNo: '****-****-****-4402', ownerName: 'HANAKO SATO', expYM: '2027/11', amount: 5480 },
      { orderNumber: N(2), brandName: 'VISA', cardNo: '****-****-****-0077', ownerName: 'ICHIRO SUZUKI', creditLimit: 1000 },
    ]);
    const auth = await c.authori([
      { orderNumber: N(1), price: 5480 },
      { orderNumber: N(2), price: 1200, helpItem: 'batch-7' },
    ]);
    expect(auth.errorCode).toBe('RCCS_N00-000');
    let r = await outcome(auth.id);
    expect(r[N(1)]).toMatchObject({
      errorCode: 'RCCS_N00-000',
      ccsErrorCode: '000000',
      cardStatus: '12',
      brandName: 'MasterCard',
      cardNo: '****-****-****-4402',
      ownerName: 'HANAKO SATO',
      price: '5480',
      companyName: '楽天カード',
      helpItem: '',
      ccsErrorCodeDetail: null,
    });
    expect(r[N(1)].approvalNumber).toMatch(/^\d{7}$/);
    expect(r[N(1)].transactionId).toMatch(/^\d{32}$/);
    expect(r[N(1)].regDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00$/);
    expect(r[N(1)].eventDate).toMatch(/T00:00:00\+09:00$/);
    expect(r[N(2)]).toMatchObject({
      errorCode: 'RCCS_E22-822',
      ccsErrorCode: '210G55',
      message: LIMIT_EXCEEDED_MESSAGE,
      cardStatus: '13',
      approvalNumber: '0000000',
      helpItem: 'batch-7',
    });

    // The buyer fixes the card; the same order authorises on retry (13 → 12).
    expect((await c.admin('POST', `/orders/${N(2)}/fix-card`, {})).json).toMatchObject({ creditLimit: null, rulesExempt: true, cardStatus: 13 });
    r = await outcome((await c.authori([{ orderNumber: N(2), price: 1200 }])).id);
    expect(r[N(2)]).toMatchObject({ errorCode: 'RCCS_N00-000', cardStatus: '12' });

    r = await outcome((await c.submit('sales', [N(1)])).id);
    expect(r[N(1)]).toMatchObject({ errorCode: 'RCCS_N00-000', cardStatus: '22', price: '5480', approvalNumber: '0000000' });
    r = await outcome((await c.submit('salesCancel', [N(1)])).id);
    expect(r[N(1)]).toMatchObject({ errorCode: 'RCCS_N00-000', cardStatus: '42' });
    r = await outcome((await c.submit('authoriCancel', [N(2)])).id);
    expect(r[N(2)]).toMatchObject({ errorCode: 'RCCS_N00-000', cardStatus: '32' });

    const today = jstDay(new Date());
    const all = await c.resultAll({ fromDate: jstDay(new Date(), -1), toDate: today });
    expect(all.errorCode).toBe('RCCS_N00-000');
    expect(all.results.map((x) => [x.orderNumber, x.cardStatus])).toEqual([
      [N(1), '42'],
      [N(2), '32'],
    ]);
    const only12 = await c.resultAll({ fromDate: today, toDate: today, cardStatus: 32 });
    expect(only12.results.map((x) => x.orderNumber)).toEqual([N(2)]);

    const ledger = (await c.admin('GET', `/ledger?orderNumber=${N(2)}`)).json.entries;
    expect(ledger.map((e: { op: string; errorCode: string; cardStatus: number }) => [e.op, e.errorCode, e.cardStatus])).toEqual([
      ['authori', 'RCCS_E22-822', 13],
      ['authori', 'RCCS_N00-000', 12],
      ['authoriCancel', 'RCCS_N00-000', 32],
    ]);
    expect(ledger[0]).toMatchObject({ orderNumber: N(2), requestId: auth.id, amount: 1200 });
    expect((await c.admin('GET', `/ledger?op=sales&errorCode=RCCS_N00-000`)).json.entries).toHaveLength(1);
  });

  it('moves a request through status 0 → 1 → 2 → 3 as the (frozen, then advanced) clock passes the processing delay', async () => {
    await c.admin('PUT', '/settings', { processingDelayMs: 1000 });
    await c.admin('POST', '/clock', { freeze: true });
    const id = await c.requestId();
    expect(await c.status(id)).toMatchObject({ status: '0', kind: '0', count: '0', errorCode: 'RCCS_N00-000' });
    await c.authori([{ orderNumber: N(1), price: 100 }], id);
    expect(await c.status(id)).toMatchObject({ status: '1', kind: '1', count: '1', results: [] });
    expect((await c.admin('GET', `/orders/${N(1)}`)).json).toMatchObject({ cardStatus: 12, visibleCardStatus: 11, inProgress: true });
    await c.admin('POST', '/clock', { advanceMs: 500 });
    expect((await c.status(id)).status).toBe('2');
    await c.admin('POST', '/clock', { advanceMs: 500 });
    const done = await c.status(id);
    expect(done.status).toBe('3');
    expect(done.results.map((r) => r.cardStatus)).toEqual(['12']);
  });

  it('completes with real time passing too (no clock control)', async () => {
    await c.admin('PUT', '/settings', { processingDelayMs: 800 });
    const { id } = await c.authori([{ orderNumber: N(1), price: 100 }]);
    expect(Number((await c.status(id)).status)).toBeLessThan(3);
    const done = await waitFor(async () => {
      const st = await c.status(id);
      return st.status === '3' && st;
    }, 'request completion', 5000, 50);
    expect(done.results).toHaveLength(1);
  });

  it('answers wrong credentials with HTTP 200 and RCCS_E01-001 on every operation, without a request id', async () => {
    const bad = [
      { ...DEMO, authKey: 'wrong' },
      { ...DEMO, userName: 'someone-else' },
      { ...DEMO, shopUrl: 'unknown-shop' },
    ];
    for (const a of bad) {
      const bodies = [
        xml.getRCCSRequestId(a),
        xml.authori(a, 1, [{ orderNumber: N(1), price: 1 }]),
        xml.orders('authoriCancel', a, 1, [N(1)]),
        xml.orders('sales', a, 1, [N(1)]),
        xml.orders('salesCancel', a, 1, [N(1)]),
        xml.getRCCSResult(a, [1]),
        xml.getRCCSResultAll(a, { fromDate: '2024-01-01', toDate: '2024-01-02' }),
      ];
      for (const body of bodies) {
        const r = await c.post(body);
        expect(r.status).toBe(200);
        const children = r.result!.children.map((x) => [x.local, x.text]);
        expect(children).toEqual([
          ['errorCode', 'RCCS_E01-001'],
          ['message', '認証エラー'],
        ]);
      }
    }
    expect((await c.admin('GET', '/ledger')).json.entries).toEqual([]);
  });

  it('uses each request id once', async () => {
    const { id } = await c.authori([{ orderNumber: N(1), price: 100 }]);
    expect((await c.authori([{ orderNumber: N(2), price: 100 }], id)).errorCode).toBe('RCCS_E02-001');
    expect((await c.submit('sales', [N(1)], id)).errorCode).toBe('RCCS_E02-001');
    const st = await c.status(id);
    expect(st).toMatchObject({ count: '1', kind: '1' });
    expect(st.results.map((r) => r.orderNumber)).toEqual([N(1)]);
    expect((await c.admin('GET', `/orders/${N(2)}`)).status).toBe(404);
    const unknown = await c.status(999_999);
    expect(unknown).toMatchObject({ errorCode: 'RCCS_E02-001', status: '0', startDate: null });
  });

  it('enforces orders per request and ids per query (spec §7 defaults: 100)', async () => {
    const id = await c.requestId();
    const many = Array.from({ length: 101 }, (_, i) => ({ orderNumber: N(i + 1), price: 100 }));
    expect((await c.authori(many, id)).errorCode).toBe('RCCS_E03-001');
    expect((await c.status(id)).status).toBe('0');
    expect((await c.authori(many.slice(0, 100), id)).errorCode).toBe('RCCS_N00-000');
    expect((await c.status(id)).results).toHaveLength(100);
    const ids = Array.from({ length: 101 }, (_, i) => id + i);
    expect((await c.result(ids)).errorCode).toBe('RCCS_E03-001');
    expect((await c.result(ids.slice(0, 100))).statuses).toHaveLength(100);
  });

  it('refuses a 0-yen authorisation per order, leaving its status unchanged', async () => {
    const r = await outcome((await c.authori([{ orderNumber: N(1), price: 0 }, { orderNumber: N(2), price: 10 }])).id);
    expect(r[N(1)]).toMatchObject({ errorCode: 'RCCS_E03-001', cardStatus: '1', approvalNumber: '0000000' });
    expect(r[N(2)]).toMatchObject({ errorCode: 'RCCS_N00-000', cardStatus: '12' });
    expect((await c.admin('GET', `/orders/${N(1)}`)).json.cardStatus).toBe(1);
  });

  it('refuses to capture an authorisation older than 60 days, then captures after cancel + re-authorise', async () => {
    await outcome((await c.authori([{ orderNumber: N(1), price: 3000 }])).id);
    await c.admin('POST', '/clock', { advanceMs: 61 * 86_400_000 });
    let r = await outcome((await c.submit('sales', [N(1)])).id);
    expect(r[N(1)]).toMatchObject({ errorCode: 'RCCS_E21-003', cardStatus: '23' });
    r = await outcome((await c.submit('authoriCancel', [N(1)])).id);
    expect(r[N(1)]).toMatchObject({ errorCode: 'RCCS_N00-000', cardStatus: '32' });
    r = await outcome((await c.authori([{ orderNumber: N(1), price: 3000 }])).id);
    expect(r[N(1)].cardStatus).toBe('12');
    r = await outcome((await c.submit('sales', [N(1)])).id);
    expect(r[N(1)]).toMatchObject({ errorCode: 'RCCS_N00-000', cardStatus: '22', price: '3000' });
  });

  it('captures at day 59 of a seeded authorisation', async () => {
    const authorizedAt = new Date(Date.now() - 59 * 86_400_000).toISOString();
    await c.admin('POST', '/orders', { orderNumber: N(1), cardStatus: 12, authorizedAt, authorizedAmount: 800 });
    const r = await outcome((await c.submit('sales', [N(1)])).id);
    expect(r[N(1)]).toMatchObject({ errorCode: 'RCCS_N00-000', cardStatus: '22', price: '800' });
  });

  it('answers operations from a wrong status with an item error and leaves the status unchanged', async () => {
    let r = await outcome((await c.submit('sales', [N(1)])).id);
    expect(r[N(1)]).toMatchObject({ errorCode: 'RCCS_E21-002', cardStatus: '1' });
    await outcome((await c.authori([{ orderNumber: N(1), price: 100 }])).id);
    r = await outcome((await c.submit('salesCancel', [N(1)])).id);
    expect(r[N(1)]).toMatchObject({ errorCode: 'RCCS_E21-002', cardStatus: '12' });
    r = await outcome((await c.authori([{ orderNumber: N(1), price: 100 }])).id);
    expect(r[N(1)]).toMatchObject({ errorCode: 'RCCS_E21-002', cardStatus: '12' });
    expect((await c.admin('GET', `/orders/${N(1)}`)).json).toMatchObject({ cardStatus: 12, authorizedAmount: 100 });
  });

  it('declines deterministically by amount range and order-number pattern (rules set at run time)', async () => {
    await c.admin('PUT', '/decline-rules', [
      { id: 'big', minAmount: 100_000, code: 'G55' },
      { id: 'stolen', orderNumberPattern: '-0000099\\d$', code: 'G60' },
      { id: 'sales-fail', operations: ['sales'], orderNumbers: [N(3)], code: 'G12' },
    ]);
    const r = await outcome(
      (
        await c.authori([
          { orderNumber: N(1), price: 100_000 },
          { orderNumber: N(990), price: 10 },
          { orderNumber: N(3), price: 99_999 },
        ])
      ).id,
    );
    expect([r[N(1)].errorCode, r[N(1)].ccsErrorCode, r[N(1)].message]).toEqual(['RCCS_E22-822', '210G55', LIMIT_EXCEEDED_MESSAGE]);
    expect([r[N(990)].errorCode, r[N(990)].ccsErrorCode, r[N(990)].cardStatus]).toEqual(['RCCS_E22-806', '210G60', '13']);
    expect(r[N(3)].cardStatus).toBe('12');
    const s = await outcome((await c.submit('sales', [N(3)])).id);
    expect(s[N(3)]).toMatchObject({ errorCode: 'RCCS_E22-801', cardStatus: '23' });
    const rules = (await c.admin('GET', '/decline-rules')).json;
    expect(rules.map((x: { id: string; fired: number }) => [x.id, x.fired])).toEqual([
      ['big', 1],
      ['stolen', 1],
      ['sales-fail', 1],
    ]);
    expect((await c.admin('POST', '/decline-rules', { orderNumberPattern: '(' })).status).toBe(400);
  });

  it('forces and clears an order-level decline through the admin API', async () => {
    await c.admin('POST', '/orders', { orderNumber: N(1) });
    await c.admin('POST', `/orders/${N(1)}/decline`, { code: 'G83' });
    let r = await outcome((await c.authori([{ orderNumber: N(1), price: 10 }])).id);
    expect(r[N(1)]).toMatchObject({ errorCode: 'RCCS_E22-809', ccsErrorCode: '210G83', cardStatus: '13' });
    await c.admin('POST', `/orders/${N(1)}/fix-card`, { creditLimit: 50 });
    r = await outcome((await c.authori([{ orderNumber: N(1), price: 60 }])).id);
    expect(r[N(1)]).toMatchObject({ errorCode: 'RCCS_E22-822', cardStatus: '13' });
    r = await outcome((await c.authori([{ orderNumber: N(1), price: 50 }])).id);
    expect(r[N(1)]).toMatchObject({ errorCode: 'RCCS_N00-000', cardStatus: '12' });
  });

  it('provisions unknown orders with a deterministic fake card, or reports them unknown when switched off', async () => {
    const first = await outcome((await c.authori([{ orderNumber: N(1), price: 10 }])).id);
    const card = (await c.admin('GET', `/orders/${N(1)}`)).json;
    expect(card).toMatchObject({ autoProvisioned: true, brandName: first[N(1)].brandName, cardNo: first[N(1)].cardNo });
    expect(card.cardNo).toMatch(/^\*{4}-\*{4}-\*{4}-\d{4}$/);
    await c.admin('POST', '/reset');
    await outcome((await c.authori([{ orderNumber: N(1), price: 10 }])).id);
    expect((await c.admin('GET', `/orders/${N(1)}`)).json).toMatchObject({ brandName: card.brandName, cardNo: card.cardNo, ownerName: card.ownerName });

    await c.admin('PUT', '/settings', { autoProvision: false });
    const r = await outcome((await c.authori([{ orderNumber: N(2), price: 10 }, { orderNumber: 'bogus', price: 10 }])).id);
    expect(r[N(2)]).toMatchObject({ errorCode: 'RCCS_E21-001', cardNo: null, cardStatus: '0' });
    expect(r.bogus.errorCode).toBe('RCCS_E21-001');
  });

  it('keeps shops apart: orders and request ids of one shop are unknown to another', async () => {
    const other = { shopUrl: 'other-shop', userName: 'op', authKey: 'other-key' };
    expect((await c.admin('PUT', '/shops/other-shop', { userName: 'op', authKey: 'other-key' })).json).toMatchObject({ shopUrl: 'other-shop', authKey: '*******ey' });
    const { id } = await c.authori([{ orderNumber: N(1), price: 10 }]);
    const oc = new SimClient(sim, other);
    expect((await oc.status(id)).errorCode).toBe('RCCS_E02-001');
    const r = (await oc.status((await oc.authori([{ orderNumber: N(1), price: 10 }])).id)).results[0];
    expect(r.errorCode).toBe('RCCS_E21-001');
    const shops = (await c.admin('GET', '/shops')).json;
    expect(JSON.stringify(shops)).not.toContain('other-key');
  });
});
