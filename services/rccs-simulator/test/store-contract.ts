import { provisionOrder } from '../src/domain/fake-card';
import type { OrderRecord, ResultRecord } from '../src/domain/types';
import { FIRST_REQUEST_ID, type SimulatorStore, type SubmitCommand } from '../src/store/store.port';

/**
 * Behaviour every SimulatorStore driver must have; run against the memory driver (unit tier) and
 * PostgreSQL (integration tier).
 */
export function storeContract(name: string, create: () => Promise<SimulatorStore>, dispose: (s: SimulatorStore) => Promise<void> = (s) => s.close()) {
  describe(`SimulatorStore contract: ${name}`, () => {
    let store: SimulatorStore;
    const T0 = new Date('2024-01-06T00:00:00.000Z');
    const at = (ms: number) => new Date(T0.getTime() + ms);
    const N = (i: number) => `123456-20240105-${String(i).padStart(8, '0')}`;

    beforeEach(async () => {
      store = await create();
      await store.reset();
    });
    afterEach(() => dispose(store));

    function result(o: OrderRecord, requestId: number, seq: number, extra: Partial<ResultRecord> = {}): ResultRecord {
      return {
        requestId,
        seq,
        shopUrl: o.shopUrl,
        op: 'authori',
        orderNumber: o.orderNumber,
        helpItem: '',
        payType: 0,
        price: 100 + seq,
        brandName: o.brandName,
        cardNo: o.cardNo,
        ownerName: o.ownerName,
        expYM: o.expYM,
        companyName: o.companyName,
        cardImstCount: 0,
        cardState: 'authorized',
        stateBefore: o.cardState,
        approvalNumber: '1234567',
        transactionId: '1'.repeat(32),
        errorCode: 'RCCS_N00-000',
        ccsErrorCode: '000000',
        ccsErrorCodeDetail: null,
        message: '正常終了',
        createdAt: T0,
        regAt: at(1000),
        ...extra,
      };
    }

    /** A submit that authorises every order it sees (and provisions the missing ones). */
    function authorizeAll(shopUrl: string, requestId: number, numbers: string[], extra: Partial<SubmitCommand> = {}): SubmitCommand {
      const completeAt = extra.completeAt !== undefined ? extra.completeAt : at(1000);
      return {
        shopUrl,
        requestId,
        op: 'authori',
        now: T0,
        issuedAfter: at(-86_400_000),
        itemCount: numbers.length,
        acceptedUntil: at(500),
        completeAt: at(1000),
        orderNumbers: numbers,
        provision: (missing) => missing.map((n) => provisionOrder(n, shopUrl, T0)),
        decide: (orders) => {
          const results = numbers.flatMap((n, seq) => (orders.has(n) ? [result(orders.get(n)!, requestId, seq, { regAt: completeAt })] : []));
          const changed = [...orders.values()].map((o) => ({ ...o, cardState: 'authorized' as const, pending: { requestId, op: 'authori' as const, until: completeAt } }));
          return { results, changed };
        },
        ...extra,
      };
    }

    it('issues increasing positive 32-bit request ids', async () => {
      const a = await store.issueRequestId('shop', T0);
      const b = await store.issueRequestId('shop', T0);
      expect(a).toBeGreaterThanOrEqual(FIRST_REQUEST_ID);
      expect(b).toBeGreaterThan(a);
      expect(b).toBeLessThanOrEqual(2 ** 31 - 1);
      const [{ request: r, results }] = await store.getRequests([a]);
      expect(results).toEqual([]);
      expect(r).toMatchObject({ requestId: a, shopUrl: 'shop', usedAt: null, op: null, itemCount: 0 });
      expect(r.issuedAt.toISOString()).toBe(T0.toISOString());
    });

    it('uses a request id once, for its own shop, while it is fresh', async () => {
      const id = await store.issueRequestId('shop', T0);
      expect(await store.submit(authorizeAll('other', id, [N(1)]))).toEqual({ ok: false, reason: 'foreign' });
      expect(await store.submit(authorizeAll('shop', id, [N(1)], { issuedAfter: T0 }))).toEqual({ ok: false, reason: 'expired' });
      expect(await store.submit(authorizeAll('shop', id + 1000, [N(1)]))).toEqual({ ok: false, reason: 'unknown' });
      expect(await store.getOrder(N(1))).toBeUndefined(); // refused submits leave nothing behind
      const first = await store.submit(authorizeAll('shop', id, [N(1)]));
      expect(first.ok).toBe(true);
      expect(await store.submit(authorizeAll('shop', id, [N(1)]))).toEqual({ ok: false, reason: 'used' });
      const [{ request: r }] = await store.getRequests([id]);
      expect(r).toMatchObject({ op: 'authori', itemCount: 1, stuck: false });
      expect([r.usedAt?.toISOString(), r.acceptedUntil?.toISOString(), r.completeAt?.toISOString()]).toEqual([
        T0.toISOString(),
        at(500).toISOString(),
        at(1000).toISOString(),
      ]);
    });

    it('provisions only missing orders, then records changed orders and results in item order', async () => {
      await store.upsertOrders([{ ...provisionOrder(N(2), 'shop', T0, false), creditLimit: 5000 }]);
      const asked: string[][] = [];
      const id = await store.issueRequestId('shop', T0);
      const cmd = authorizeAll('shop', id, [N(3), N(2), N(1)]);
      const outcome = await store.submit({
        ...cmd,
        provision: (missing) => {
          asked.push([...missing].sort());
          return cmd.provision!(missing);
        },
      });
      expect(asked).toEqual([[N(1), N(3)]]);
      expect(outcome.ok && outcome.results.map((r) => r.orderNumber)).toEqual([N(3), N(2), N(1)]);
      const fresh = await store.issueRequestId('shop', T0);
      const both = await store.getRequests([fresh, id, id + 100_000, fresh]); // the order asked, unknown ids left out, once each
      expect(both.map((x) => [x.request.requestId, x.results.length])).toEqual([
        [fresh, 0],
        [id, 3],
      ]);
      const stored = both[1]!.results;
      expect(stored.map((r) => [r.seq, r.orderNumber, r.price])).toEqual([
        [0, N(3), 100],
        [1, N(2), 101],
        [2, N(1), 102],
      ]);
      expect(stored[0]).toEqual(result((await store.getOrder(N(3)))!, id, 0, { stateBefore: 'unauthorized' }));
      const o2 = await store.getOrder(N(2));
      expect(o2).toMatchObject({ cardState: 'authorized', creditLimit: 5000, autoProvisioned: false, pending: { requestId: id, op: 'authori' } });
      expect(o2?.pending?.until?.toISOString()).toBe(at(1000).toISOString());
      expect((await store.getOrder(N(1)))?.autoProvisioned).toBe(true);
    });

    it('round-trips every order field', async () => {
      const o: OrderRecord = {
        ...provisionOrder(N(9), 'shop', T0, false),
        amount: 12_345,
        creditLimit: 10_000_000_000,
        forcedDecline: { code: 'G12', message: 'x"y' },
        rulesExempt: true,
        cardState: 'billingError',
        authorizedAt: at(123),
        authorizedAmount: 12_000,
        approvalNumber: '0815273',
        billedAt: at(456),
        pending: { requestId: 7, op: 'sales', until: null },
        payType: 2,
        cardImstCount: 3,
      };
      await store.upsertOrders([o]);
      expect(await store.getOrder(N(9))).toEqual(o);
      await store.upsertOrders([{ ...o, pending: null, forcedDecline: null }]);
      expect(await store.getOrder(N(9))).toMatchObject({ pending: null, forcedDecline: null });
      expect((await store.listOrders({ shopUrl: 'shop', limit: 10, offset: 0 })).map((x) => x.orderNumber)).toEqual([N(9)]);
      expect(await store.listOrders({ cardState: 'authorized', limit: 10, offset: 0 })).toEqual([]);
      expect(await store.deleteOrder(N(9))).toBe(true);
      expect(await store.deleteOrder(N(9))).toBe(false);
    });

    it('completes a stuck request on demand', async () => {
      const id = await store.issueRequestId('shop', T0);
      await store.submit(authorizeAll('shop', id, [N(1)], { completeAt: null }));
      const [{ request: before }] = await store.getRequests([id]);
      expect([before.completeAt, before.stuck]).toEqual([null, true]);
      expect(await store.completeRequest(id, at(5000))).toBe(true);
      const [{ request: after, results }] = await store.getRequests([id]);
      expect([after.completeAt?.toISOString(), after.stuck]).toEqual([at(5000).toISOString(), false]);
      expect(results[0]!.regAt?.toISOString()).toBe(at(5000).toISOString());
      expect((await store.getOrder(N(1)))?.pending?.until?.toISOString()).toBe(at(5000).toISOString());
      expect(await store.completeRequest(await store.issueRequestId('shop', T0), T0)).toBe(false);
    });

    it('searches visible results by window and criteria, latest per order or all rows', async () => {
      const id1 = await store.issueRequestId('shop', T0);
      await store.submit(authorizeAll('shop', id1, [N(2), N(1)]));
      const id2 = await store.issueRequestId('shop', T0);
      await store.submit({
        ...authorizeAll('shop', id2, [N(1)], { completeAt: at(2000) }),
        decide: (orders) => ({
          results: [result(orders.get(N(1))!, id2, 0, { op: 'sales', cardState: 'billed', regAt: at(2000), helpItem: 'h' })],
          changed: [],
        }),
      });
      const idLater = await store.issueRequestId('shop', T0);
      await store.submit(authorizeAll('shop', idLater, [N(3)], { completeAt: at(10 ** 9) }));
      const q = { shopUrl: 'shop', from: at(-1000), until: at(10_000), now: at(5000), latestPerOrder: true, limit: 100 };
      const latest = await store.searchResults(q);
      expect(latest.map((r) => [r.orderNumber, r.cardState])).toEqual([
        [N(1), 'billed'],
        [N(2), 'authorized'],
      ]);
      const all = await store.searchResults({ ...q, latestPerOrder: false });
      expect(all.map((r) => [r.orderNumber, r.op])).toEqual([
        [N(1), 'authori'],
        [N(1), 'sales'],
        [N(2), 'authori'],
      ]);
      expect((await store.searchResults({ ...q, cardState: 'authorized' })).map((r) => r.orderNumber)).toEqual([N(2)]);
      expect((await store.searchResults({ ...q, latestPerOrder: false, helpItem: 'h' })).map((r) => r.requestId)).toEqual([id2]);
      expect((await store.searchResults({ ...q, orderNumber: N(2) })).map((r) => r.orderNumber)).toEqual([N(2)]);
      expect(await store.searchResults({ ...q, brandName: 'NOPE' })).toEqual([]);
      expect(await store.searchResults({ ...q, now: at(1500) })).toHaveLength(2);
      expect(await store.searchResults({ ...q, now: at(999) })).toEqual([]);
      expect(await store.searchResults({ ...q, until: at(1000) })).toEqual([]);
      expect(await store.searchResults({ ...q, shopUrl: 'other' })).toEqual([]);
      expect(await store.searchResults({ ...q, latestPerOrder: false, limit: 1 })).toHaveLength(1);
    });

    it('reads the ledger with filters, in the order operations were applied', async () => {
      const id1 = await store.issueRequestId('shop', T0);
      await store.submit(authorizeAll('shop', id1, [N(2), N(1)]));
      const id2 = await store.issueRequestId('other', T0);
      await store.submit({ ...authorizeAll('other', id2, [N(5)]), now: at(60_000) });
      const page = { limit: 100, offset: 0 };
      expect((await store.ledger(page)).map((r) => [r.requestId, r.orderNumber])).toEqual([
        [id1, N(2)],
        [id1, N(1)],
        [id2, N(5)],
      ]);
      expect((await store.ledger({ ...page, orderNumber: N(1) })).map((r) => r.requestId)).toEqual([id1]);
      expect((await store.ledger({ ...page, requestId: id2 })).map((r) => r.orderNumber)).toEqual([N(5)]);
      expect((await store.ledger({ ...page, shopUrl: 'other', op: 'authori', errorCode: 'RCCS_N00-000' }))).toHaveLength(1);
      expect(await store.ledger({ ...page, op: 'sales' })).toEqual([]);
      expect((await store.ledger({ ...page, limit: 1, offset: 1 })).map((r) => r.orderNumber)).toEqual([N(1)]);
    });

    it('keeps shops and settings, and reset forgets state but not shops or the id sequence', async () => {
      await store.upsertShop({ shopUrl: 'b', userName: 'u', authKey: 'k' });
      await store.upsertShop({ shopUrl: 'a', userName: 'u', authKey: 'k', serviceSecret: 's', licenseKey: 'l' });
      await store.upsertShop({ shopUrl: 'b', userName: 'u2', authKey: 'k2' });
      expect(await store.listShops()).toEqual([
        { shopUrl: 'a', userName: 'u', authKey: 'k', serviceSecret: 's', licenseKey: 'l' },
        { shopUrl: 'b', userName: 'u2', authKey: 'k2' },
      ]);
      await store.setSetting('clock', { offsetMs: 5, frozenAt: null });
      expect(await store.getSetting('clock')).toEqual({ offsetMs: 5, frozenAt: null });
      const id = await store.issueRequestId('a', T0);
      await store.reset();
      expect(await store.getSetting('clock')).toBeUndefined();
      expect(await store.getRequests([id])).toEqual([]);
      expect(await store.issueRequestId('a', T0)).toBeGreaterThan(id);
      expect((await store.listShops()).length).toBe(2);
      expect(await store.deleteShop('b')).toBe(true);
      expect(await store.deleteShop('b')).toBe(false);
    });
  });
}
