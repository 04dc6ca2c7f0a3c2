import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OrderStore } from '../order-store';

const DELETABLE_TAGS = [null, '未オーソリ', 'オーソリエラー', 'オーソリ不要'];

/**
 * Deletes an order so it can be imported again (e.g. after the buyer changed the payment method).
 * The row is kept (soft delete) with its history; only orders without a live payment can be deleted.
 */
@Injectable()
export class DeleteOrder {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: OrderStore,
  ) {}

  execute(shopId: string, orderNumber: string): Promise<void> {
    return this.dataSource.transaction(async (manager) => {
      const order = await this.store.lock(manager, shopId, orderNumber);
      if (!order) throw new NotFoundException(`order ${orderNumber} not found in shop ${shopId}`);
      if (order.pendingOperationId || !DELETABLE_TAGS.includes(order.paymentTag)) {
        throw new ConflictException(
          `order ${orderNumber} cannot be deleted while its payment is ${order.paymentTag}${order.pendingOperation ? ` (${order.pendingOperation} in progress)` : ''}: cancel it first`,
        );
      }
      await manager.update('orders', { id: order.id }, { deletedAt: this.store.now() });
    });
  }
}
