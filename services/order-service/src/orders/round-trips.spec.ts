import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, type ObjectLiteral } from 'typeorm';
import { Broadcaster } from 'typeorm/subscriber/Broadcaster';
import {
  AuthCompleted,
  CaptureCompleted,
  CardStatusReported,
  createEnvelope,
  type EventEnvelope,
  OrderReceived,
  OrderShipped,
  PaymentRequestDeadLettered,
  type PaymentResultV1,
} from '@rcp/contracts';
import { ORDER_ENTITIES } from '../database/data-source';
import { AUTH_ENTITIES } from '@rcp/auth';
import { OrderEntity } from '../database/entities/order.entity';
import { ShopSettingsEntity } from '../database/entities/shop-settings.entity';
import { ManualClock } from '../common/clock';
import { ShopSettingsService } from '../shops/shop-settings.service';
import { OrderEventsController } from '../events/order-events.controller';
import type { EventInbox, EventOutbox } from '../events/outbox.port';
import { OrderStore } from './order-store';
import { OrdersController } from './orders.controller';
import { ApplyPaymentResult } from './usecases/apply-payment-result';
import { CreateOrder, OrderAlreadyExistsError } from './usecases/create-order';
import { MarkOrderShipped } from './usecases/mark-order-shipped';
import { RunPaymentAction } from './usecases/run-payment-action';
import { deliveredBy } from '../test-support/delivery';

/*
 * Round trips per transaction of the hot paths, counted on the SQL TypeORM and the store really produce: a fake
 * QueryRunner records every statement and answers from an in-memory table of orders and shop settings.
 */

const T0 = new Date('2026-01-01T00:00:00.000Z');
const SHOP = 'shop-1';
const num = (i: number) => `123456-20260101-${String(i).padStart(8, '0')}`;

