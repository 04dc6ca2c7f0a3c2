import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager, EntityMetadata, ObjectLiteral } from 'typeorm';
import type { InboxClaimedRow, InboxClaimStatement } from '@rcp/messaging';
import { AuditLogEntity } from '@rcp/auth';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import {
  AuthCancelRequested,
  AuthRequested,
  CaptureCancelRequested,
  CaptureRequested,
  CardStatusRequested,
  createEnvelope,
  EventContract,
  EventEnvelope,
  OrderStatusChanged,
  PaymentOperation,
  PaymentTagChanged,
} from '@rcp/contracts';
import { OrderEntity } from '../database/entities/order.entity';
import { ApiLogEntity, OrderStatusHistoryEntity, PaymentTagHistoryEntity } from '../database/entities/history.entities';
import { PaymentWorkflow } from '../domain/payment-workflow';
import { PaymentSettings } from '../domain/types';
import { EVENT_OUTBOX, EventOutbox } from '../events/outbox.port';
import { CLOCK, Clock } from '../common/clock';
import { ShopSettingsEntity } from '../database/entities/shop-settings.entity';
import { ShopSettingsService } from '../shops/shop-settings.service';
import { applyReturning, buildWriteStatements, hydrate, persisted, PG_MAX_PARAMETERS, quotedTable, WritePlan } from './write-statements';

const REQUEST_CONTRACTS: Record<PaymentOperation, EventContract> = {
  auth: AuthRequested,
  'auth-cancel': AuthCancelRequested,
  capture: CaptureRequested,
  'capture-cancel': CaptureCancelRequested,
  'card-status': CardStatusRequested,
};

/**
 * What several `save`s produced, written together by {@link OrderStore.flush}: the changed columns of every order,
 * the history, API log and outbox rows in one statement — however many orders
 * (a bulk action passes one batch for a chunk of orders).
 */
export class WriteBatch {
  /** Orders loaded through the store (lock, lockMany, track) whose changed columns are written. */
  readonly orders = new Set<OrderEntity>();
  readonly tagRows: Partial<PaymentTagHistoryEntity>[] = [];
  readonly statusRows: Partial<OrderStatusHistoryEntity>[] = [];
  readonly apiRows: Partial<ApiLogEntity>[] = [];
  /** Audit rows of the HTTP request (`AuditWriter.currentRow`), written with the rest; `recorded` runs once they are. */
  readonly auditRows: { row: Partial<AuditLogEntity>; recorded(): void }[] = [];
  readonly envelopes: EventEnvelope[] = [];
}

/** Column values of an order as loaded (normalised for comparison), to update only what changed. */
type Snapshot = Map<string, unknown>;
const normalise = (v: unknown): unknown => (v instanceof Date ? `d:${v.getTime()}` : v !== null && typeof v === 'object' ? `j:${JSON.stringify(v)}` : v);

const orderKey = (shopId: string, orderNumber: string) => `${shopId}\u0000${orderNumber}`;

/** Flow metadata for events caused by one command or message. */
export interface FlowMeta {
  correlationId?: string;
  causationId?: string | null;
}

/** Loads orders under a row lock and persists a workflow's effects (history, API log, outbox) in the same transaction. */
@Injectable()
export class OrderStore {
  /** Orders loaded through this store (or tracked after insert): their values as loaded. */
  private readonly loaded = new WeakMap<OrderEntity, Snapshot>();
  /** Shop settings read in the statement that locked the order (lock, lockMany). */
  private readonly lockedSettings = new WeakMap<OrderEntity, PaymentSettings>();
  /** Orders locked ahead by {@link OrderStore.lockAhead}, per transaction (query runner), until `lock` takes them. */
  private readonly prefetched = new WeakMap<object, Map<string, OrderEntity>>();
  /** SQL of the lock statement, per inbox claim statement ('' = none). */
  private readonly lockSqlCache = new Map<string, string>();
  /** Most bind parameters per write statement (more are split into further statements). */
  maxParameters = PG_MAX_PARAMETERS;

