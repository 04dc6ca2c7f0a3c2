import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { AuthCompleted, CardStatusReported, createEnvelope, type EventEnvelope, type PaymentResultV1 } from '@rcp/contracts';
import { createTestDatabase, type TestDatabase } from '@rcp/testing';
import { orderDataSourceOptions } from '../database/data-source';
import { ManualClock } from '../common/clock';
import { ShopSettingsService } from '../shops/shop-settings.service';
import type { EventOutbox } from '../events/outbox.port';
import { OrderEntity } from '../database/entities/order.entity';
import { ApiLogEntity } from '../database/entities/history.entities';
import { OrderStore, WriteBatch } from './order-store';
import { buildWriteStatements } from './write-statements';
import { ApplyPaymentResult } from './usecases/apply-payment-result';
import { CreateOrder, OrderAlreadyExistsError } from './usecases/create-order';

/* The one-statement writes and the lock with settings against the real PostgreSQL: what the SQL does, not its text. */

const T0 = new Date('2026-01-01T00:00:00.000Z');
const num = (i: number) => `654321-20260101-${String(i).padStart(8, '0')}`;

let db: TestDatabase;
let ds: DataSource;
const statements: string[] = [];
const envelopes: EventEnvelope[] = [];
// events are collected here; their rows in the write statement are a no-op CTE (the real outbox insert is tested in @rcp/messaging)
const fakeInsert = (list: EventEnvelope[]) =>
  list.length === 0
    ? undefined
    : { rows: list.length, parameters: 0, sql: (_param: unknown, onlyIf?: unknown) => `SELECT 1${onlyIf ? ` WHERE EXISTS (SELECT 1 FROM ${String(onlyIf)})` : ''}`, written: () => void envelopes.push(...list) };
const outbox: EventOutbox = {
  add: async (_m, list) => void envelopes.push(...list),
  prepareInsert: (_m, list) => fakeInsert(list),
  prepareStatementInsert: (_ds, list) => fakeInsert(list),
};
const clock = new ManualClock(new Date(T0.getTime() + 3_600_000));
let store: OrderStore;
let shop: string;

beforeAll(async () => {
  db = await createTestDatabase('rcp_order_store');
  ds = new DataSource({
    ...orderDataSourceOptions(db.url),
    logger: {
      logQuery: (q: string) => void statements.push(q),
      logQueryError: () => undefined,
      logQuerySlow: () => undefined,
      logSchemaBuild: () => undefined,
      logMigration: () => undefined,
      log: () => undefined,
    },
  } as never);
  await ds.initialize();
  await ds.runMigrations();
  const env = {
    DEFAULT_USE_CARD_API: true,
    DEFAULT_AUTO_PROGRESS: true,
    DEFAULT_AUTO_CAPTURE: false,
    DEFAULT_AUTO_REAUTHORIZE: false,
    DEFAULT_AUTO_AUTHORIZE: false,
    DEFAULT_CAPTURE_REQUIRES_SHIPMENT: true,
    DEFAULT_AUTH_VALIDITY_DAYS: 60,
    DEFAULT_EXPIRY_WARNING_LEAD_DAYS: [7],
    DEFAULT_STUCK_AFTER_MINUTES: 60,
  };
  store = new OrderStore(outbox, clock, new ShopSettingsService(ds, env as never, clock, {} as never, {} as never, {} as never));
});

afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

const randomIds = async (n: number) => Array.from({ length: n }, () => randomUUID());

let shopCounter = 0;
beforeEach(async () => {
  shop = `shop-${++shopCounter}`;
  store.maxParameters = 65535;
  await ds.query(
    `INSERT INTO shop_settings (shop_id, use_card_api, auto_progress, auto_capture, auto_reauthorize, auto_authorize, capture_requires_shipment,
       auth_validity_days, expiry_warning_lead_days, stuck_after_minutes, updated_at)
     VALUES ($1, true, true, false, false, true, true, 60, '[7]', 60, now())`,
    [shop],
  );
  envelopes.length = 0;
});

