import { SimClock } from './clock';
import type { ConfigOverrides } from './bootstrap';
import { configFromEnv } from './config';
import { RccsApi } from './rccs-api';
import { SimulatorRuntime } from './runtime';
import type { ItemInput, SearchInput } from './soap/request-parser';
import { MemoryStore } from './store/memory.store';

const SHOP = { shopUrl: 'demo-shop', userName: 'demo-user', authKey: 'demo-auth-key' };
const N1 = '123456-20240105-00000123';
const N2 = '123456-20240105-00000124';
const item = (orderNumber: string, price = 1000): ItemInput => ({ orderNumber, helpItem: null, payType: 0, price });
const search = (over: Partial<SearchInput> = {}): SearchInput => ({
  brandName: null,
  cardStatus: -1,
  fromDate: '2024-01-01',
  helpItem: null,
  orderNumber: null,
  ownerName: null,
  payType: null,
  toDate: '2024-01-31',
  ...over,
});

async function setup(overrides: ConfigOverrides = {}) {
  let realNow = Date.parse('2024-01-06T00:15:09Z');
  const base = configFromEnv({ SIM_STORE: 'memory' });
  const config = { ...base, ...overrides, settings: { ...base.settings, processingDelayMs: 1000, ...overrides.settings }, limits: { ...base.limits, ...overrides.limits } };
  const rt = new SimulatorRuntime(config, new MemoryStore(), new SimClock(() => realNow));
  await rt.load();
  const api = new RccsApi(rt);
  return {
    rt,
    api,
    tick: (ms: number) => (realNow += ms),
    newId: async () => (await api.getRequestId(SHOP)).requestId!,
    status: async (id: number) => (await api.getResult(SHOP, [id])).statuses![0],
  };
}

describe('RccsApi', () => {
  it('moves a request id through status 0 → 1 → 2 → 3 and shows results only when complete', async () => {
    const { api, tick, newId, status } = await setup();
    const id = await newId();
    expect(await status(id)).toMatchObject({ status: 0, kind: 0, count: 0, errorCode: 'RCCS_N00-000', results: [] });
    expect(await api.submit(SHOP, 'authori', id, [item(N1), item(N2)])).toEqual({ errorCode: 'RCCS_N00-000', message: '正常終了' });
    expect(await status(id)).toMatchObject({ status: 1, kind: 1, count: 2, results: [] });
    tick(500);
    expect(await status(id)).toMatchObject({ status: 2, results: [] });
    tick(499);
    expect((await status(id)).status).toBe(2);
    tick(1);
    const done = await status(id);
    expect(done).toMatchObject({ status: 3, kind: 1, count: 2 });
    expect(done.results.map((r) => [r.orderNumber, r.errorCode, r.cardState])).toEqual([
      [N1, 'RCCS_N00-000', 'authorized'],
      [N2, 'RCCS_N00-000', 'authorized'],
    ]);
    expect(done.timeStamp?.toISOString()).toBe('2024-01-06T00:15:10.000Z');
    expect(done.startDate?.toISOString()).toBe('2024-01-06T00:15:09.000Z');
  });

  it('uses the card-status family order for kind by default', async () => {
    const { api, newId, status, tick } = await setup({ settings: { processingDelayMs: 0 } });
    const kinds: number[] = [];
    for (const op of ['authori', 'sales', 'salesCancel'] as const) {
      const id = await newId();
      await api.submit(SHOP, op, id, [item(N1)]);
      tick(1);
      kinds.push((await status(id)).kind);
    }
    expect(kinds).toEqual([1, 2, 4]);
  });

  it('accepts a request id once and only from the shop it was issued to', async () => {
    const { api, newId, status } = await setup();
    const id = await newId();
    expect((await api.submit(SHOP, 'authori', id, [item(N1)])).errorCode).toBe('RCCS_N00-000');
    expect((await api.submit(SHOP, 'authori', id, [item(N2)])).errorCode).toBe('RCCS_E02-001');
    expect((await api.submit(SHOP, 'authori', 123, [item(N2)])).errorCode).toBe('RCCS_E02-001');
    expect((await api.submit(SHOP, 'authori', null, [item(N2)])).errorCode).toBe('RCCS_E02-001');
    const other = { shopUrl: 'other', userName: 'u', authKey: 'k' };
    const foreign = (await api.getRequestId(other)).requestId!;
    expect((await api.submit(SHOP, 'authori', foreign, [item(N2)])).errorCode).toBe('RCCS_E02-001');
    expect(await status(foreign)).toMatchObject({ errorCode: 'RCCS_E02-001', status: 0, startDate: null });
    expect((await status(id)).count).toBe(1);
  });

  it('expires unused request ids after the configured lifetime', async () => {
    const { api, newId, tick } = await setup({ limits: { requestIdTtlMs: 60_000 } });
    const id = await newId();
    tick(60_000);
    expect((await api.submit(SHOP, 'authori', id, [item(N1)])).errorCode).toBe('RCCS_E02-001');
  });

  it('enforces the orders-per-request limit without consuming the request id', async () => {
    const { api, newId, status } = await setup({ limits: { maxOrdersPerRequest: 3 } });
    const id = await newId();
    const four = [1, 2, 3, 4].map((i) => item(`123456-20240105-0000000${i}`));
    expect((await api.submit(SHOP, 'authori', id, four)).errorCode).toBe('RCCS_E03-001');
    expect((await api.submit(SHOP, 'authori', id, [])).errorCode).toBe('RCCS_E03-001');
    expect((await api.submit(SHOP, 'authori', id, null)).errorCode).toBe('RCCS_E03-001');
    expect((await api.submit(SHOP, 'authori', id, [{ ...item(N1), orderNumber: null }])).errorCode).toBe('RCCS_E03-001');
    expect((await status(id)).status).toBe(0);
    expect((await api.submit(SHOP, 'authori', id, four.slice(0, 3))).errorCode).toBe('RCCS_N00-000');
  });

  it('enforces the ids-per-query limit of getRCCSResult', async () => {
    const { api } = await setup({ limits: { maxIdsPerResultQuery: 2 } });
    expect(await api.getResult(SHOP, [1, 2, 3])).toEqual({ errorCode: 'RCCS_E03-001', message: 'パラメータエラー' });
    expect((await api.getResult(SHOP, [])).errorCode).toBe('RCCS_E03-001');
    expect((await api.getResult(SHOP, [1, 1])).statuses).toHaveLength(1);
  });

  it('reports W00 for requests with failed items when configured (N00 by default, as observed)', async () => {
    for (const warn of [false, true]) {
      const { api, newId, status, tick } = await setup({ settings: { warnOnItemErrors: warn, processingDelayMs: 0 } });
      const id = await newId();
      await api.submit(SHOP, 'authori', id, [item(N1, 0)]);
      tick(1);
      expect((await status(id)).errorCode).toBe(warn ? 'RCCS_W00-000' : 'RCCS_N00-000');
    }
  });

  it('keeps stuck requests in progress until released', async () => {
    const { rt, api, newId, status, tick } = await setup();
    const id = await newId();
    await api.submit(SHOP, 'authori', id, [item(N1)], { status: 2 });
    tick(10 ** 9);
    expect(await status(id)).toMatchObject({ status: 2, results: [] });
    await rt.store.completeRequest(id, rt.clock.now());
    expect((await status(id)).status).toBe(3);
  });

  it('searches results by JST day window and filters, refusing bad windows', async () => {
    const { api, newId, tick } = await setup({ settings: { processingDelayMs: 0 } });
    const id = await newId();
    await api.submit(SHOP, 'authori', id, [item(N1), item(N2, 0)]);
    tick(1);
    const all = await api.getResultAll(SHOP, search());
    expect(all.results?.map((r) => [r.orderNumber, r.cardState])).toEqual([
      [N1, 'authorized'],
      [N2, 'unauthorized'],
    ]);
    expect((await api.getResultAll(SHOP, search({ cardStatus: 12 }))).results?.map((r) => r.orderNumber)).toEqual([N1]);
    expect((await api.getResultAll(SHOP, search({ cardStatus: 99 }))).results).toEqual([]);
    expect((await api.getResultAll(SHOP, search({ orderNumber: N2 }))).results).toHaveLength(1);
    expect((await api.getResultAll(SHOP, search({ fromDate: '2024-01-06', toDate: '2024-01-06' }))).results).toHaveLength(2);
    expect((await api.getResultAll(SHOP, search({ fromDate: '2024-01-07', toDate: '2024-01-07' }))).results).toHaveLength(0);
    for (const bad of [search({ fromDate: null }), search({ toDate: 'soon' }), search({ fromDate: '2024-01-31', toDate: '2024-01-01' }), search({ toDate: '2024-03-05' }), null]) {
      expect((await api.getResultAll(SHOP, bad)).errorCode).toBe('RCCS_E03-001');
    }
    expect((await api.getResultAll(SHOP, search({ fromDate: '2024-01-01', toDate: '2024-03-04' }))).errorCode).toBe('RCCS_N00-000');
  });
});