  constructor(
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly settings: ShopSettingsService,
  ) {}

  now(): Date {
    return this.clock.now();
  }

  /** Locks a live order (`FOR UPDATE`) and reads its shop's settings in the same statement; null when there is none. */
  async lock(manager: EntityManager, shopId: string, orderNumber: string): Promise<OrderEntity | null> {
    const ahead = this.prefetched.get(manager.queryRunner ?? manager);
    const key = orderKey(shopId, orderNumber);
    const taken = ahead?.get(key);
    if (taken) {
      ahead!.delete(key);
      return taken;
    }
    const { orders } = await this.selectLocked(manager, [{ shopId, orderNumber }]);
    return orders[0] ?? null;
  }

  /**
   * Locks several orders of a shop in one statement (in order-number order, so concurrent callers cannot deadlock),
   * with the shop's settings.
   */
  async lockMany(manager: EntityManager, shopId: string, orderNumbers: string[]): Promise<Map<string, OrderEntity>> {
    if (orderNumbers.length === 0) return new Map();
    const { orders } = await this.selectLocked(manager, orderNumbers.map((orderNumber) => ({ shopId, orderNumber })));
    return new Map(orders.map((o) => [o.orderNumber, o]));
  }

  /**
   * Locks the live orders among `keys` (any shops) in ONE statement, in (shop, order number) order, for the
   * transaction of `manager`: its next {@link OrderStore.lock} of each takes the row locked here instead of reading
   * it again (once — a second `lock` of the same order reads it anew, and a write of an order drops what was locked
   * ahead for it). With an inbox `claim` (see `InboxService.claimWith`) the claim runs first in the same statement and
   * its rows are returned: an inbox transaction's de-duplication and its orders' locks in one round trip. Without a
   * claim, fewer than two keys: nothing to share, no statement.
   */
  async lockAhead(manager: EntityManager, keys: readonly { shopId: string; orderNumber: string }[], claim?: InboxClaimStatement): Promise<InboxClaimedRow[] | undefined> {
    const unique = [...new Map(keys.map((k) => [orderKey(k.shopId, k.orderNumber), k])).values()];
    const queryRunner = manager.queryRunner;
    if (!queryRunner?.isTransactionActive || (!claim && unique.length < 2)) return undefined;
    const { orders, claimed } = await this.selectLocked(manager, unique, claim);
    this.prefetched.set(queryRunner, new Map(orders.map((o) => [orderKey(o.shopId, o.orderNumber), o])));
    return claimed;
  }

  /**
   * The one lock statement of the store: the live orders among `keys` `FOR UPDATE` (only the order rows: a settings
   * lock would serialise the shop) in (shop, order number) order, each with its shop's settings row, tracked; with an
   * inbox claim as a CTE run before the locks (the outer side of the lateral join they depend on, whatever the plan)
   * and its rows.
   */
  private async selectLocked(
    manager: EntityManager,
    keys: readonly { shopId: string; orderNumber: string }[],
    claim?: InboxClaimStatement,
  ): Promise<{ orders: OrderEntity[]; claimed?: InboxClaimedRow[] }> {
    // outside a transaction FOR UPDATE would lock nothing past the statement: a caller's bug, not a lock
    if (!manager.queryRunner?.isTransactionActive) throw new Error('OrderStore: orders are locked only inside a transaction');
    const orders = manager.connection.getMetadata(OrderEntity);
    const settings = manager.connection.getMetadata(ShopSettingsEntity);
    const rows = (await manager.query(this.lockSql(manager, claim?.sql), [...(claim?.params ?? []), keys.map((k) => k.shopId), keys.map((k) => k.orderNumber)])) as ObjectLiteral[];
    const driver = manager.connection.driver;
    const locked: OrderEntity[] = [];
    for (const row of rows) {
      if (row.o_id === null || row.o_id === undefined) continue;
      const order = hydrate(driver, orders, row, 'o') as OrderEntity;
      this.lockedSettings.set(order, this.settings.fromRow(row.s_shop_id === null ? null : (hydrate(driver, settings, row, 's') as ShopSettingsEntity)));
      locked.push(this.track(manager, order));
    }
    if (!claim) return { orders: locked };
    const first = rows[0] ?? { claimed_consumers: [], claimed_message_ids: [] };
    const consumers = first.claimed_consumers as string[];
    return { orders: locked, claimed: (first.claimed_message_ids as string[]).map((message_id, i) => ({ consumer: consumers[i]!, message_id })) };
  }

