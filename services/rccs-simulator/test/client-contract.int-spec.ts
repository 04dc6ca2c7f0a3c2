/**
 * Contract tests: the real @rcp/rccs-client against the real simulator over HTTP, for every operation and every
 * request-level error, item-level error and transport fault path the gateway has to handle.
 * (Lives here because a lib may not import a service.)
 */
import { inspect } from 'node:util';
import {
  assertRccsOk,
  buildEsaAuthKey,
  classifyResult,
  isRequestComplete,
  RccsClient,
  RccsTransportError,
  wasRequestRegistered,
  type RccsCredentials,
  type RccsExchange,
  type RccsOrderResult,
  type RccsRequestStatus,
  type RccsResult,
} from '@rcp/rccs-client';
import { waitFor } from '@rcp/testing';
import { type RunningSimulator, startSimulator } from '../src/bootstrap';

const AUTH_KEY = 'contract-secret-auth-key-0123456789';
const SHOP: RccsCredentials = { shopUrl: 'contract-shop', userName: 'contract-user', authKey: AUTH_KEY };
const OTHER_SHOP: RccsCredentials = { shopUrl: 'other-shop', userName: 'other-user', authKey: 'other-secret-key-0000000000' };
const N = (i: number) => `338459-20240105-${String(i).padStart(8, '0')}`;
const MAX_ORDERS = 5;
const MAX_IDS = 5;

let sim: RunningSimulator;
let client: RccsClient;
let fastClient: RccsClient;
const seen: unknown[] = [];

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${sim.url}/admin${path}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
}

async function adminOk(method: string, path: string, body?: unknown): Promise<unknown> {
  const { status, json } = await admin(method, path, body);
  if (![200, 201, 204].includes(status)) throw new Error(`admin ${method} ${path} → ${status}: ${JSON.stringify(json)}`);
  return json;
}

function expectNoSecret(item: unknown): void {
  expect(inspect(item, { depth: 20, showHidden: true })).not.toContain(AUTH_KEY);
  expect(JSON.stringify(item)).not.toContain(AUTH_KEY);
}

function track<T>(result: RccsResult<T>): RccsResult<T> {
  expectNoSecret(result);
  seen.push(result);
  return result;
}

async function transportError(promise: Promise<unknown>): Promise<RccsTransportError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RccsTransportError);
  expectNoSecret(err);
  seen.push(err);
  return err as RccsTransportError;
}

async function newId(credentials = SHOP): Promise<number> {
  return assertRccsOk(track(await client.getRCCSRequestId(credentials))).requestId;
}

/** Polls getRCCSResult until the request is complete (status 3). */
async function completed(requestId: number): Promise<RccsRequestStatus> {
  return waitFor(
    async () => {
      const [entry] = assertRccsOk(track(await client.getRCCSResult(SHOP, [requestId]))).requests;
      return isRequestComplete(entry.status) ? entry : undefined;
    },
    `request ${requestId} to complete`,
    10_000,
  );
}

function byOrder(entry: RccsRequestStatus): Record<string, RccsOrderResult> {
  return Object.fromEntries(entry.results.map((r) => [r.orderNumber, r]));
}

async function seed(orders: object[]): Promise<void> {
  await adminOk('POST', '/orders', orders.map((o) => ({ shopUrl: SHOP.shopUrl, ...o })));
}

const todayJst = () => new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);
const tomorrowJst = () => new Date(Date.now() + 33 * 3600_000).toISOString().slice(0, 10);

beforeAll(async () => {
  sim = await startSimulator({
    env: {},
    config: {
      port: 0,
      host: '127.0.0.1',
      store: 'memory',
      shops: [SHOP, OTHER_SHOP],
      faults: [],
      declineRules: [],
      settings: { processingDelayMs: 0, processingJitterMs: 0 },
      limits: { maxOrdersPerRequest: MAX_ORDERS, maxIdsPerResultQuery: MAX_IDS },
    },
  });
  client = new RccsClient({ endpoint: sim.soapUrl, connectTimeoutMs: 2_000, responseTimeoutMs: 5_000, strictOrder: true });
  fastClient = new RccsClient({ endpoint: sim.soapUrl, connectTimeoutMs: 2_000, responseTimeoutMs: 300, strictOrder: true });
});

