import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventEnvelope, OrderShippedV1 } from '@rcp/contracts';
import { OrderStore } from '../order-store';

/** OrderShipped from a warehouse: 出荷済, then auto-capture where the shop enables it. */
@Injectable()
export class MarkOrderShipped {
  private readonly logger = new Logger(MarkOrderShipped.name);

  constructor(private readonly store: OrderStore) {}

  async execute(manager: EntityManager, envelope: EventEnvelope<OrderShippedV1>): Promise<void> {
    const order = await this.store.lock(manager, envelope.shopId, envelope.data.orderNumber);
    if (!order) {
      this.logger.warn(`OrderShipped for unknown order ${envelope.shopId}/${envelope.data.orderNumber}; ignored`);
      return;
    }
    const wf = await this.store.workflow(manager, order);
    const capture = wf.markShipped(new Date(envelope.data.shippedAt), 'warehouse');
    if (capture && capture.outcome !== 'accepted') {
      order.lastError = { operation: 'capture', errorCode: null, message: `auto-capture ${capture.outcome}: ${capture.reason}`, at: this.store.now().toISOString() };
    }
    await this.store.save(manager, order, wf, { correlationId: envelope.correlationId, causationId: envelope.id });
  }
}
