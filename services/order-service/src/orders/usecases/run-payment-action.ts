import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { BulkAction } from '../../domain/types';
import { OrderStore } from '../order-store';
import { AuditWriter } from '@rcp/auth';

export interface ActionResult {
  orderNumber: string;
  outcome: 'accepted' | 'skipped' | 'refused';
  reason?: string;
  operationId?: string;
  operation?: string;
  paymentTag?: string | null;
}

/** A bulk payment action: one transaction per order (tag change + request event in the outbox together). */
@Injectable()
export class RunPaymentAction {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: OrderStore,
    private readonly audit: AuditWriter,
  ) {}

  async execute(shopId: string, action: BulkAction, orderNumbers: string[], actor: string): Promise<{ action: BulkAction; correlationId: string; results: ActionResult[] }> {
    const correlationId = randomUUID();
    const results: ActionResult[] = [];
    for (const orderNumber of [...new Set(orderNumbers)]) {
      results.push(
        await this.dataSource.transaction(async (manager) => {
          // Audit row per order, in the order's transaction (a no-op outside an HTTP request).
          const audit = (outcome: 'accepted' | 'refused', reason?: string, operationId?: string) =>
            this.audit.recordCurrent(manager, {
              action: `order.${action}`,
              shopId,
              target: orderNumber,
              outcome,
              reason: reason ?? (operationId ? `operationId ${operationId}` : null),
              correlationId,
            });
          const order = await this.store.lock(manager, shopId, orderNumber);
          if (!order) {
            await audit('refused', 'order not found');
            return { orderNumber, outcome: 'refused' as const, reason: 'order not found' };
          }
          const wf = await this.store.workflow(manager, order);
          const outcome = wf.runAction(action, actor);
          if (outcome.outcome === 'accepted') {
            await this.store.save(manager, order, wf, { correlationId });
            await audit('accepted', undefined, outcome.operationId);
            return { orderNumber, outcome: 'accepted' as const, operation: outcome.operation, operationId: outcome.operationId, paymentTag: order.paymentTag };
          }
          await audit('refused', `${outcome.outcome}: ${outcome.reason}`);
          return { orderNumber, outcome: outcome.outcome, reason: outcome.reason, paymentTag: order.paymentTag };
        }),
      );
    }
    return { action, correlationId, results };
  }
}