afterAll(async () => {
  await client?.close();
  await fastClient?.close();
  await sim?.close();
});

beforeEach(async () => {
  await adminOk('POST', '/reset');
  await adminOk('DELETE', '/faults');
  await adminOk('DELETE', '/decline-rules');
  await adminOk('PUT', '/settings', { processingDelayMs: 0, strictOrder: false, strictUnknownElements: false, strictSoapAction: false });
});

describe('every operation succeeds against the simulator', () => {
  it('getRCCSRequestId issues distinct positive ids and logs a masked exchange', async () => {
    const first = track(await client.getRCCSRequestId(SHOP));
    const second = await newId();
    const { requestId } = assertRccsOk(first);
    expect(requestId).toBeGreaterThan(0);
    expect(second).not.toBe(requestId);
    expect(first.exchange).toMatchObject({ operation: 'getRCCSRequestId', httpStatus: 200 });
    expect(first.exchange.requestXml).not.toContain(AUTH_KEY);
  });

  it('an unused request id shows status 0 / kind 0 and is not "registered"', async () => {
    const id = await newId();
    const [entry] = assertRccsOk(track(await client.getRCCSResult(SHOP, [id]))).requests;
    expect(entry).toMatchObject({ requestId: id, status: 0, kind: 0, count: 0, results: [] });
    expect(wasRequestRegistered(entry)).toBe(false);
  });

  it('full lifecycle: authori (one declined) → sales → salesCancel, authoriCancel; results typed and classified', async () => {
    await seed([
      { orderNumber: N(1), brandName: 'MasterCard', cardNo: '****-****-****-4402', ownerName: 'HANAKO SATO', expYM: '2027/11', amount: 5480 },
      { orderNumber: N(2), brandName: 'VISA', ownerName: 'ICHIRO SUZUKI', creditLimit: 1000 },
      { orderNumber: N(3), amount: 800 },
    ]);
    const authId = await newId();
    const auth = track(
      await client.authori(SHOP, authId, [
        { orderNumber: N(1), price: 5480, payType: 0 },
        { orderNumber: N(2), price: 1200, payType: 0, helpItem: 'batch-7 <&>' },
        { orderNumber: N(3), price: 800, payType: 0 },
      ]),
    );
    expect(auth).toMatchObject({ ok: true, errorCode: 'RCCS_N00-000', message: '正常終了', value: { unitErrors: [] } });

    const status = await completed(authId);
    expect(status).toMatchObject({ requestId: authId, count: 3, status: 3, errorCode: 'RCCS_N00-000' });
    expect(wasRequestRegistered(status)).toBe(true);
    expect(status.startDate).toBeInstanceOf(Date);
    const results = byOrder(status);
    expect(results[N(1)]).toMatchObject({
      errorCode: 'RCCS_N00-000',
      ccsErrorCode: '000000',
      ccsErrorCodeDetail: null,
      cardStatus: 12,
      brandName: 'MasterCard',
      cardNo: '****-****-****-4402',
      ownerName: 'HANAKO SATO',
      expYM: '2027/11',
      price: 5480,
      payType: 0,
      companyName: '楽天カード',
      helpItem: '',
    });
    expect(results[N(1)].approvalNumber).toMatch(/^\d{7}$/);
    expect(results[N(1)].transactionId).toMatch(/^\d{32}$/);
    expect(results[N(1)].regDate).toBeInstanceOf(Date);
    expect(results[N(1)].eventDate).toBeInstanceOf(Date);
    expect(classifyResult(results[N(1)].errorCode, results[N(1)].ccsErrorCode).classification).toBe('success');
    expect(results[N(2)]).toMatchObject({ errorCode: 'RCCS_E22-822', ccsErrorCode: '210G55', cardStatus: 13, helpItem: 'batch-7 <&>' });
    expect(results[N(2)].message).toBe('限度額オーバー：R-Card Plus クレジットサポートセンターへお問合せください。');
    expect(classifyResult(results[N(2)].errorCode, results[N(2)].ccsErrorCode)).toMatchObject({ classification: 'buyer-action', messageJa: '限度額オーバー' });

    const salesId = await newId();
    assertRccsOk(track(await client.sales(SHOP, salesId, [{ orderNumber: N(1) }])));
    expect(byOrder(await completed(salesId))[N(1)]).toMatchObject({ errorCode: 'RCCS_N00-000', cardStatus: 22, price: 5480 });

    const salesCancelId = await newId();
    assertRccsOk(track(await client.salesCancel(SHOP, salesCancelId, [{ orderNumber: N(1), helpItem: 'refund' }])));
    expect(byOrder(await completed(salesCancelId))[N(1)]).toMatchObject({ errorCode: 'RCCS_N00-000', cardStatus: 42, helpItem: 'refund' });

    const cancelId = await newId();
    assertRccsOk(track(await client.authoriCancel(SHOP, cancelId, [{ orderNumber: N(3) }])));
    expect(byOrder(await completed(cancelId))[N(3)]).toMatchObject({ errorCode: 'RCCS_N00-000', cardStatus: 32 });

    const many = assertRccsOk(track(await client.getRCCSResult(SHOP, [authId, salesId, salesCancelId, cancelId])));
    expect(many.requests.map((r) => r.requestId).sort()).toEqual([authId, salesId, salesCancelId, cancelId].sort());
    expect(many.requests.every((r) => r.status === 3)).toBe(true);

    const all = assertRccsOk(track(await client.getRCCSResultAll(SHOP, { fromDate: todayJst(), toDate: tomorrowJst() })));
    expect(all.results.map((r) => r.orderNumber)).toEqual(expect.arrayContaining([N(1), N(2), N(3)]));
    const filtered = assertRccsOk(track(await client.getRCCSResultAll(SHOP, { fromDate: todayJst(), toDate: tomorrowJst(), cardStatus: 42 })));
    expect(filtered.results.map((r) => [r.orderNumber, r.cardStatus])).toEqual([[N(1), 42]]);
    const byNumber = assertRccsOk(track(await client.getRCCSResultAll(SHOP, { fromDate: new Date(), toDate: tomorrowJst(), orderNumber: N(3) })));
    expect(byNumber.results.map((r) => r.orderNumber)).toEqual([N(3)]);
  });

  it('the client’s envelopes pass the simulator’s strict modes (element order, unknown elements, SOAPAction)', async () => {
    await adminOk('PUT', '/settings', { strictOrder: true, strictUnknownElements: true, strictSoapAction: true });
    await seed([{ orderNumber: N(11), amount: 100 }]);
    const id = await newId();
    assertRccsOk(track(await client.authori(SHOP, id, [{ orderNumber: N(11), price: 100, payType: 0, helpItem: null }])));
    await completed(id);
    for (const op of ['sales', 'salesCancel'] as const) {
      const next = await newId();
      assertRccsOk(track(await client[op](SHOP, next, [{ orderNumber: N(11) }])));
      await completed(next);
    }
    const cancelId = await newId();
    expect(track(await client.authoriCancel(SHOP, cancelId, [{ orderNumber: N(11) }])).ok).toBe(true);
    assertRccsOk(track(await client.getRCCSResultAll(SHOP, { fromDate: todayJst(), toDate: tomorrowJst(), payType: 0, brandName: null })));
  });

  it('accepts an ESA key built by the helper for a shop configured with serviceSecret/licenseKey', async () => {
    await adminOk('PUT', '/shops/esa-shop', { userName: 'esa-user', authKey: 'esa-raw-key-000000', serviceSecret: 'svc-secret', licenseKey: 'lic-key' });
    const esa = { shopUrl: 'esa-shop', userName: 'esa-user', authKey: buildEsaAuthKey('svc-secret', 'lic-key') };
    const result = track(await client.getRCCSRequestId(esa));
    expect(result.ok).toBe(true);
    expect(result.exchange.requestXml).not.toContain(esa.authKey);
  });
});