  /** SQL of {@link OrderStore.selectLocked}, built once per claim statement (the entities' columns do not change). */
  private lockSql(manager: EntityManager, claimSql?: string): string {
    const cached = this.lockSqlCache.get(claimSql ?? '');
    if (cached) return cached;
    const driver = manager.connection.driver;
    const q = (name: string) => driver.escape(name);
    const table = (metadata: EntityMetadata) => quotedTable(driver, metadata);
    const select = (alias: string, metadata: EntityMetadata) => persisted(metadata).map((c) => `${alias}.${q(c.databaseName)} AS ${q(`${alias}_${c.databaseName}`)}`).join(', ');
    const orders = manager.connection.getMetadata(OrderEntity);
    const settings = manager.connection.getMetadata(ShopSettingsEntity);
    const offset = claimSql ? 2 : 0;
    const where = [
      ...(claimSql ? ['claimed.consumers IS NOT NULL'] : []), // the lateral reference that orders the claim first
      'o.deleted_at IS NULL',
      `(o.shop_id, o.order_number) IN (SELECT * FROM unnest($${offset + 1}::varchar[], $${offset + 2}::varchar[]))`,
    ];
    const locked = `SELECT ${select('o', orders)}, ${select('s', settings)}
      FROM ${table(orders)} o LEFT JOIN ${table(settings)} s ON s.shop_id = o.shop_id
      WHERE ${where.join(' AND ')} ORDER BY o.shop_id, o.order_number FOR UPDATE OF o`;
    const sql = claimSql
      ? `WITH inbox_claim AS (${claimSql}),
           claimed AS (SELECT COALESCE(array_agg(consumer), '{}') AS consumers, COALESCE(array_agg(message_id::text), '{}') AS message_ids FROM inbox_claim)
         SELECT claimed.consumers AS claimed_consumers, claimed.message_ids AS claimed_message_ids, l.*
           FROM claimed LEFT JOIN LATERAL (${locked}) l ON true`
      : locked;
    this.lockSqlCache.set(claimSql ?? '', sql);
    return sql;
  }

  /** Orders about to be written: what was locked ahead for them is stale from now on. */
  private forgetPrefetched(manager: EntityManager, orders: OrderEntity[]): void {
    const ahead = this.prefetched.get(manager.queryRunner ?? manager);
    if (ahead) for (const o of orders) ahead.delete(orderKey(o.shopId, o.orderNumber));
  }

  /** Remembers the order's current values so `save` writes only the columns that change. */
  track(manager: EntityManager, order: OrderEntity): OrderEntity {
    const snapshot: Snapshot = new Map();
    for (const c of manager.connection.getMetadata(OrderEntity).columns) snapshot.set(c.propertyName, normalise(c.getEntityValue(order)));
    this.loaded.set(order, snapshot);
    return order;
  }

  /** Columns of a tracked order whose values differ from the snapshot (primary, create and update dates aside). */
  private changedColumns(manager: EntityManager, order: OrderEntity): ColumnMetadata[] {
    const snapshot = this.loaded.get(order);
    if (!snapshot) return [];
    return manager.connection
      .getMetadata(OrderEntity)
      .columns.filter((c) => !c.isPrimary && !c.isCreateDate && !c.isUpdateDate && normalise(c.getEntityValue(order)) !== snapshot.get(c.propertyName));
  }