let connection: DataSource;
beforeAll(async () => {
  connection = new DataSource({ type: 'postgres', entities: [...ORDER_ENTITIES, ...AUTH_ENTITIES] });
  await (connection as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
});

/** Orders and settings "in the database", keyed by order number / shop id. */
interface FakeDb {
  orders: Map<string, OrderEntity>;
  settings: Map<string, ShopSettingsEntity>;
}

const settingsRow = (over: Partial<ShopSettingsEntity> = {}): ShopSettingsEntity =>
  Object.assign(new ShopSettingsEntity(), {
    shopId: SHOP,
    useCardApi: true,
    autoProgress: true,
    autoCapture: true,
    autoReauthorize: false,
    autoAuthorize: false,
    captureRequiresShipment: true,
    authValidityDays: 60,
    expiryWarningLeadDays: [7],
    stuckAfterMinutes: 60,
    notificationEmails: [],
    notificationWebhookUrls: [],
    updatedAt: T0,
    ...over,
  });

const orderRow = (i: number, over: Partial<OrderEntity> = {}): OrderEntity =>
  Object.assign(new OrderEntity(), {
    id: randomUUID(),
    shopId: SHOP,
    orderNumber: num(i),
    orderedAt: T0,
    paymentMethod: 'クレジットカード',
    totalAmount: 1000,
    billedAmount: 1000,
    pointsUsed: null,
    couponsUsed: null,
    status: '未確認',
    paymentTag: '未オーソリ',
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
    cardStatus: null,
    source: 'http',
    createdAt: T0,
    updatedAt: T0,
    deletedAt: null,
    ...over,
  } as Partial<OrderEntity>);

const raw = (entity: ObjectLiteral, cls: typeof OrderEntity | typeof ShopSettingsEntity, alias: string) =>
  Object.fromEntries(connection.getMetadata(cls).columns.map((c) => [`${alias}_${c.databaseName}`, entity ? c.getEntityValue(entity) : null]));

/** A QueryRunner in an open transaction that records statements; `log` also gets the fakes' markers. */
class RecordingRunner {
  readonly log: string[] = [];
  readonly statements: { sql: string; parameters: unknown[] }[] = [];
  readonly isTransactionActive = true;
  readonly isReleased = false;
  readonly data = {};
  readonly broadcaster = new Broadcaster(this as never);
  readonly manager: EntityManager;
  readonly updatedAt = new Date('2026-01-02T03:04:05.678Z');

  constructor(
    readonly connection: DataSource,
    private readonly db: FakeDb,
  ) {
    this.manager = new EntityManager(connection, this as never);
  }

  query(sql: string, parameters: unknown[] = [], structured = false): Promise<unknown> {
    this.statements.push({ sql, parameters });
    this.log.push(sql);
    const rows = this.answer(sql, parameters);
    return Promise.resolve(structured ? { records: rows, raw: rows } : rows);
  }

  release(): Promise<void> {
    return Promise.resolve();
  }

  private answer(sql: string, parameters: unknown[]): ObjectLiteral[] {
    if (sql.includes('FOR UPDATE')) {
      // the store's lock statement: (shop, order number) pairs as two arrays, the last two parameters
      const [shops, numbers] = parameters.slice(-2) as [string[], string[]];
      const wanted = new Set(shops.map((shop, i) => `${shop}\u0000${numbers[i]}`));
      return [...this.db.orders.values()]
        .filter((o) => wanted.has(`${o.shopId}\u0000${o.orderNumber}`))
        .sort((a, b) => a.shopId.localeCompare(b.shopId) || a.orderNumber.localeCompare(b.orderNumber))
        .map((o) => ({ ...raw(o, OrderEntity, 'o'), ...raw(this.db.settings.get(o.shopId) as ObjectLiteral, ShopSettingsEntity, 's') }));
    }
    if (sql.startsWith('SELECT "ShopSettingsEntity"')) {
      const row = this.db.settings.get(parameters[0] as string);
      return row ? [raw(row, ShopSettingsEntity, 'ShopSettingsEntity')] : [];
    }
    if (sql.includes('ON CONFLICT DO NOTHING')) {
      const [id, shopId, orderNumber] = parameters as string[]; // id, shop_id, order_number lead the entity's columns
      if (this.db.orders.has(orderNumber!)) return [];
      this.db.orders.set(orderNumber!, orderRow(0, { id, shopId, orderNumber }));
      return [{ id, created_at: this.updatedAt, updated_at: this.updatedAt }];
    }
    const ids = [...sql.matchAll(/UPDATE "orders" .*? WHERE "id" = \$(\d+)/g)].map((m) => parameters[Number(m[1]) - 1]);
    return ids.map((id) => ({ id, updated_at: this.updatedAt }));
  }
}

/** Short names for the statements of a transaction. */
function kinds(log: string[]): string[] {
  return log.map((s) => {
    if (s === 'START TRANSACTION' || s === 'COMMIT') return s.split(' ')[0]!;
    if (s.startsWith('INSERT INTO inbox_message')) return 'inbox';
    if (s.startsWith('outbox')) return 'outbox';
    if (s.includes('FOR UPDATE')) return 'lock';
    if (s.startsWith('SELECT "ShopSettingsEntity"')) return 'settings';
    if (/^(WITH|INSERT INTO "|UPDATE ")/.test(s)) return 'write';
    return s;
  });
}

function system(db: FakeDb = { orders: new Map(), settings: new Map([[SHOP, settingsRow()]]) }) {
  const runner = new RecordingRunner(connection, db);
  const clock = new ManualClock(new Date(T0.getTime() + 3_600_000));
  const envelopes: EventEnvelope[] = [];
  const outbox: EventOutbox = {
    add: async (m, list) => {
      expect(m).toBe(runner.manager);
      runner.log.push(`outbox(${list.length})`);
      envelopes.push(...list);
    },
    // the events' rows go into the caller's write statement: no statement of their own
    prepareInsert: (m, list) => {
      expect(m).toBe(runner.manager);
      if (list.length === 0) return undefined;
      return { rows: list.length, parameters: 1, sql: (param) => `INSERT INTO outbox_message (events) VALUES (${param(list.length)})`, written: () => void envelopes.push(...list) };
    },
    // the same for a write statement run on its own (no transaction)
    prepareStatementInsert: (d, list) => {
      expect(d).toBe(connection);
      if (list.length === 0) return undefined;
      return { rows: list.length, parameters: 1, sql: (param) => `INSERT INTO outbox_message (events) VALUES (${param(list.length)})`, written: () => void envelopes.push(...list) };
    },
  };
  const env = {
    DEFAULT_USE_CARD_API: true,
    DEFAULT_AUTO_PROGRESS: false,
    DEFAULT_AUTO_CAPTURE: false,
    DEFAULT_AUTO_REAUTHORIZE: false,
    DEFAULT_AUTO_AUTHORIZE: false,
    DEFAULT_CAPTURE_REQUIRES_SHIPMENT: true,
    DEFAULT_AUTH_VALIDITY_DAYS: 60,
    DEFAULT_EXPIRY_WARNING_LEAD_DAYS: [7],
    DEFAULT_STUCK_AFTER_MINUTES: 60,
  };
  const settings = new ShopSettingsService({} as never, env as never, clock, {} as never, {} as never, {} as never);
  const store = new OrderStore(outbox, clock, settings);
  const inbox: EventInbox = {
    process: async (_consumer, _e, effect) => {
      runner.log.push('START TRANSACTION', 'INSERT INTO inbox_message');
      await effect(runner.manager);
      runner.log.push('COMMIT');
      return { duplicate: false };
    },
  };
  // statements outside a transaction (autocommit) go to the same log
  const autocommit = new EntityManager(connection, Object.create(runner, { isTransactionActive: { value: false } }) as never);
  const dataSource = {
    manager: autocommit,
    transaction: async <T>(fn: (m: EntityManager) => Promise<T>): Promise<T> => {
      runner.log.push('START TRANSACTION');
      const out = await fn(runner.manager);
      runner.log.push('COMMIT');
      return out;
    },
  } as unknown as DataSource;
  // an HTTP request's audit rows: handed to the write statement, marked recorded once it ran
  const audit = {
    currentRow: (o: { outcome: string; target?: string }) => ({ row: { id: randomUUID(), action: 'test', outcome: o.outcome, target: o.target ?? null }, recorded: () => void runner.log.push('recorded') }),
  } as never;
  const createOrder = new CreateOrder(store);
  const results = new ApplyPaymentResult(store);
  const events = new OrderEventsController(inbox, results, createOrder, new MarkOrderShipped(store));
  const orders = new OrdersController(dataSource, createOrder, new RunPaymentAction(dataSource, store, audit), {} as never, {} as never, {} as never, {} as never, audit);
  const write = () => runner.statements.filter((s) => /^(WITH|INSERT INTO "|UPDATE ")/.test(s.sql));
  return { db, runner, store, events, orders, envelopes, write, log: () => kinds(runner.log) };
}

const result = (contract: typeof AuthCompleted, order: OrderEntity, operation: string, operationId: string): EventEnvelope<PaymentResultV1> =>
  createEnvelope(
    contract,
    {
      operationId,
      orderNumber: order.orderNumber,
      operation,
      rccsRequestId: 101,
      cardStatus: 12,
      errorCode: 'RCCS_N00-000',
      ccsErrorCode: '000000',
      message: null,
      approvalNumber: '0123456',
      transactionId: 'tx-1',
      amount: 1000,
      errorClass: null,
      processedAt: T0.toISOString(),
    } as never,
    { shopId: SHOP },
  );

const put = (db: FakeDb, order: OrderEntity) => (db.orders.set(order.orderNumber, order), order);

describe('round trips per transaction', () => {
  it('AuthCompleted: inbox, lock with settings, one write statement with the outbox rows (was 10 statements, now 5)', async () => {
    const s = system();
    const op = randomUUID();
    const order = put(s.db, orderRow(1, { paymentTag: 'オーソリ中', pendingOperationId: op, pendingOperation: 'auth', pendingSince: T0 }));
    await s.events.authCompleted(result(AuthCompleted, order, 'auth', op));
    expect(s.log()).toEqual(['START', 'inbox', 'lock', 'write', 'COMMIT']);
    const [w] = s.write();
    expect(w!.sql).toMatch(/^WITH "o0" AS \(UPDATE "orders" SET .*"payment_tag" = \$\d+.*"updated_at" = CURRENT_TIMESTAMP WHERE "id" = \$\d+ RETURNING "id", "updated_at"\)/);
    for (const t of ['payment_tag_history', 'order_status_history', 'api_log']) expect(w!.sql).toContain(`INSERT INTO "${t}"`);
    expect(w!.sql).toMatch(/"f\d+" AS \(INSERT INTO outbox_message \(events\) VALUES \(\$\d+\)\) SELECT/);
    expect(w!.parameters).toEqual(expect.arrayContaining(['オーソリ済', '出荷待ち', 'AuthCompleted']));
    expect(s.envelopes.map((e) => e.type)).toEqual(['PaymentTagChanged', 'OrderStatusChanged']);
  });

  it('OrderShipped with auto-capture: 5 statements; the capture request is in the same write statement', async () => {
    const s = system();
    put(s.db, orderRow(2, { status: '出荷待ち', paymentTag: 'オーソリ済', authorizedAmount: 1000, authorizedAt: T0, authExpiresAt: new Date(T0.getTime() + 60 * 86_400_000) }));
    await s.events.orderShipped(createEnvelope(OrderShipped, { orderNumber: num(2), shippedAt: T0.toISOString() } as never, { shopId: SHOP }) as never);
    expect(s.log()).toEqual(['START', 'inbox', 'lock', 'write', 'COMMIT']);
    expect(s.write()[0]!.parameters).toEqual(expect.arrayContaining(['売上請求中', '出荷済', 'CaptureRequested']));
    expect(s.envelopes.map((e) => e.type)).toContain('CaptureRequested');
  });

  it('CaptureCompleted: 5 statements', async () => {
    const s = system();
    const op = randomUUID();
    const order = put(
      s.db,
      orderRow(3, { status: '出荷済', paymentTag: '売上請求中', pendingOperationId: op, pendingOperation: 'capture', pendingSince: T0, authorizedAmount: 1000, authorizedAt: T0 }),
    );
    await s.events.captureCompleted(result(CaptureCompleted, order, 'capture', op));
    expect(s.log()).toEqual(['START', 'inbox', 'lock', 'write', 'COMMIT']);
    expect(s.write()[0]!.parameters).toEqual(expect.arrayContaining(['売上請求済', '完了']));
  });

  it('a late result changes no column: the write statement holds only its API log row', async () => {
    const s = system();
    const order = put(s.db, orderRow(4, { paymentTag: 'オーソリ済' }));
    await s.events.authCompleted(result(AuthCompleted, order, 'auth', randomUUID()));
    expect(s.log()).toEqual(['START', 'inbox', 'lock', 'write', 'COMMIT']);
    expect(s.write()[0]!.sql).toMatch(/^INSERT INTO "api_log" \("order_id", .*\) VALUES \(\$1, /);
  });

  it('CardStatusReported: the API log row and the card status column in one statement', async () => {
    const s = system();
    put(s.db, orderRow(5));
    const report = { operationId: randomUUID(), orderNumber: num(5), found: true, cardStatus: 12, amount: 1000, errorCode: null, ccsErrorCode: null, message: null, brandName: 'VISA', cardNo: '****-****-****-1234', checkedAt: T0.toISOString() };
    await s.events.cardStatus(createEnvelope(CardStatusReported, report as never, { shopId: SHOP }) as never);
    expect(s.log()).toEqual(['START', 'inbox', 'lock', 'write', 'COMMIT']);
    const w = s.write()[0]!;
    expect(w.sql).toMatch(/^WITH "o0" AS \(UPDATE "orders" SET "card_status" = \$1, "updated_at" = CURRENT_TIMESTAMP /);
    expect(w.sql).toContain('INSERT INTO "api_log"');
    expect(JSON.parse(w.parameters[0] as string)).toMatchObject({ brandName: 'VISA', checkedAt: T0.toISOString() }); // jsonb: JSON text
  });

  it('PaymentRequestDeadLettered for several orders: one lock, one write statement', async () => {
    const s = system();
    const ops = [randomUUID(), randomUUID()];
    put(s.db, orderRow(6, { paymentTag: 'オーソリ中', pendingOperationId: ops[0]!, pendingOperation: 'auth', pendingSince: T0 }));
    put(s.db, orderRow(7, { paymentTag: 'オーソリ中', pendingOperationId: ops[1]!, pendingOperation: 'auth', pendingSince: T0 }));
    const data = { operationIds: ops, orderNumbers: [num(7), num(6)], operation: 'auth', reason: 'gave up', attempts: 5, parkedIn: 'parking' };
    await s.events.deadLettered(createEnvelope(PaymentRequestDeadLettered, data as never, { shopId: SHOP }) as never);
    expect(s.log()).toEqual(['START', 'inbox', 'lock', 'write', 'COMMIT']);
    const w = s.write()[0]!;
    expect(w.sql.match(/UPDATE "orders"/g)).toHaveLength(2);
    expect(w.parameters.filter((p) => p === 'オーソリエラー')).toHaveLength(4); // per order: the column and the tag history row
  });

  it('HTTP create: settings, one conditional insert statement with the outbox and audit rows, no transaction (was 10 statements, now 2)', async () => {
    const s = system();
    s.db.settings.set(SHOP, settingsRow({ autoAuthorize: true }));
    const view = await s.orders.create(SHOP, { orderNumber: num(8), orderedAt: T0.toISOString(), paymentMethod: 'クレジットカード', totalAmount: 1000, billedAmount: 1000 } as never, { role: 'admin' } as never);
    expect(s.log()).toEqual(['settings', 'write', 'recorded']);
    const w = s.write()[0]!;
    expect(w.sql).toMatch(/INSERT INTO "audit_log" \(.*\) SELECT \* FROM \(VALUES .*\) AS v WHERE EXISTS \(SELECT 1 FROM "o0"\)/);
    expect(w.sql).toMatch(/^WITH "o0" AS \(INSERT INTO "orders" \("id", "shop_id", "order_number", .*\) ON CONFLICT DO NOTHING RETURNING "id", "created_at", "updated_at"\)/);
    // history rows only if the order was inserted, in their order (未オーソリ, then オーソリ中 by auto-authorize)
    expect(w.sql).toMatch(/INSERT INTO "payment_tag_history" \(.*\) SELECT \* FROM \(VALUES \(\$\d+::uuid, .*\), \(.*\)\) AS v WHERE EXISTS \(SELECT 1 FROM "o0"\)/);
    expect(w.sql).toContain('INSERT INTO "api_log"');
    expect(view).toMatchObject({ orderNumber: num(8), paymentTag: 'オーソリ中' });
    expect(s.db.orders.get(num(8))!.id).toBe(w.parameters[0]);
  });

  it('create of an existing order: nothing written, OrderAlreadyExistsError (409), no savepoint needed for OrderReceived', async () => {
    const s = system();
    put(s.db, orderRow(9));
    await expect(
      s.orders.create(SHOP, { orderNumber: num(9), orderedAt: T0.toISOString(), paymentMethod: 'クレジットカード', totalAmount: 1000, billedAmount: 1000 } as never, {} as never),
    ).rejects.toBeInstanceOf(OrderAlreadyExistsError);
    expect(s.log()).toEqual(['settings', 'write']);
    s.runner.log.length = 0;
    const e = createEnvelope(OrderReceived, { orderNumber: num(9), orderedAt: T0.toISOString(), paymentMethod: 'クレジットカード', totalAmount: 1000, billedAmount: 1000 }, { shopId: SHOP });
    await s.events.orderReceived(e as never, deliveredBy('shop-system'));
    expect(s.log()).toEqual(['START', 'inbox', 'settings', 'write', 'COMMIT']);
  });

  it('OrderReceived of a new order: settings, one write statement with the outbox rows — no savepoint', async () => {
    const s = system();
    const e = createEnvelope(OrderReceived, { orderNumber: num(10), orderedAt: T0.toISOString(), paymentMethod: 'クレジットカード', totalAmount: 1000, billedAmount: 1000 }, { shopId: SHOP });
    await s.events.orderReceived(e as never, deliveredBy('shop-system'));
    expect(s.log()).toEqual(['START', 'inbox', 'settings', 'write', 'COMMIT']);
    expect(s.db.orders.has(num(10))).toBe(true);
  });

  it('bulk authorize of one order: lock with settings, one write statement with the outbox and audit rows (was 9 statements, now 4)', async () => {
    const s = system();
    put(s.db, orderRow(11));
    const out = await s.orders.action(SHOP, 'authorize', { orderNumbers: [num(11)] } as never, { role: 'admin' } as never);
    expect(out.results[0]).toMatchObject({ outcome: 'accepted', paymentTag: 'オーソリ中' });
    expect(s.log()).toEqual(['START', 'lock', 'write', 'recorded', 'COMMIT']);
    expect(s.write()[0]!.sql).toContain('INSERT INTO "audit_log"');
  });

  it('bulk authorize of a chunk: one lock and one write statement for all its orders', async () => {
    const s = system();
    const orders = Array.from({ length: 50 }, (_, i) => put(s.db, orderRow(100 + i)));
    await s.orders.action(SHOP, 'authorize', { orderNumbers: orders.map((o) => o.orderNumber) } as never, { role: 'admin' } as never);
    expect(s.log().filter((k) => k !== 'recorded')).toEqual(['START', 'lock', 'write', 'COMMIT']);
    const w = s.write()[0]!;
    expect(w.sql.match(/UPDATE "orders"/g)).toHaveLength(50);
    expect(s.log().filter((k) => k === 'recorded')).toHaveLength(50); // one audit row per order, all in that statement
    expect(w.parameters.length).toBeLessThan(65535);
  });
});

describe('OrderStore settings', () => {
  it('reads the settings in the lock statement (FOR UPDATE OF the order only) and gives them to the workflow', async () => {
    const s = system();
    s.db.settings.set(SHOP, settingsRow({ autoCapture: false }));
    put(s.db, orderRow(20));
    const order = (await s.store.lock(s.runner.manager, SHOP, num(20)))!;
    const lock = s.runner.statements[0]!.sql;
    expect(lock).toMatch(/FROM "orders" o LEFT JOIN "shop_settings" s ON s\.shop_id = o\.shop_id\s+WHERE/);
    expect(lock).toMatch(/FOR UPDATE OF o$/);
    expect(Object.keys(order).some((k) => k.startsWith('s_') || k.startsWith('_'))).toBe(false); // nothing of the joined row is left on the entity
    const wf = await s.store.workflow(s.runner.manager, order);
    expect((wf as unknown as { settings: { autoCapture: boolean } }).settings.autoCapture).toBe(false);
    expect(s.runner.statements).toHaveLength(1);
  });

  it('uses the defaults when the shop has no settings row, without a query', async () => {
    const s = system({ orders: new Map(), settings: new Map() });
    put(s.db, orderRow(21));
    const order = (await s.store.lockMany(s.runner.manager, SHOP, [num(21)])).get(num(21))!;
    const wf = await s.store.workflow(s.runner.manager, order);
    expect((wf as unknown as { settings: { autoProgress: boolean } }).settings.autoProgress).toBe(false);
    expect(s.runner.statements).toHaveLength(1);
  });

  it('queries the settings for an order not loaded through lock/lockMany', async () => {
    const s = system();
    await s.store.workflow(s.runner.manager, orderRow(22));
    expect(s.log()).toEqual(['settings']);
  });
});

describe('OrderStore writes', () => {
  it('updates only the changed columns, reads updatedAt back and re-tracks the order (nothing changed since: no statement)', async () => {
    const s = system();
    put(s.db, orderRow(30, { authorizedAt: new Date('2026-01-01T00:00:00Z') }));
    const order = (await s.store.lock(s.runner.manager, SHOP, num(30)))!;
    const wf = await s.store.workflow(s.runner.manager, order);
    order.paymentTag = 'オーソリ待ち' as never;
    order.authorizedAt = new Date('2026-01-01T00:00:00Z'); // same instant, new object: unchanged
    order.plan = []; // equal value: unchanged
    await s.store.save(s.runner.manager, order, wf, {});
    const w = s.write();
    expect(w).toHaveLength(1);
    expect(w[0]!.sql).toBe('WITH "o0" AS (UPDATE "orders" SET "payment_tag" = $1, "updated_at" = CURRENT_TIMESTAMP WHERE "id" = $2 RETURNING "id", "updated_at") SELECT "id", "updated_at" FROM "o0"');
    expect(w[0]!.parameters).toEqual(['オーソリ待ち', order.id]);
    expect(order.updatedAt).toBe(s.runner.updatedAt);
    await s.store.save(s.runner.manager, order, await s.store.workflow(s.runner.manager, order), {});
    expect(s.write()).toHaveLength(1);
    expect(s.log()).toEqual(['lock', 'write']);
  });

  it('splits a batch into statements within the parameter limit, keeping every change and the row order', async () => {
    const s = system();
    s.store.maxParameters = 40;
    const orders = Array.from({ length: 6 }, (_, i) => put(s.db, orderRow(40 + i)));
    const out = await s.orders.action(SHOP, 'authorize', { orderNumbers: orders.map((o) => o.orderNumber) } as never, { role: 'admin' } as never);
    const w = s.write();
    expect(w.length).toBeGreaterThan(1);
    for (const st of w) {
      expect(st.parameters.length).toBeLessThanOrEqual(40);
      const used = [...st.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
      expect(new Set(used)).toEqual(new Set(st.parameters.map((_, i) => i + 1))); // numbered 1..n, each used
    }
    expect(w.map((st) => st.sql.match(/UPDATE "orders"/g)?.length ?? 0).reduce((a, b) => a + b)).toBe(6);
    const operationIds = w.flatMap((st) => st.parameters).filter((p) => out.results.some((r) => r.operationId === p));
    expect([...new Set(operationIds)]).toEqual(out.results.map((r) => r.operationId)); // in order across statements
    expect(s.log().filter((k) => k !== 'recorded')).toEqual(['START', 'lock', ...w.map(() => 'write'), 'COMMIT']);
  });
});