/** Runs `fn` in a transaction and returns the statements it sent (START … COMMIT). */
async function tx<T>(fn: (m: EntityManager) => Promise<T>): Promise<{ out: T; sent: string[] }> {
  statements.length = 0;
  const out = await ds.transaction(fn);
  return { out, sent: [...statements] };
}

const create = (i: number, over: Record<string, unknown> = {}) => (m: EntityManager) =>
  new CreateOrder(store).execute(
    m,
    shop,
    { orderNumber: num(i), orderedAt: T0, paymentMethod: 'クレジットカード', totalAmount: 1000, billedAmount: 1000, ...over },
    'http',
    'tester',
    {},
  );

const history = (table: string, orderId: string) => ds.query(`SELECT * FROM ${table} WHERE order_id = $1 ORDER BY id`, [orderId]);

describe('OrderStore against PostgreSQL', () => {
  it('creates an order with its history and API log in one statement; the history keeps its order', async () => {
    const { out: order, sent } = await tx(create(1));
    expect(sent).toHaveLength(4); // START, settings, write, COMMIT (the outbox is faked here)
    const [row] = await ds.query(`SELECT * FROM orders WHERE id = $1`, [order.id]);
    expect(row).toMatchObject({ order_number: num(1), payment_tag: 'オーソリ中', pending_operation: 'auth', plan: [], source: 'http' });
    expect(order.createdAt).toEqual(row.created_at);
    expect(order.updatedAt).toEqual(row.updated_at);
    expect((await history('payment_tag_history', order.id)).map((h: { from_tag: string | null; to_tag: string }) => [h.from_tag, h.to_tag])).toEqual([
      [null, '未オーソリ'],
      ['未オーソリ', 'オーソリ中'],
    ]);
    expect(await history('order_status_history', order.id)).toMatchObject([{ from_status: null, to_status: '未確認', cause: 'order created (http)' }]);
    expect(await history('api_log', order.id)).toMatchObject([
      { direction: 'request', event_type: 'AuthRequested', operation_id: order.pendingOperationId, amount: 1000, applied: true, rccs_request_id: null, details: { requestedBy: 'system:auto-authorize' } },
    ]);
  });

  it('outside a transaction (HTTP create): reads the settings, then writes order, history and events with ONE statement that commits on its own', async () => {
    statements.length = 0;
    const order = await create(11)(ds.manager);
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(/FROM "shop_settings"/);
    expect(statements[1]).toMatch(/^WITH "o0" AS \(INSERT INTO "orders"/);
    expect(envelopes.map((e) => e.type)).toEqual(['PaymentTagChanged', 'PaymentTagChanged', 'OrderStatusChanged', 'AuthRequested', 'OrderReceived']);
    const [row] = await ds.query(`SELECT payment_tag FROM orders WHERE id = $1`, [order.id]);
    expect(row).toEqual({ payment_tag: 'オーソリ中' });
    expect(await history('api_log', order.id)).toHaveLength(1);
    // the order exists now: a second create writes nothing and says so
    statements.length = 0;
    envelopes.length = 0;
    await expect(create(11)(ds.manager)).rejects.toBeInstanceOf(OrderAlreadyExistsError);
    expect(envelopes).toEqual([]);
    expect(await history('api_log', order.id)).toHaveLength(1);
  });

  it('outside a transaction, a write that needs several statements (parameter limit) gets a transaction of its own', async () => {
    store.maxParameters = 40;
    statements.length = 0;
    const order = await create(12)(ds.manager);
    expect(statements[1]).toBe('START TRANSACTION');
    expect(statements[statements.length - 1]).toBe('COMMIT');
    expect(statements.length).toBeGreaterThan(4);
    expect(await history('payment_tag_history', order.id)).toHaveLength(2);
    expect(await history('api_log', order.id)).toHaveLength(1);
  });

  it('an existing order: nothing written, OrderAlreadyExistsError, and the transaction stays usable (no savepoint)', async () => {
    const { out: first } = await tx(create(2));
    const counts = () => ds.query(`SELECT (SELECT count(*) FROM orders)::int o, (SELECT count(*) FROM payment_tag_history)::int t, (SELECT count(*) FROM api_log)::int a`);
    const before = await counts();
    const { out: caught } = await tx(async (m) => {
      const err = await create(2)(m).catch((e: unknown) => e);
      await m.query('SELECT 1'); // would fail after an SQL error ("current transaction is aborted")
      return err;
    });
    expect(caught).toBeInstanceOf(OrderAlreadyExistsError);
    expect(await counts()).toEqual(before);
    // a deleted order does not count
    await ds.query(`UPDATE orders SET deleted_at = now() WHERE id = $1`, [first.id]);
    const { out: again } = await tx(create(2));
    expect(again.id).not.toBe(first.id);
  });

  it('locks the order only, reads the settings in the same statement, and sees settings changes at once', async () => {
    await tx(create(3));
    const other = new Client({ connectionString: db.url });
    await other.connect();
    try {
      const { sent } = await tx(async (m) => {
        const order = (await store.lock(m, shop, num(3)))!;
        const wf = await store.workflow(m, order);
        expect((wf as unknown as { settings: { autoAuthorize: boolean } }).settings.autoAuthorize).toBe(true);
        await expect(other.query(`SELECT 1 FROM orders WHERE id = $1 FOR UPDATE NOWAIT`, [order.id])).rejects.toMatchObject({ code: '55P03' });
        await other.query(`SELECT 1 FROM shop_settings WHERE shop_id = $1 FOR UPDATE NOWAIT`, [shop]); // not locked
      });
      expect(sent).toHaveLength(3); // START, lock (+ settings), COMMIT
      await ds.query(`UPDATE shop_settings SET auto_authorize = false WHERE shop_id = $1`, [shop]);
      await tx(async (m) => {
        const wf = await store.workflow(m, (await store.lockMany(m, shop, [num(3)])).get(num(3))!);
        expect((wf as unknown as { settings: { autoAuthorize: boolean } }).settings.autoAuthorize).toBe(false);
      });
    } finally {
      await other.end();
    }
  });

  it('applies a result with one write statement: changed columns, history, API log', async () => {
    const { out: created } = await tx(create(4));
    clock.advance(1000);
    const envelope = createEnvelope(
      AuthCompleted,
      { operationId: created.pendingOperationId!, orderNumber: num(4), operation: 'auth', rccsRequestId: 7, cardStatus: 12, amount: 1000, processedAt: T0.toISOString() } as never,
      { shopId: shop },
    ) as EventEnvelope<PaymentResultV1>;
    const { sent } = await tx((m) => new ApplyPaymentResult(store).result(m, envelope));
    expect(sent).toHaveLength(4); // START, lock, write, COMMIT
    expect(sent[2]).toMatch(/^WITH "o0" AS \(UPDATE "orders"/);
    const [row] = await ds.query(`SELECT * FROM orders WHERE order_number = $1`, [num(4)]);
    expect(row).toMatchObject({ payment_tag: 'オーソリ済', status: '出荷待ち', authorized_amount: 1000, pending_operation_id: null, auth_operation_id: created.pendingOperationId });
    expect(row.updated_at.getTime()).toBeGreaterThan(row.created_at.getTime());
    expect((await history('api_log', created.id)).map((a: { direction: string; event_type: string; rccs_request_id: number | null }) => [a.direction, a.event_type, a.rccs_request_id])).toEqual([
      ['request', 'AuthRequested', null],
      ['result', 'AuthCompleted', 7],
    ]);
    expect((await history('order_status_history', created.id)).map((h: { to_status: string }) => h.to_status)).toEqual(['未確認', '出荷待ち']);
  });

  it('locks the orders of a group of events ahead with ONE statement; each event then takes its order without a lock statement', async () => {
    const { out: a } = await tx(create(21));
    const { out: b } = await tx(create(22));
    clock.advance(1000);
    const result = (created: OrderEntity, i: number) =>
      createEnvelope(
        AuthCompleted,
        { operationId: created.pendingOperationId!, orderNumber: num(i), operation: 'auth', rccsRequestId: 70 + i, cardStatus: 12, amount: 1000, processedAt: T0.toISOString() } as never,
        { shopId: shop },
      ) as EventEnvelope<PaymentResultV1>;
    const other = new Client({ connectionString: db.url });
    await other.connect();
    try {
      const { sent } = await tx(async (m) => {
        await store.lockAhead(m, [
          { shopId: shop, orderNumber: num(22) },
          { shopId: shop, orderNumber: num(21) },
          { shopId: shop, orderNumber: num(99) }, // no such order: its event reads as usual
        ]);
        // both rows are locked from here on
        for (const id of [a.id, b.id]) await expect(other.query(`SELECT 1 FROM orders WHERE id = $1 FOR UPDATE NOWAIT`, [id])).rejects.toMatchObject({ code: '55P03' });
        await new ApplyPaymentResult(store).result(m, result(a, 21));
        await new ApplyPaymentResult(store).result(m, result(b, 22));
      });
      // START, the lock of both, one write each, COMMIT — no lock statement per event
      expect(sent).toHaveLength(5);
      expect(sent[1]).toMatch(/unnest/);
      expect(sent.slice(2, 4).every((q) => /^WITH "o0" AS \(UPDATE "orders"/.test(q))).toBe(true);
      const rows = await ds.query(`SELECT order_number, payment_tag FROM orders WHERE id = ANY($1::uuid[]) ORDER BY order_number`, [[a.id, b.id]]);
      expect(rows).toEqual([
        { order_number: num(21), payment_tag: 'オーソリ済' },
        { order_number: num(22), payment_tag: 'オーソリ済' },
      ]);
    } finally {
      await other.end();
    }
  });

  it('an order locked ahead is taken once: a second lock, or a lock after a write of it, reads the row anew', async () => {
    await tx(create(23));
    await tx(create(24));
    const { sent } = await tx(async (m) => {
      await store.lockAhead(m, [
        { shopId: shop, orderNumber: num(23) },
        { shopId: shop, orderNumber: num(24) },
      ]);
      const first = (await store.lock(m, shop, num(23)))!;
      const again = (await store.lock(m, shop, num(23)))!;
      expect(again).not.toBe(first);
      expect(again.id).toBe(first.id);
      // a write of order 24 through another path (here a bulk lock + save) drops what was locked ahead for it
      const bulk = (await store.lockMany(m, shop, [num(24)])).get(num(24))!;
      bulk.pointsUsed = 77;
      await store.save(m, bulk, await store.workflow(m, bulk), {});
      const after = (await store.lock(m, shop, num(24)))!;
      expect(after.pointsUsed).toBe(77);
    });
    // START, lock ahead, lock 23 again, lockMany 24, write 24, lock 24 anew, COMMIT
    expect(sent).toHaveLength(7);
  });

  it('what one transaction locked ahead and did not take never serves another transaction', async () => {
    await tx(create(27));
    await tx(create(28));
    await tx(async (m) => {
      await store.lockAhead(m, [
        { shopId: shop, orderNumber: num(27) },
        { shopId: shop, orderNumber: num(28) },
      ]);
      await store.lock(m, shop, num(27)); // 28 is left untaken
    });
    await ds.query(`UPDATE orders SET points_used = 5 WHERE shop_id = $1 AND order_number = $2`, [shop, num(28)]);
    const { out, sent } = await tx((m) => store.lock(m, shop, num(28)));
    expect(sent).toHaveLength(3); // START, lock, COMMIT: read and locked anew
    expect(out!.pointsUsed).toBe(5);
  });

  it('locks ahead with an inbox claim in the same statement: new messages returned, orders locked, rows as a lock reads them', async () => {
    const { out: a } = await tx(create(31));
    const [seen, fresh] = await randomIds(2);
    await ds.query(`INSERT INTO inbox_message (consumer, message_id) VALUES ('order-service', $1)`, [seen]);
    const claim = {
      sql: 'INSERT INTO inbox_message (consumer, message_id) SELECT * FROM unnest($1::text[], $2::uuid[]) ON CONFLICT DO NOTHING RETURNING consumer, message_id',
      params: [['order-service', 'order-service'], [seen!, fresh!]] as [string[], string[]],
    };
    const other = new Client({ connectionString: db.url });
    await other.connect();
    try {
      const { out, sent } = await tx(async (m) => {
        const claimed = await store.lockAhead(m, [{ shopId: shop, orderNumber: num(31) }], claim);
        await expect(other.query(`SELECT 1 FROM orders WHERE id = $1 FOR UPDATE NOWAIT`, [a.id])).rejects.toMatchObject({ code: '55P03' });
        return { claimed, taken: await store.lock(m, shop, num(31)) };
      });
      expect(sent).toHaveLength(3); // START, claim + lock, COMMIT: the lock takes the row locked ahead
      expect(sent[1]).toMatch(/^WITH inbox_claim AS \(INSERT INTO inbox_message/);
      expect(out.claimed).toEqual([{ consumer: 'order-service', message_id: fresh }]); // the one seen before is not new
      const { out: read } = await tx((m) => store.lock(m, shop, num(31)));
      expect(out.taken).toEqual(read);
      expect(out.taken).toBeInstanceOf(OrderEntity);
      expect(await ds.query(`SELECT 1 FROM inbox_message WHERE message_id = $1`, [fresh])).toHaveLength(1);
    } finally {
      await other.end();
    }
  });

  it('a claim with no order to lock still claims (one row back, nothing locked ahead)', async () => {
    const ids = await randomIds(2);
    const claim = {
      sql: 'INSERT INTO inbox_message (consumer, message_id) SELECT * FROM unnest($1::text[], $2::uuid[]) ON CONFLICT DO NOTHING RETURNING consumer, message_id',
      params: [['order-service', 'order-service'], ids] as [string[], string[]],
    };
    const { out } = await tx((m) => store.lockAhead(m, [{ shopId: shop, orderNumber: num(98) }], claim));
    expect(out?.map((r) => r.message_id).sort()).toEqual([...ids].sort());
    const { out: again } = await tx((m) => store.lockAhead(m, [{ shopId: shop, orderNumber: num(98) }], claim));
    expect(again).toEqual([]);
  });

  it('lockAhead without a claim, of fewer than two orders or outside a transaction, sends nothing', async () => {
    await tx(create(25));
    const { sent } = await tx(async (m) => store.lockAhead(m, [{ shopId: shop, orderNumber: num(25) }, { shopId: shop, orderNumber: num(25) }]));
    expect(sent).toHaveLength(2); // START, COMMIT
    statements.length = 0;
    await store.lockAhead(ds.manager, [{ shopId: shop, orderNumber: num(25) }, { shopId: shop, orderNumber: num(26) }]);
    expect(statements).toEqual([]);
  });

  it('refuses to lock outside a transaction (FOR UPDATE there would hold nothing past the statement)', async () => {
    await tx(create(29));
    statements.length = 0;
    await expect(store.lock(ds.manager, shop, num(29))).rejects.toThrow(/only inside a transaction/);
    await expect(store.lockMany(ds.manager, shop, [num(29)])).rejects.toThrow(/only inside a transaction/);
    expect(statements).toEqual([]);
  });

  it('stores the card status (jsonb) with its API log row', async () => {
    await tx(create(5));
    const report = { operationId: randomUUID(), orderNumber: num(5), found: true, cardStatus: 12, amount: 1000, brandName: 'VISA', cardNo: '****-****-****-1234', checkedAt: T0.toISOString() };
    const { sent } = await tx((m) => new ApplyPaymentResult(store).cardStatus(m, createEnvelope(CardStatusReported, report as never, { shopId: shop }) as never));
    expect(sent).toHaveLength(4); // START, lock, write, COMMIT
    const [row] = await ds.query(`SELECT card_status FROM orders WHERE order_number = $1`, [num(5)]);
    expect(row.card_status).toMatchObject({ brandName: 'VISA', found: true, checkedAt: T0.toISOString() });
  });

  it('writes a batch of many orders in one statement, or in several within the parameter limit', async () => {
    for (const limit of [65535, 100]) {
      const base = limit === 65535 ? 100 : 200;
      const numbers = Array.from({ length: 30 }, (_, i) => num(base + i));
      await tx(async (m) => {
        for (const n of numbers) await create(Number(n.slice(-8)), {})(m);
      });
      store.maxParameters = limit;
      const { sent } = await tx(async (m) => {
        const orders = await store.lockMany(m, shop, numbers);
        const [{ now }] = (await m.query('SELECT now() AS now')) as { now: Date }[];
        const batch = new WriteBatch();
        for (const order of orders.values()) {
          const wf = await store.workflow(m, order);
          wf.applyResult({ operationId: order.pendingOperationId!, operation: 'auth', success: false, amount: null, processedAt: T0, errorCode: 'E', message: 'declined' });
          await store.save(m, order, wf, {}, [], batch);
        }
        await store.flush(m, batch);
        for (const order of orders.values()) expect(order.updatedAt).toEqual(now); // read back from RETURNING
      });
      const writes = sent.filter((s) => s.startsWith('WITH'));
      if (limit === 65535) expect(writes).toHaveLength(1);
      else expect(writes.length).toBeGreaterThan(1);
      const rows = await ds.query(
        `SELECT o.payment_tag, o.last_error, (SELECT count(*)::int FROM payment_tag_history h WHERE h.order_id = o.id) tags
           FROM orders o WHERE o.shop_id = $1 AND o.order_number = ANY($2)`,
        [shop, numbers],
      );
      expect(rows).toHaveLength(30);
      for (const r of rows) expect(r).toMatchObject({ payment_tag: 'オーソリエラー', last_error: { errorCode: 'E', message: 'declined' }, tags: 3 });
    }
  });

  it('rows of an insert with values left out get the column defaults, and none when the insert conflicts', async () => {
    const run = async (orderNumber: string) => {
      const order = Object.assign(new OrderEntity(), {
        id: randomUUID(), shopId: shop, orderNumber, orderedAt: T0, paymentMethod: 'card', totalAmount: 1, billedAmount: 1, status: '未確認', source: 'csv',
      });
      const rows = [
        { orderId: order.id, direction: 'result', eventType: 'X', operation: 'auth', rccsRequestId: 9, applied: false, at: T0 },
        { orderId: order.id, direction: 'request', eventType: 'Y', operation: 'auth', at: T0 },
      ];
      const [st] = buildWriteStatements(ds.driver, { insert: { metadata: ds.getMetadata(OrderEntity), entity: order }, rows: [{ metadata: ds.getMetadata(ApiLogEntity), rows }] });
      return { order, result: (await ds.query(st!.sql, st!.parameters)) as { plan: unknown; created_at: Date }[] };
    };
    const first = await run(num(300));
    expect(first.result).toHaveLength(1);
    expect(first.result[0]).toMatchObject({ plan: [] }); // database default, read back
    expect((await history('api_log', first.order.id)).map((a: { rccs_request_id: number | null; applied: boolean }) => [a.rccs_request_id, a.applied])).toEqual([
      [9, false],
      [null, true],
    ]);
    const dup = await run(num(300));
    expect(dup.result).toEqual([]);
    expect(await history('api_log', dup.order.id)).toEqual([]);
  });
});
