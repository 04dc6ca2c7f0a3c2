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

/** Flow metadata for events caused by one command or message. */
export interface FlowMeta {
  correlationId?: string;
  causationId?: string | null;
}

/** Loads orders under a row lock and persists a workflow's effects (history, API log, outbox) in the same transaction. */
@Injectable()
export class OrderStore {
  constructor(
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly settings: ShopSettingsService,
  ) {}

  now(): Date {
    return this.clock.now();
  }

  lock(manager: EntityManager, shopId: string, orderNumber: string): Promise<OrderEntity | null> {
    return manager
      .createQueryBuilder(OrderEntity, 'o')
      .setLock('pessimistic_write')
      .where('o.shop_id = :shopId AND o.order_number = :orderNumber AND o.deleted_at IS NULL', { shopId, orderNumber })
      .getOne();
  }

  async workflow(manager: EntityManager, order: OrderEntity, settings?: PaymentSettings): Promise<PaymentWorkflow> {
    return new PaymentWorkflow(order, settings ?? (await this.settings.get(order.shopId, manager)), this.now(), randomUUID);
  }

  /** Saves the order and everything the workflow produced; events go to the outbox in this transaction. */
  async save(manager: EntityManager, order: OrderEntity, wf: PaymentWorkflow, meta: FlowMeta, extra: EventEnvelope[] = []): Promise<OrderEntity> {
    const now = this.now();
    const saved = await manager.save(OrderEntity, order);
    const envelopes: EventEnvelope[] = [];
    const envMeta = { shopId: order.shopId, correlationId: meta.correlationId ?? randomUUID(), causationId: meta.causationId ?? null, occurredAt: now };
    for (const change of wf.tagChanges) {
      await manager.insert(PaymentTagHistoryEntity, {
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
      await manager.insert(OrderStatusHistoryEntity, {
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
      await manager.insert(ApiLogEntity, {
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
    if (envelopes.length > 0) await this.outbox.add(manager, envelopes);
    return saved;
  }
}