  /**
   * A workflow for the order, with the given settings, else the settings read when the order was locked, else
   * (an order not loaded through lock/lockMany) the shop's settings from the database.
   */
  async workflow(manager: EntityManager, order: OrderEntity, settings?: PaymentSettings): Promise<PaymentWorkflow> {
    return new PaymentWorkflow(order, settings ?? this.lockedSettings.get(order) ?? (await this.settings.get(order.shopId, manager)), this.now(), randomUUID);
  }

  /**
   * Saves the order and everything the workflow produced; events go to the outbox in this transaction. The order's
   * changed columns, history, API log and outbox rows are written with one statement — at the end of this call, or
   * with the caller's `batch` when it passes one (then the caller flushes it before commit). An order not loaded through this store is saved with TypeORM's `save` first.
   */
  async save(manager: EntityManager, order: OrderEntity, wf: PaymentWorkflow, meta: FlowMeta, extra: EventEnvelope[] = [], batch?: WriteBatch): Promise<OrderEntity> {
    const saved = this.loaded.has(order) && order.id ? order : this.track(manager, await manager.save(OrderEntity, order));
    const rows = batch ?? new WriteBatch();
    rows.orders.add(saved);
    this.collect(saved, wf, meta, extra, rows);
    if (!batch) await this.flush(manager, rows);
    return saved;
  }

  /**
   * Inserts a new order with everything its workflow produced — order, history, API log and outbox rows in one
   * statement — unless the shop already has a live order with that number: then nothing is written and the
   * result is false. The order gets its id (when it has none) and database defaults, and is tracked.
   */
  async insert(manager: EntityManager, order: OrderEntity, wf: PaymentWorkflow, meta: FlowMeta, extra: EventEnvelope[] = [], audit?: WriteBatch['auditRows'][number]): Promise<boolean> {
    if (!order.id) order.id = randomUUID();
    const batch = new WriteBatch();
    if (audit) batch.auditRows.push(audit);
    this.collect(order, wf, meta, extra, batch);
    const metadata = manager.connection.getMetadata(OrderEntity);
    if (!(await this.write(manager, batch, { insert: { metadata, entity: order } }))) return false;
    this.track(manager, order);
    return true;
  }

  /**
   * Writes a batch and empties it: the changed columns of its orders (`updatedAt` read back), its history and API
   * log rows and its events' outbox rows in one statement (more only beyond {@link OrderStore.maxParameters}).
   */
  async flush(manager: EntityManager, batch: WriteBatch): Promise<void> {
    const metadata = manager.connection.getMetadata(OrderEntity);
    const updates = [...batch.orders].map((order) => ({ metadata, entity: order, columns: this.changedColumns(manager, order) })).filter((u) => u.columns.length > 0);
    batch.orders.clear();
    await this.write(manager, batch, { updates });
    for (const u of updates) this.track(manager, u.entity as OrderEntity);
  }

  /**
   * Runs `plan` with the batch's rows, audit rows and events (the outbox rows as one more CTE of the same statement)
   * and empties the batch; false when the plan's insert found the order already there (then nothing was written).
   * With a manager outside a transaction the plan runs as ONE statement on its own (it commits by itself, no
   * START/COMMIT round trips) — or, when it needs more than one statement, in a transaction of its own.
   */
  private async write(manager: EntityManager, batch: WriteBatch, plan: Pick<WritePlan, 'insert' | 'updates'>): Promise<boolean> {
    const alone = manager.queryRunner?.isTransactionActive !== true;
    const envelopes = batch.envelopes.slice();
    const outbox = alone ? this.outbox.prepareStatementInsert(manager.connection, envelopes) : this.outbox.prepareInsert(manager, envelopes);
    const driver = manager.connection.driver;
    const statements = buildWriteStatements(driver, { ...plan, rows: this.rowsOf(manager, batch), foreign: outbox }, this.maxParameters);
    if (alone && statements.length > 1) return manager.connection.transaction((m) => this.write(m, batch, plan));
    this.forgetPrefetched(manager, [...(plan.updates ?? []), ...(plan.insert ? [plan.insert] : [])].map((w) => w.entity as OrderEntity));
    const audited = batch.auditRows.slice();
    for (const list of [batch.envelopes, batch.tagRows, batch.statusRows, batch.apiRows, batch.auditRows]) list.length = 0;
    for (const statement of statements) {
      const rows = (await manager.query(statement.sql, statement.parameters)) as ObjectLiteral[];
      if (statement.conditional && rows.length === 0) return false;
      applyReturning(driver, statement, rows);
    }
    outbox?.written();
    for (const a of audited) a.recorded();
    return true;
  }

