import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CardStatusReportV1, EventEnvelope, OrderReceivedV1, OrderShippedV1, PaymentRequestDeadLetteredV1, PaymentResultV1 } from '@rcp/contracts';
import { EVENT_INBOX, EventInbox, INBOX_CONSUMER } from './outbox.port';
import type { RabbitMqContext } from '@rcp/messaging';
import { isOwnAnnouncement } from './own-announcements';
import { ApplyPaymentResult, RESULT_SUCCESS } from '../orders/usecases/apply-payment-result';
import { CreateOrder, OrderAlreadyExistsError } from '../orders/usecases/create-order';
import { MarkOrderShipped } from '../orders/usecases/mark-order-shipped';

/** Routing keys the order-service queue binds. */
export const ORDER_SERVICE_BINDINGS = [
  'payment.*.completed',
  'payment.*.failed',
  'payment.card-status.reported',
  'payment.request.dead-lettered',
  'order.received',
  'order.shipped',
];

/** Event entry points; each runs its use case inside the inbox transaction (a redelivery has no effect). */
@Controller()
export class OrderEventsController {
  private readonly logger = new Logger(OrderEventsController.name);

  constructor(
    @Inject(EVENT_INBOX) private readonly inbox: EventInbox,
    private readonly results: ApplyPaymentResult,
    private readonly createOrder: CreateOrder,
    private readonly markShipped: MarkOrderShipped,
  ) {}

  @EventPattern('AuthCompleted') authCompleted(@Payload() e: EventEnvelope<PaymentResultV1>) {
    return this.result(e);
  }
  @EventPattern('AuthFailed') authFailed(@Payload() e: EventEnvelope<PaymentResultV1>) {
    return this.result(e);
  }
  @EventPattern('AuthCancelCompleted') authCancelCompleted(@Payload() e: EventEnvelope<PaymentResultV1>) {
    return this.result(e);
  }
  @EventPattern('AuthCancelFailed') authCancelFailed(@Payload() e: EventEnvelope<PaymentResultV1>) {
    return this.result(e);
  }
  @EventPattern('CaptureCompleted') captureCompleted(@Payload() e: EventEnvelope<PaymentResultV1>) {
    return this.result(e);
  }
  @EventPattern('CaptureFailed') captureFailed(@Payload() e: EventEnvelope<PaymentResultV1>) {
    return this.result(e);
  }
  @EventPattern('CaptureCancelCompleted') captureCancelCompleted(@Payload() e: EventEnvelope<PaymentResultV1>) {
    return this.result(e);
  }
  @EventPattern('CaptureCancelFailed') captureCancelFailed(@Payload() e: EventEnvelope<PaymentResultV1>) {
    return this.result(e);
  }

  @EventPattern('CardStatusReported')
  async cardStatus(@Payload() e: EventEnvelope<CardStatusReportV1>): Promise<void> {
    await this.inbox.process(INBOX_CONSUMER, e, (m) => this.results.cardStatus(m, e));
  }

  @EventPattern('PaymentRequestDeadLettered')
  async deadLettered(@Payload() e: EventEnvelope<PaymentRequestDeadLetteredV1>): Promise<void> {
    await this.inbox.process(INBOX_CONSUMER, e, (m) => this.results.deadLettered(m, e));
  }

  @EventPattern('OrderReceived')
  async orderReceived(@Payload() e: EventEnvelope<OrderReceivedV1>, @Ctx() ctx: Pick<RabbitMqContext, 'getMessage'>): Promise<void> {
    // This queue binds order.received and the service announces every HTTP/CSV order as OrderReceived, so each of
    // them comes back. Our own echo (recognised by its app-id, on whichever replica) is dropped without touching the
    // database: it only exists because the transaction that created the order committed (and an order deleted since
    // must not come back). External events go straight to the inbox as before: an extra step in front of them would
    // let a later duplicate overtake the first event of an order.
    if (isOwnAnnouncement(ctx)) {
      this.logger.debug(`own OrderReceived echo of ${e.shopId}/${e.data.orderNumber}; ignored`);
      return;
    }
    await this.inbox.process(INBOX_CONSUMER, e, async (m) => {
      const d = e.data;
      try {
        // An existing order is found by the insert itself (ON CONFLICT DO NOTHING): no SQL error, so the inbox
        // transaction stays usable without a savepoint.
        await this.createOrder.execute(
          m,
          e.shopId,
          {
            orderNumber: d.orderNumber,
            orderedAt: new Date(d.orderedAt),
            paymentMethod: d.paymentMethod,
            totalAmount: d.totalAmount,
            billedAmount: d.billedAmount,
            pointsUsed: d.pointsUsed,
            couponsUsed: d.couponsUsed,
          },
          'event',
          'event:OrderReceived',
          { correlationId: e.correlationId, causationId: e.id },
        );
      } catch (err) {
        if (!(err instanceof OrderAlreadyExistsError)) throw err;
        this.logger.debug(`OrderReceived for existing order ${e.shopId}/${d.orderNumber}; ignored`);
      }
    });
  }

  @EventPattern('OrderShipped')
  async orderShipped(@Payload() e: EventEnvelope<OrderShippedV1>): Promise<void> {
    await this.inbox.process(INBOX_CONSUMER, e, (m) => this.markShipped.execute(m, e));
  }

  private async result(e: EventEnvelope<PaymentResultV1>): Promise<void> {
    if (!(e.type in RESULT_SUCCESS)) return;
    await this.inbox.process(INBOX_CONSUMER, e, async (m) => {
      await this.results.result(m, e);
    });
  }
}
