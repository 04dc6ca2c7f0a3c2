import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
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
import { ShopSettingsService } from '../shops/shop-settings.service';

const REQUEST_CONTRACTS: Record<PaymentOperation, EventContract> = {
  auth: AuthRequested,
  'auth-cancel': AuthCancelRequested,
  capture: CaptureRequested,
  'capture-cancel': CaptureCancelRequested,
  'card-status': CardStatusRequested,
};

/**
 * Rows and events collected from several `save`s to be written together: one multi-row INSERT per history table
 * and one outbox insert, however many orders (a bulk action passes one batch for a chunk of orders).
 */
export class WriteBatch {
  readonly tagRows: Partial<PaymentTagHistoryEntity>[] = [];
  readonly statusRows: Partial<OrderStatusHistoryEntity>[] = [];
  readonly apiRows: Partial<ApiLogEntity>[] = [];
  readonly envelopes: EventEnvelope[] = [];

  /** Writes what was collected (≤ 4 statements) and empties the batch. */
  async flush(manager: EntityManager, outbox: EventOutbox): Promise<void> {
    if (this.tagRows.length > 0) await manager.insert(PaymentTagHistoryEntity, this.tagRows.splice(0));
    if (this.statusRows.length > 0) await manager.insert(OrderStatusHistoryEntity, this.statusRows.splice(0));
    if (this.apiRows.length > 0) await manager.insert(ApiLogEntity, this.apiRows.splice(0));
    if (this.envelopes.length > 0) await outbox.add(manager, this.envelopes.splice(0));
  }
}

/** Column values of an order as loaded (normalised for comparison), to update only what changed. */
type Snapshot = Map<string, unknown>;
const normalise = (v: unknown): unknown => (v instanceof Date ? `d:${v.getTime()}` : v !== null && typeof v === 'object' ? `j:${JSON.stringify(v)}` : v);

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

  constructor(
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly settings: ShopSettingsService,
  ) {}

  now(): Date {
    return this.clock.now();
  }

  async lock(manager: EntityManager, shopId: string, orderNumber: string): Promise<OrderEntity | null> {
    const order = await manager
      .createQueryBuilder(OrderEntity, 'o')
      .setLock('pessimistic_write')
      .where('o.shop_id = :shopId AND o.order_number = :orderNumber AND o.deleted_at IS NULL', { shopId, orderNumber })
      .getOne();
    return order ? this.track(manager, order) : null;
  }

  /** Locks several orders of a shop in one statement (in order-number order, so concurrent callers cannot deadlock). */
  async lockMany(manager: EntityManager, shopId: string, orderNumbers: string[]): Promise<Map<string, OrderEntity>> {
    if (orderNumbers.length === 0) return new Map();
    const orders = await manager
      .createQueryBuilder(OrderEntity, 'o')
      .setLock('pessimistic_write')
      .where('o.shop_id = :shopId AND o.order_number IN (:...orderNumbers) AND o.deleted_at IS NULL', { shopId, orderNumbers })
      .orderBy('o.order_number')
      .getMany();
    return new Map(orders.map((o) => [o.orderNumber, this.track(manager, o)]));
  }

  /** Remembers the order's current values so `save` writes only the columns that change. */
  track(manager: EntityManager, order: OrderEntity): OrderEntity {
    const snapshot: Snapshot = new Map();
    for (const c of manager.connection.getMetadata(OrderEntity).columns) snapshot.set(c.propertyName, normalise(c.getEntityValue(order)));
    this.loaded.set(order, snapshot);
    return order;
  }

  /**
   * Writes the order: one `UPDATE … SET <changed columns>` for a tracked order (nothing when nothing changed),
   * TypeORM's `save` (select + update/insert) otherwise.
   */
  private async writeOrder(manager: EntityManager, order: OrderEntity): Promise<OrderEntity> {
    const snapshot = this.loaded.get(order);
    if (!snapshot || !order.id) return manager.save(OrderEntity, order);
    const metadata = manager.connection.getMetadata(OrderEntity);
    const changes: Record<string, unknown> = {};
    for (const c of metadata.columns) {
      if (c.isPrimary || c.isCreateDate || c.isUpdateDate) continue;
      const value = c.getEntityValue(order);
      if (normalise(value) !== snapshot.get(c.propertyName)) changes[c.propertyName] = value;
    }
    if (Object.keys(changes).length === 0) return order;
    const result = await manager
      .createQueryBuilder()
      .update(OrderEntity)
      .set(changes)
      .where('id = :id', { id: order.id })
      .returning('updated_at')
      .execute();
    const updatedAt = (result.raw as { updated_at?: Date }[] | undefined)?.[0]?.updated_at;
    if (updatedAt) order.updatedAt = updatedAt;
    return this.track(manager, order);
  }

  settingsOf(manager: EntityManager, shopId: string): Promise<PaymentSettings> {
    return this.settings.get(shopId, manager);
  }

  async workflow(manager: EntityManager, order: OrderEntity, settings?: PaymentSettings): Promise<PaymentWorkflow> {
    return new PaymentWorkflow(order, settings ?? (await this.settings.get(order.shopId, manager)), this.now(), randomUUID);
  }

  /**
   * Saves the order and everything the workflow produced; events go to the outbox in this transaction. History
   * rows, API log rows and events are written with one statement each — at the end of this call, or with the
   * caller's `batch` when it passes one (then the caller flushes it before commit).
   */
  async save(manager: EntityManager, order: OrderEntity, wf: PaymentWorkflow, meta: FlowMeta, extra: EventEnvelope[] = [], batch?: WriteBatch): Promise<OrderEntity> {
    const now = this.now();
    const saved = await this.writeOrder(manager, order);
    const rows = batch ?? new WriteBatch();
    const envelopes = rows.envelopes;
    const envMeta = { shopId: order.shopId, correlationId: meta.correlationId ?? randomUUID(), causationId: meta.causationId ?? null, occurredAt: now };
    for (const change of wf.tagChanges) {
      rows.tagRows.push({
        orderId: saved.id,
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
        orderId: saved.id,
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
        orderId: saved.id,
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
    if (!batch) await rows.flush(manager, this.outbox);
    return saved;
  }

  /** Writes a batch collected from several `save`s (history, API log, outbox). */
  flush(manager: EntityManager, batch: WriteBatch): Promise<void> {
    return batch.flush(manager, this.outbox);
  }
}
