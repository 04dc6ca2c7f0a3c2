import { ConflictException, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { createEnvelope, OrderReceived, OrderStatus } from '@rcp/contracts';
import { OrderEntity } from '../../database/entities/order.entity';
import { FlowMeta, OrderStore } from '../order-store';
import { ownAnnouncements } from '../../events/own-announcements';

export interface NewOrder {
  orderNumber: string;
  orderedAt: Date;
  paymentMethod: string;
  totalAmount: number;
  billedAmount: number;
  pointsUsed?: number | null;
  couponsUsed?: number | null;
  status?: OrderStatus;
}

export class OrderAlreadyExistsError extends ConflictException {
  constructor(shopId: string, orderNumber: string) {
    super({ message: `order ${orderNumber} already exists in shop ${shopId}`, errors: [{ field: 'orderNumber', message: 'already exists' }] });
  }
}

/** Creates an order (HTTP, OrderReceived, CSV) with its initial status and payment tag. */
@Injectable()
export class CreateOrder {
  constructor(private readonly store: OrderStore) {}

  /** Whether the shop has a (not deleted) order with this number: one read, no transaction needed. */
  exists(db: EntityManager | DataSource, shopId: string, orderNumber: string): Promise<boolean> {
    return db
      .createQueryBuilder(OrderEntity, 'o')
      .where('o.shop_id = :shopId AND o.order_number = :n AND o.deleted_at IS NULL', { shopId, n: orderNumber })
      .getExists();
  }

  async execute(manager: EntityManager, shopId: string, input: NewOrder, source: OrderEntity['source'], actor: string, meta: FlowMeta): Promise<OrderEntity> {
    if (await this.exists(manager, shopId, input.orderNumber)) throw new OrderAlreadyExistsError(shopId, input.orderNumber);
    const order = manager.create(OrderEntity, {
      shopId,
      orderNumber: input.orderNumber,
      orderedAt: input.orderedAt,
      paymentMethod: input.paymentMethod,
      totalAmount: input.totalAmount,
      billedAmount: input.billedAmount,
      pointsUsed: input.pointsUsed ?? null,
      couponsUsed: input.couponsUsed ?? null,
      status: input.status ?? '未確認',
      paymentTag: null,
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
      source,
      deletedAt: null,
    });
    // Insert first so history rows can reference the id; the status history starts with the initial status.
    const inserted = this.store.track(manager, await manager.save(OrderEntity, order));
    const wf = await this.store.workflow(manager, inserted);
    wf.statusChanges.push({ from: null, to: inserted.status, cause: `order created (${source})`, actor });
    wf.initialize(actor);
    // Orders created here (HTTP, CSV) are announced; orders that came as OrderReceived are not echoed.
    const announce =
      source === 'event'
        ? []
        : [
            createEnvelope(
              OrderReceived,
              {
                orderNumber: inserted.orderNumber,
                orderedAt: inserted.orderedAt.toISOString(),
                paymentMethod: inserted.paymentMethod,
                totalAmount: inserted.totalAmount,
                billedAmount: inserted.billedAmount,
                ...(inserted.pointsUsed !== null ? { pointsUsed: inserted.pointsUsed } : {}),
                ...(inserted.couponsUsed !== null ? { couponsUsed: inserted.couponsUsed } : {}),
              },
              { shopId, correlationId: meta.correlationId, causationId: meta.causationId ?? null, occurredAt: this.store.now() },
            ),
          ];
    for (const e of announce) ownAnnouncements.add(e.id); // its echo is dropped cheaply by the consumer
    return this.store.save(manager, inserted, wf, meta, announce);
  }
}
