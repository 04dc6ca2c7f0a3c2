import { ConflictException, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { createEnvelope, OrderReceived, OrderStatus } from '@rcp/contracts';
import { OrderEntity } from '../../database/entities/order.entity';
import { FlowMeta, OrderStore, WriteBatch } from '../order-store';

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

  /**
   * Creates the order with its history and events (one write statement and the outbox insert); throws
   * {@link OrderAlreadyExistsError}, having written nothing, when the shop has a live order with that number.
   */
  /** `audit`: the HTTP request's audit row (`AuditWriter.currentRow`), written in the same statement as the order. */
  async execute(
    manager: EntityManager,
    shopId: string,
    input: NewOrder,
    source: OrderEntity['source'],
    actor: string,
    meta: FlowMeta,
    audit?: WriteBatch['auditRows'][number],
  ): Promise<OrderEntity> {
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
    // The order is inserted as the workflow leaves it; the status history starts with the initial status.
    const wf = await this.store.workflow(manager, order);
    wf.statusChanges.push({ from: null, to: order.status, cause: `order created (${source})`, actor });
    wf.initialize(actor);
    // Orders created here (HTTP, CSV) are announced; orders that came as OrderReceived are not echoed.
    const announce =
      source === 'event'
        ? []
        : [
            createEnvelope(
              OrderReceived,
              {
                orderNumber: order.orderNumber,
                orderedAt: order.orderedAt.toISOString(),
                paymentMethod: order.paymentMethod,
                totalAmount: order.totalAmount,
                billedAmount: order.billedAmount,
                ...(order.pointsUsed !== null ? { pointsUsed: order.pointsUsed } : {}),
                ...(order.couponsUsed !== null ? { couponsUsed: order.couponsUsed } : {}),
              },
              { shopId, correlationId: meta.correlationId, causationId: meta.causationId ?? null, occurredAt: this.store.now() },
            ),
          ];
    if (!(await this.store.insert(manager, order, wf, meta, announce, audit))) throw new OrderAlreadyExistsError(shopId, input.orderNumber);
    return order;
  }
}
