import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OrderStatus } from '@rcp/contracts';
import { OrderEntity } from '../../database/entities/order.entity';
import { OrderStore } from '../order-store';

export interface OrderPatch {
  orderedAt?: string;
  paymentMethod?: string;
  totalAmount?: number;
  billedAmount?: number;
  pointsUsed?: number;
  couponsUsed?: number;
  status?: OrderStatus;
}

const LIVE_PAYMENT_TAGS = ['オーソリ済', '売上請求済', '売上請求エラー', '取消エラー'];

/** Edits an order; amounts and payment method cannot change under a live authorization or a pending operation. */
@Injectable()
export class EditOrder {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: OrderStore,
  ) {}

  execute(shopId: string, orderNumber: string, patch: OrderPatch, actor: string): Promise<OrderEntity> {
    return this.dataSource.transaction(async (manager) => {
      const order = await this.store.lock(manager, shopId, orderNumber);
      if (!order) throw new NotFoundException(`order ${orderNumber} not found in shop ${shopId}`);
      const paymentFieldChanged =
        (patch.billedAmount !== undefined && patch.billedAmount !== order.billedAmount) ||
        (patch.paymentMethod !== undefined && patch.paymentMethod !== order.paymentMethod);
      if (paymentFieldChanged && (order.pendingOperationId || (order.paymentTag && LIVE_PAYMENT_TAGS.includes(order.paymentTag)))) {
        throw new ConflictException({
          message: `the payment of order ${orderNumber} is ${order.paymentTag}: cancel it before changing the billed amount or payment method`,
          errors: [{ field: patch.billedAmount !== undefined ? 'billedAmount' : 'paymentMethod', message: 'cannot change while authorized or in progress' }],
        });
      }
      const wf = await this.store.workflow(manager, order);
      if (patch.orderedAt !== undefined) order.orderedAt = new Date(patch.orderedAt);
      if (patch.totalAmount !== undefined) order.totalAmount = patch.totalAmount;
      if (patch.pointsUsed !== undefined) order.pointsUsed = patch.pointsUsed;
      if (patch.couponsUsed !== undefined) order.couponsUsed = patch.couponsUsed;
      if (patch.paymentMethod !== undefined && patch.paymentMethod !== order.paymentMethod) {
        order.paymentMethod = patch.paymentMethod;
        wf.paymentMethodChanged(actor);
      }
      if (patch.billedAmount !== undefined && patch.billedAmount !== order.billedAmount) {
        order.billedAmount = patch.billedAmount;
        wf.billedAmountChanged(actor);
      }
      if (patch.status !== undefined) {
        wf.setStatus(patch.status, 'edited by operator', actor);
        if (patch.status === '出荷済') wf.autoProgress('automatic progress (受注進捗遷移)');
      }
      return this.store.save(manager, order, wf, {});
    });
  }
}