describe('request-level errors come back as ok:false with a classification', () => {
  it('wrong credentials → RCCS_E01-001 on all seven operations', async () => {
    const bad = { ...SHOP, authKey: `${AUTH_KEY}-wrong` };
    const calls: Promise<RccsResult<unknown>>[] = [
      client.getRCCSRequestId(bad),
      client.authori(bad, 1, [{ orderNumber: N(1), price: 1, payType: 0 }]),
      client.authoriCancel(bad, 1, [{ orderNumber: N(1) }]),
      client.sales(bad, 1, [{ orderNumber: N(1) }]),
      client.salesCancel(bad, 1, [{ orderNumber: N(1) }]),
      client.getRCCSResult(bad, [1]),
      client.getRCCSResultAll(bad, { fromDate: todayJst(), toDate: tomorrowJst() }),
    ];
    for (const result of await Promise.all(calls)) {
      track(result);
      expect(result).toMatchObject({ ok: false, errorCode: 'RCCS_E01-001', message: '認証エラー', classification: { classification: 'operator-action' } });
      expect(JSON.stringify(result)).not.toContain(bad.authKey);
    }
  });

  it('a request id used twice → RCCS_E02-001; another shop’s id → RCCS_E02-001', async () => {
    await seed([{ orderNumber: N(21), amount: 100 }]);
    const id = await newId();
    assertRccsOk(track(await client.authori(SHOP, id, [{ orderNumber: N(21), price: 100, payType: 0 }])));
    expect(track(await client.authori(SHOP, id, [{ orderNumber: N(21), price: 100, payType: 0 }]))).toMatchObject({ ok: false, errorCode: 'RCCS_E02-001' });
    const foreign = await newId(OTHER_SHOP);
    expect(track(await client.sales(SHOP, foreign, [{ orderNumber: N(21) }]))).toMatchObject({ ok: false, errorCode: 'RCCS_E02-001', classification: { classification: 'operator-action' } });
  });

  it('an unknown request id in getRCCSResult is reported per entry, not as a request failure', async () => {
    const result = assertRccsOk(track(await client.getRCCSResult(SHOP, [2_000_000_000])));
    expect(result.requests[0]).toMatchObject({ requestId: 2_000_000_000, errorCode: 'RCCS_E02-001', status: 0, kind: 0 });
    expect(wasRequestRegistered(result.requests[0])).toBe(false);
  });

  it('limits and ranges → RCCS_E03-001 (too many orders, too many ids, search range too long)', async () => {
    const id = await newId();
    const items = Array.from({ length: MAX_ORDERS + 1 }, (_, i) => ({ orderNumber: N(30 + i), price: 100, payType: 0 }));
    expect(track(await client.authori(SHOP, id, items))).toMatchObject({ ok: false, errorCode: 'RCCS_E03-001' });
    expect(track(await client.getRCCSResult(SHOP, Array.from({ length: MAX_IDS + 1 }, (_, i) => i + 1)))).toMatchObject({ ok: false, errorCode: 'RCCS_E03-001' });
    expect(track(await client.getRCCSResultAll(SHOP, { fromDate: '2024-01-01', toDate: '2024-06-01' }))).toMatchObject({ ok: false, errorCode: 'RCCS_E03-001' });
  });

  it('a "busy" fault → RCCS_E99-999, classified retryable', async () => {
    await adminOk('POST', '/faults', { type: 'busy', operations: ['getRCCSRequestId'], count: 1 });
    expect(track(await client.getRCCSRequestId(SHOP))).toMatchObject({ ok: false, errorCode: 'RCCS_E99-999', classification: { classification: 'retryable' } });
    expect(track(await client.getRCCSRequestId(SHOP)).ok).toBe(true);
  });
});

