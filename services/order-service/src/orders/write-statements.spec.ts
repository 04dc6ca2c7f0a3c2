import { DataSource } from 'typeorm';
import { ORDER_ENTITIES } from '../database/data-source';
import { OrderEntity } from '../database/entities/order.entity';
import { ApiLogEntity } from '../database/entities/history.entities';
import { applyReturning, buildWriteStatements } from './write-statements';

let ds: DataSource;
beforeAll(async () => {
  ds = new DataSource({ type: 'postgres', entities: ORDER_ENTITIES });
  await (ds as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
});

const at = new Date('2026-01-01T00:00:00Z');
const id = '0b7c5a5e-8a43-4a55-9d3c-8f6f0c1f7a10';

describe('buildWriteStatements', () => {
  it('rows only: one multi-row INSERT; values a row leaves undefined take DEFAULT; jsonb as JSON text, Dates as they are', () => {
    const api = ds.getMetadata(ApiLogEntity);
    const rows = [
      { orderId: id, direction: 'result', eventType: 'AuthCompleted', operation: 'auth', rccsRequestId: 7, details: { a: 1 }, at },
      { orderId: id, direction: 'request', eventType: 'CaptureRequested', operation: 'capture', applied: true, at },
    ];
    const [s, ...more] = buildWriteStatements(ds.driver, { rows: [{ metadata: api, rows }] });
    expect(more).toEqual([]);
    expect(s!.sql).toBe(
      'INSERT INTO "api_log" ("order_id", "direction", "event_type", "operation", "rccs_request_id", "applied", "details", "at") ' +
        'VALUES ($1, $2, $3, $4, $5, DEFAULT, $6, $7), ($8, $9, $10, $11, DEFAULT, $12, DEFAULT, $13)',
    );
    expect(s!.parameters).toEqual([id, 'result', 'AuthCompleted', 'auth', 7, '{"a":1}', at, id, 'request', 'CaptureRequested', 'capture', true, at]);
    expect(s!.conditional).toBe(false);
  });

  it('a foreign insert (the outbox rows) is one more CTE of the last statement, numbered on, guarded by the insert', () => {
    const foreign = { parameters: 2, sql: (param: (v: unknown) => string, onlyIf?: string) => `INSERT INTO outbox_message (a, b) SELECT ${param('x')}, ${param('y')}${onlyIf ? ` WHERE EXISTS (SELECT 1 FROM ${onlyIf})` : ''}` };
    const order = Object.assign(new OrderEntity(), { id, shopId: 's', orderNumber: 'n', plan: [], updatedAt: undefined });
    const [guarded] = buildWriteStatements(ds.driver, { insert: { metadata: ds.getMetadata(OrderEntity), entity: order }, foreign });
    expect(guarded!.sql).toMatch(/, "f1" AS \(INSERT INTO outbox_message \(a, b\) SELECT \$(\d+), \$(\d+) WHERE EXISTS \(SELECT 1 FROM "o0"\)\) SELECT .* FROM "o0"$/);
    expect(guarded!.parameters.slice(-2)).toEqual(['x', 'y']);
    expect(guarded!.conditional).toBe(true);
    const [rowsOnly] = buildWriteStatements(ds.driver, { rows: [{ metadata: ds.getMetadata(ApiLogEntity), rows: [{ orderId: id, direction: 'result', eventType: 'AuthCompleted', operation: 'auth', at }] }], foreign });
    expect(rowsOnly!.sql).toMatch(/^WITH "r0" AS \(INSERT INTO "api_log" .*\) INSERT INTO outbox_message \(a, b\) SELECT \$6, \$7$/);
  });

  it('rows of an insert: only if the insert happened, typed, defaults of the metadata for what a row leaves out', () => {
    const order = Object.assign(new OrderEntity(), { id, shopId: 's', orderNumber: 'n', plan: [], updatedAt: undefined });
    const rows = [
      { orderId: id, direction: 'request', eventType: 'AuthRequested', operation: 'auth', applied: false, at },
      { orderId: id, direction: 'request', eventType: 'AuthRequested', operation: 'auth', rccsRequestId: 3, at },
    ];
    const [s] = buildWriteStatements(ds.driver, { insert: { metadata: ds.getMetadata(OrderEntity), entity: order }, rows: [{ metadata: ds.getMetadata(ApiLogEntity), rows }] });
    expect(s!.sql).toBe(
      'WITH "o0" AS (INSERT INTO "orders" ("id", "shop_id", "order_number", "plan") VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING "id", ' +
        '"ordered_at", "payment_method", "total_amount", "billed_amount", "points_used", "coupons_used", "status", "payment_tag", "pending_operation_id", ' +
        '"pending_operation", "pending_since", "pending_stuck_reported_at", "plan_actor", "authorized_amount", "authorized_at", "auth_expires_at", ' +
        '"auth_operation_id", "captured_amount", "captured_at", "shipped_at", "last_error", "card_status", "source", "created_at", "updated_at", "deleted_at"), ' +
        '"r1" AS (INSERT INTO "api_log" ("order_id", "direction", "event_type", "operation", "rccs_request_id", "applied", "at") SELECT * FROM (VALUES ' +
        '($5::uuid, $6::character varying, $7::character varying, $8::character varying, NULL::integer, $9::boolean, $10::timestamp with time zone), ' +
        '($11::uuid, $12::character varying, $13::character varying, $14::character varying, $15::integer, (true)::boolean, $16::timestamp with time zone)) ' +
        'AS v WHERE EXISTS (SELECT 1 FROM "o0")) SELECT "id", "ordered_at", "payment_method", "total_amount", "billed_amount", "points_used", "coupons_used", ' +
        '"status", "payment_tag", "pending_operation_id", "pending_operation", "pending_since", "pending_stuck_reported_at", "plan_actor", "authorized_amount", ' +
        '"authorized_at", "auth_expires_at", "auth_operation_id", "captured_amount", "captured_at", "shipped_at", "last_error", "card_status", "source", ' +
        '"created_at", "updated_at", "deleted_at" FROM "o0"',
    );
    expect(s!.parameters.slice(0, 4)).toEqual([id, 's', 'n', '[]']);
    expect(s!.conditional).toBe(true);
  });

  it('updates of several orders: one CTE each, updated_at from the database, results matched by id', () => {
    const metadata = ds.getMetadata(OrderEntity);
    const col = (p: string) => metadata.findColumnWithPropertyName(p)!;
    const a = Object.assign(new OrderEntity(), { id: 'a', paymentTag: 'オーソリ中', plan: ['capture'] });
    const b = Object.assign(new OrderEntity(), { id: 'b', status: '完了' });
    const [s] = buildWriteStatements(ds.driver, {
      updates: [
        { metadata, entity: a, columns: [col('paymentTag'), col('plan')] },
        { metadata, entity: b, columns: [col('status')] },
      ],
    });
    expect(s!.sql).toBe(
      'WITH "o0" AS (UPDATE "orders" SET "payment_tag" = $1, "plan" = $2, "updated_at" = CURRENT_TIMESTAMP WHERE "id" = $3 RETURNING "id", "updated_at"), ' +
        '"o1" AS (UPDATE "orders" SET "status" = $4, "updated_at" = CURRENT_TIMESTAMP WHERE "id" = $5 RETURNING "id", "updated_at") ' +
        'SELECT "id", "updated_at" FROM "o0" UNION ALL SELECT "id", "updated_at" FROM "o1"',
    );
    expect(s!.parameters).toEqual(['オーソリ中', '["capture"]', 'a', '完了', 'b']);
    const ua = new Date('2026-02-01T00:00:00Z');
    const ub = new Date('2026-02-02T00:00:00Z');
    applyReturning(ds.driver, s!, [
      { id: 'b', updated_at: ub },
      { id: 'a', updated_at: ua },
    ]);
    expect([a.updatedAt, b.updatedAt]).toEqual([ua, ub]);
  });

  it('refuses a plan mixing an insert with updates (their result rows differ)', () => {
    const metadata = ds.getMetadata(OrderEntity);
    const o = Object.assign(new OrderEntity(), { id });
    expect(() => buildWriteStatements(ds.driver, { insert: { metadata, entity: o }, updates: [{ metadata, entity: o, columns: [] }] })).toThrow(/either an insert or updates/);
  });
});
