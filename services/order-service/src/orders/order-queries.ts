import { Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OrderStatus, PaymentTag } from '@rcp/contracts';
import { OrderEntity } from '../database/entities/order.entity';
import { ApiLogEntity, OrderStatusHistoryEntity, PaymentTagHistoryEntity } from '../database/entities/history.entities';
import { Page } from '../common/paging';

export interface OrderFilter {
  shopId?: string;
  /** Restrict to these shops (a shop-scoped API key). */
  shops?: string[];
  status?: OrderStatus;
  tag?: PaymentTag;
  page: number;
  pageSize: number;
}

/** What the API shows of an order. */
export function orderView(o: OrderEntity) {
  return {
    shopId: o.shopId,
    orderNumber: o.orderNumber,
    orderedAt: o.orderedAt.toISOString(),
    paymentMethod: o.paymentMethod,
    totalAmount: o.totalAmount,
    billedAmount: o.billedAmount,
    pointsUsed: o.pointsUsed,
    couponsUsed: o.couponsUsed,
    status: o.status,
    paymentTag: o.paymentTag,
    pendingOperation: o.pendingOperationId ? { operationId: o.pendingOperationId, operation: o.pendingOperation, since: o.pendingSince?.toISOString() } : null,
    plan: o.plan,
    authorization: o.authorizedAt
      ? { amount: o.authorizedAmount, authorizedAt: o.authorizedAt.toISOString(), expiresAt: o.authExpiresAt?.toISOString() ?? null, operationId: o.authOperationId }
      : null,
    capture: o.capturedAt ? { amount: o.capturedAmount, capturedAt: o.capturedAt.toISOString() } : null,
    shippedAt: o.shippedAt?.toISOString() ?? null,
    lastError: o.lastError,
    cardStatus: o.cardStatus,
    source: o.source,
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
  };
}

@Injectable()
export class OrderQueries {
  constructor(private readonly dataSource: DataSource) {}

  async list(filter: OrderFilter): Promise<Page<ReturnType<typeof orderView>>> {
    const qb = this.dataSource.manager.createQueryBuilder(OrderEntity, 'o').where('o.deleted_at IS NULL');
    if (filter.shopId) qb.andWhere('o.shop_id = :shopId', { shopId: filter.shopId });
    if (filter.shops) qb.andWhere('o.shop_id IN (:...shops)', { shops: filter.shops.length ? filter.shops : ['\u0000'] });
    if (filter.status) qb.andWhere('o.status = :status', { status: filter.status });
    if (filter.tag) qb.andWhere('o.payment_tag = :tag', { tag: filter.tag });
    qb.orderBy('o.ordered_at', 'DESC').addOrderBy('o.order_number', 'ASC');
    qb.skip((filter.page - 1) * filter.pageSize).take(filter.pageSize);
    const [rows, total] = await qb.getManyAndCount();
    return { items: rows.map(orderView), page: filter.page, pageSize: filter.pageSize, total };
  }

  async detail(shopId: string, orderNumber: string) {
    const m = this.dataSource.manager;
    const order = await m
      .createQueryBuilder(OrderEntity, 'o')
      .where('o.shop_id = :shopId AND o.order_number = :orderNumber AND o.deleted_at IS NULL', { shopId, orderNumber })
      .getOne();
    if (!order) throw new NotFoundException(`order ${orderNumber} not found in shop ${shopId}`);
    const [tags, statuses, apiLog] = await Promise.all([
      m.find(PaymentTagHistoryEntity, { where: { orderId: order.id }, order: { id: 'ASC' } }),
      m.find(OrderStatusHistoryEntity, { where: { orderId: order.id }, order: { id: 'ASC' } }),
      m.find(ApiLogEntity, { where: { orderId: order.id }, order: { id: 'ASC' } }),
    ]);
    return {
      ...orderView(order),
      paymentTagHistory: tags.map((t) => ({ from: t.fromTag, to: t.toTag, cause: t.cause, actor: t.actor, operationId: t.operationId, at: t.at.toISOString() })),
      statusHistory: statuses.map((s) => ({ from: s.fromStatus, to: s.toStatus, cause: s.cause, actor: s.actor, at: s.at.toISOString() })),
      apiLog: apiLog.map((a) => ({
        direction: a.direction,
        eventType: a.eventType,
        operation: a.operation,
        operationId: a.operationId,
        rccsRequestId: a.rccsRequestId,
        cardStatus: a.cardStatus,
        errorCode: a.errorCode,
        ccsErrorCode: a.ccsErrorCode,
        message: a.message,
        amount: a.amount,
        errorClass: a.errorClass,
        applied: a.applied,
        details: a.details,
        at: a.at.toISOString(),
      })),
    };
  }
}