describe('item-level errors are data in the per-order results', () => {
  it('price 0, unknown order, wrong status and forced declines are classified per order', async () => {
    await adminOk('PUT', '/settings', { autoProvision: false });
    await seed([
      { orderNumber: N(41), amount: 100 },
      { orderNumber: N(42), amount: 100 },
      { orderNumber: N(43), amount: 100, decline: { code: 'G12' } },
      { orderNumber: N(44), amount: 100, decline: { code: 'G97' } },
    ]);
    const id = await newId();
    assertRccsOk(
      track(
        await client.authori(SHOP, id, [
          { orderNumber: N(41), price: 0, payType: 0 },
          { orderNumber: '338459-20240105-99999999', price: 100, payType: 0 },
          { orderNumber: N(43), price: 100, payType: 0 },
          { orderNumber: N(44), price: 100, payType: 0 },
        ]),
      ),
    );
    const r = byOrder(await completed(id));
    expect(r[N(41)]).toMatchObject({ errorCode: 'RCCS_E03-001' });
    expect(r['338459-20240105-99999999']).toMatchObject({ errorCode: 'RCCS_E21-001' });
    expect(r[N(43)]).toMatchObject({ ccsErrorCode: '210G12', cardStatus: 13 });
    expect(classifyResult(r[N(41)].errorCode, r[N(41)].ccsErrorCode).classification).toBe('operator-action');
    expect(classifyResult(r['338459-20240105-99999999'].errorCode, null).classification).toBe('operator-action');
    expect(classifyResult(r[N(43)].errorCode, r[N(43)].ccsErrorCode).classification).toBe('buyer-action');
    expect(classifyResult(r[N(44)].errorCode, r[N(44)].ccsErrorCode).classification).toBe('retryable');

    const salesId = await newId();
    assertRccsOk(track(await client.sales(SHOP, salesId, [{ orderNumber: N(42) }])));
    const s = byOrder(await completed(salesId));
    expect(s[N(42)]).toMatchObject({ errorCode: 'RCCS_E21-002' });
    expect(classifyResult(s[N(42)].errorCode, s[N(42)].ccsErrorCode).classification).toBe('operator-action');
  });

  it('with warnOnItemErrors the status entry carries RCCS_W00-000 while the call itself succeeds', async () => {
    await adminOk('PUT', '/settings', { warnOnItemErrors: true });
    await seed([{ orderNumber: N(45), amount: 100 }]);
    const id = await newId();
    assertRccsOk(track(await client.sales(SHOP, id, [{ orderNumber: N(45) }])));
    const entry = await completed(id);
    expect(entry).toMatchObject({ errorCode: 'RCCS_W00-000' });
    expect(byOrder(entry)[N(45)].errorCode).toBe('RCCS_E21-002');
  });

  it('billing an expired authorisation → RCCS_E21-003', async () => {
    await seed([{ orderNumber: N(51), amount: 100, cardStatus: 12, authorizedAt: new Date(Date.now() - 90 * 86_400_000).toISOString(), authorizedAmount: 100 }]);
    const id = await newId();
    assertRccsOk(track(await client.sales(SHOP, id, [{ orderNumber: N(51) }])));
    expect(byOrder(await completed(id))[N(51)]).toMatchObject({ errorCode: 'RCCS_E21-003' });
  });
});