  private rowsOf(manager: EntityManager, batch: WriteBatch): WritePlan['rows'] {
    const m = manager.connection;
    return [
      { metadata: m.getMetadata(PaymentTagHistoryEntity), rows: batch.tagRows.slice() },
      { metadata: m.getMetadata(OrderStatusHistoryEntity), rows: batch.statusRows.slice() },
      { metadata: m.getMetadata(ApiLogEntity), rows: batch.apiRows.slice() },
      { metadata: m.getMetadata(AuditLogEntity), rows: batch.auditRows.map((a) => a.row) },
    ];
  }

  /** Adds the workflow's history rows, request API log rows and events for the order to the batch. */
  private collect(order: OrderEntity, wf: PaymentWorkflow, meta: FlowMeta, extra: EventEnvelope[], rows: WriteBatch): void {
    const now = this.now();
    const envelopes = rows.envelopes;
    const envMeta = { shopId: order.shopId, correlationId: meta.correlationId ?? randomUUID(), causationId: meta.causationId ?? null, occurredAt: now };
    for (const change of wf.tagChanges) {
      rows.tagRows.push({
        orderId: order.id,
        fromTag: change.from,
        toTag: change.to,
        cause: change.cause.slice(0, 200),
        actor: change.actor.slice(0, 100),
        operationId: change.operationId ?? null,
        at: now,
      });
      if (change.to !== null) {
        envelopes.push(
          createEnvelope(
            PaymentTagChanged,
            {
              orderNumber: order.orderNumber,
              from: change.from,
              to: change.to,
              cause: change.cause.slice(0, 200),
              actor: change.actor.slice(0, 100),
              ...(change.operationId ? { operationId: change.operationId } : {}),
            },
            envMeta,
          ),
        );
      }
    }
    for (const change of wf.statusChanges) {
      rows.statusRows.push({
        orderId: order.id,
        fromStatus: change.from,
        toStatus: change.to,
        cause: change.cause.slice(0, 200),
        actor: change.actor.slice(0, 100),
        at: now,
      });
      envelopes.push(
        createEnvelope(
          OrderStatusChanged,
          { orderNumber: order.orderNumber, from: change.from, to: change.to, cause: change.cause.slice(0, 200), actor: change.actor.slice(0, 100) },
          envMeta,
        ),
      );
    }
    for (const request of wf.requests) {
      const contract = REQUEST_CONTRACTS[request.operation];
      const data: Record<string, unknown> = {
        operationId: request.operationId,
        orderNumber: order.orderNumber,
        requestedBy: request.requestedBy.slice(0, 100),
      };
      if (request.operation === 'auth') Object.assign(data, { amount: request.amount, payType: 0 });
      if (request.operation === 'capture') data.amount = request.amount;
      const envelope = createEnvelope(contract, data, envMeta);
      envelopes.push(envelope);
      rows.apiRows.push({
        orderId: order.id,
        direction: 'request',
        eventType: contract.type,
        operation: request.operation,
        operationId: request.operationId,
        amount: request.amount ?? null,
        applied: true,
        details: { requestedBy: request.requestedBy, messageId: envelope.id },
        at: now,
      });
    }
    envelopes.push(...extra);
  }
}
