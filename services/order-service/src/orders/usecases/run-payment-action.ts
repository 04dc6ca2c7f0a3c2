import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { BulkAction } from '../../domain/types';
import { OrderEntity } from '../../database/entities/order.entity';
import { OrderStore, WriteBatch } from '../order-store';
import { AuditWriter } from '@rcp/auth';

export interface ActionResult {
  orderNumber: string;
  outcome: 'accepted' | 'skipped' | 'refused';
  reason?: string;
  operationId?: string;
  operation?: string;
  paymentTag?: string | null;
}

/** Orders per transaction of a bulk action. */
export const ACTION_CHUNK_SIZE = 50;

/**
 * A bulk payment action. Orders go in chunks of {@link ACTION_CHUNK_SIZE} per transaction: the chunk's orders are
 * locked in one statement (with the shop's settings), each order's audit row is written in the chunk's
 * transaction, and the orders' changes with their history and API log rows in one statement, their events with
 * one outbox insert. Every order keeps its own outcome. If anything fails, the chunk is rolled back as a whole and redone one order per transaction, so an
 * order is never half-written and one bad order cannot take the others' work with it.
 */
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
    const unique = [...new Set(orderNumbers)];
    for (let i = 0; i < unique.length; i += ACTION_CHUNK_SIZE) {
      const chunk = unique.slice(i, i + ACTION_CHUNK_SIZE);
      let chunkResults: ActionResult[];
      try {
        chunkResults = await this.dataSource.transaction((manager) => this.runChunk(manager, shopId, action, chunk, actor, correlationId));
      } catch (err) {
        if (chunk.length === 1) throw err;
        // one order per transaction: the others still commit; the failing one fails the call as before
        chunkResults = [];
        for (const orderNumber of chunk) {
          chunkResults.push(...(await this.dataSource.transaction((manager) => this.runChunk(manager, shopId, action, [orderNumber], actor, correlationId))));
        }
      }
      results.push(...chunkResults);
    }
    return { action, correlationId, results };
  }

  private async runChunk(manager: EntityManager, shopId: string, action: BulkAction, orderNumbers: string[], actor: string, correlationId: string): Promise<ActionResult[]> {
    const orders = await this.store.lockMany(manager, shopId, orderNumbers);
    const batch = new WriteBatch();
    const results: ActionResult[] = [];
    for (const orderNumber of orderNumbers) {
      // Audit row per order, written with the chunk's one write statement (none outside an HTTP request).
      const audit = (outcome: 'accepted' | 'refused', reason?: string, operationId?: string) => {
        const row = this.audit.currentRow({
          action: `order.${action}`,
          shopId,
          target: orderNumber,
          outcome,
          reason: reason ?? (operationId ? `operationId ${operationId}` : null),
          correlationId,
        });
        if (row) batch.auditRows.push(row);
      };
      const order: OrderEntity | undefined = orders.get(orderNumber);
      if (!order) {
        audit('refused', 'order not found');
        results.push({ orderNumber, outcome: 'refused', reason: 'order not found' });
        continue;
      }
      const wf = await this.store.workflow(manager, order); // with the settings lockMany read
      const outcome = wf.runAction(action, actor);
      if (outcome.outcome === 'accepted') {
        await this.store.save(manager, order, wf, { correlationId }, [], batch);
        audit('accepted', undefined, outcome.operationId);
        results.push({ orderNumber, outcome: 'accepted', operation: outcome.operation, operationId: outcome.operationId, paymentTag: order.paymentTag });
        continue;
      }
      audit('refused', `${outcome.outcome}: ${outcome.reason}`);
      results.push({ orderNumber, outcome: outcome.outcome, reason: outcome.reason, paymentTag: order.paymentTag });
    }
    await this.store.flush(manager, batch);
    return results;
  }
}