describe('transport faults map to RccsTransportError kinds with the right retry hint', () => {
  it('http500 → soap-fault S:Server, may have been registered', async () => {
    await adminOk('POST', '/faults', { type: 'http500', operations: ['getRCCSRequestId'], count: 1, faultString: 'injected failure' });
    const err = await transportError(client.getRCCSRequestId(SHOP));
    expect(err).toMatchObject({ kind: 'soap-fault', httpStatus: 500, requestMayHaveBeenRegistered: true, fault: { faultCode: 'S:Server', faultString: 'injected failure' } });
    expect(err.exchange.responseXml).toContain('injected failure');
  });

  it('hang before processing → timeout; getRCCSResult shows it was not registered, so a new id may be used', async () => {
    await seed([{ orderNumber: N(61), amount: 100 }]);
    await adminOk('POST', '/faults', { type: 'hang', operations: ['authori'], phase: 'before', count: 1 });
    const id = await newId();
    const err = await transportError(fastClient.authori(SHOP, id, [{ orderNumber: N(61), price: 100, payType: 0 }]));
    expect(err).toMatchObject({ kind: 'timeout', operation: 'authori', requestMayHaveBeenRegistered: true, httpStatus: undefined });
    const [entry] = assertRccsOk(track(await client.getRCCSResult(SHOP, [id]))).requests;
    expect(wasRequestRegistered(entry)).toBe(false);
    const retryId = await newId();
    assertRccsOk(track(await client.authori(SHOP, retryId, [{ orderNumber: N(61), price: 100, payType: 0 }])));
    expect(byOrder(await completed(retryId))[N(61)].cardStatus).toBe(12);
  });

  it('connection dropped after processing → connection-reset; getRCCSResult shows it was registered (no resubmit)', async () => {
    await seed([{ orderNumber: N(71), amount: 100 }]);
    await adminOk('POST', '/faults', { type: 'drop', operations: ['authori'], phase: 'after', count: 1 });
    const id = await newId();
    const err = await transportError(client.authori(SHOP, id, [{ orderNumber: N(71), price: 100, payType: 0 }]));
    expect(err).toMatchObject({ kind: 'connection-reset', requestMayHaveBeenRegistered: true });
    const entry = await completed(id);
    expect(wasRequestRegistered(entry)).toBe(true);
    expect(byOrder(entry)[N(71)]).toMatchObject({ errorCode: 'RCCS_N00-000', cardStatus: 12 });
  });

  it('a delay shorter than the response timeout succeeds; a longer one times out', async () => {
    await adminOk('POST', '/faults', { type: 'delay', operations: ['getRCCSRequestId'], delayMs: 100, count: 1 });
    expect(track(await client.getRCCSRequestId(SHOP)).ok).toBe(true);
    await adminOk('POST', '/faults', { type: 'delay', operations: ['getRCCSRequestId'], delayMs: 1_000, count: 1 });
    expect(await transportError(fastClient.getRCCSRequestId(SHOP))).toMatchObject({ kind: 'timeout', requestMayHaveBeenRegistered: true });
  });

  it('a stuck request stays incomplete until completed by the operator', async () => {
    await seed([{ orderNumber: N(81), amount: 100 }]);
    await adminOk('POST', '/faults', { type: 'stuck', operations: ['authori'], stuckStatus: 2, count: 1 });
    const id = await newId();
    assertRccsOk(track(await client.authori(SHOP, id, [{ orderNumber: N(81), price: 100, payType: 0 }])));
    const [entry] = assertRccsOk(track(await client.getRCCSResult(SHOP, [id]))).requests;
    expect(entry.status).toBe(2);
    expect(isRequestComplete(entry.status)).toBe(false);
    expect(wasRequestRegistered(entry)).toBe(true);
    await adminOk('POST', `/requests/${id}/complete`);
    expect(byOrder(await completed(id))[N(81)].cardStatus).toBe(12);
  });

  it('a request body over the simulator limit → soap-fault (HTTP 413, S:Client)', async () => {
    const temp = await startSimulator({ env: {}, config: { port: 0, host: '127.0.0.1', store: 'memory', shops: [SHOP], limits: { maxBodyBytes: 2048 } } });
    const tempClient = new RccsClient({ endpoint: temp.soapUrl, connectTimeoutMs: 1_000, responseTimeoutMs: 2_000 });
    try {
      const err = await transportError(tempClient.authori(SHOP, 1, [{ orderNumber: N(91), price: 100, payType: 0, helpItem: 'x'.repeat(4096) }]));
      expect(err).toMatchObject({ kind: 'soap-fault', httpStatus: 413, fault: { faultCode: 'S:Client' } });
    } finally {
      await tempClient.close();
      await temp.close();
    }
  });

  it('a stopped simulator → connect, not registered', async () => {
    const temp = await startSimulator({ env: {}, config: { port: 0, host: '127.0.0.1', store: 'memory', shops: [SHOP] } });
    const tempClient = new RccsClient({ endpoint: temp.soapUrl, connectTimeoutMs: 1_000, responseTimeoutMs: 1_000, keepAliveTimeoutMs: 1 });
    try {
      expect(track(await tempClient.getRCCSRequestId(SHOP)).ok).toBe(true);
      await temp.close();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await transportError(tempClient.getRCCSRequestId(SHOP))).toMatchObject({ kind: 'connect', requestMayHaveBeenRegistered: false });
    } finally {
      await tempClient.close();
      await temp.close();
    }
  });
});

describe('secrets', () => {
  it('the auth key appears in no result, exchange or error produced by this suite', () => {
    expect(seen.length).toBeGreaterThan(0);
    for (const item of seen) {
      expectNoSecret(item);
      const exchange = (item as { exchange?: RccsExchange }).exchange;
      expect(exchange?.requestXml).toMatch(/<e:authKey>\*{4,}[^<*]{0,2}<\/e:authKey>/);
    }
  });
});