describe('SimulatorRuntime.withinRateLimit', () => {
  it('allows rateLimitPerSecond requests per shop per second when set, and everything by default', async () => {
    const { rt } = await setup();
    expect(Array.from({ length: 50 }, () => rt.withinRateLimit('a', 1000)).every(Boolean)).toBe(true);
    rt.settings = { ...rt.settings, rateLimitPerSecond: 2 };
    expect([1000, 1100, 1999, 1999].map((t) => rt.withinRateLimit('b', t))).toEqual([true, true, false, false]);
    expect(rt.withinRateLimit('c', 1999)).toBe(true);
    expect(rt.withinRateLimit('b', 2000)).toBe(true);
  });
});

describe('SimulatorRuntime.authenticate', () => {
  it('accepts the configured triple and, when enabled, an ESA key', async () => {
    const { rt } = await setup({ shops: [{ ...SHOP, serviceSecret: 'SP1', licenseKey: 'LK1' }] });
    const esa = `ESA ${Buffer.from('SP1:LK1').toString('base64')}`;
    expect(rt.authenticate(SHOP)?.shopUrl).toBe('demo-shop');
    expect(rt.authenticate({ ...SHOP, authKey: 'wrong' })).toBeUndefined();
    expect(rt.authenticate({ ...SHOP, userName: 'someone' })).toBeUndefined();
    expect(rt.authenticate({ ...SHOP, shopUrl: 'nope' })).toBeUndefined();
    expect(rt.authenticate({ ...SHOP, authKey: null })).toBeUndefined();
    expect(rt.authenticate(null)).toBeUndefined();
    expect(rt.authenticate({ ...SHOP, authKey: esa, userName: 'ignored' })?.shopUrl).toBe('demo-shop');
    rt.settings = { ...rt.settings, acceptEsa: false };
    expect(rt.authenticate({ ...SHOP, authKey: esa })).toBeUndefined();
  });
});
