import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { EventEnvelope } from '@rcp/contracts';
import { HEADERS, RabbitMqContext, parkingLotName, stringHeader } from '@rcp/messaging';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { CardStatusReporter } from '../operations/card-status';
import type { AsyncKind } from '../operations/operation-kinds';
import { RequestIntake, type PaymentRequestData } from '../operations/request-intake';

/** Consumes the five payment request events (validated against their contracts by the transport). */
@Controller()
export class PaymentRequestController {
  constructor(
    private readonly intake: RequestIntake,
    private readonly cardStatus: CardStatusReporter,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @EventPattern('AuthRequested')
  auth(@Payload() e: EventEnvelope<PaymentRequestData>, @Ctx() ctx: RabbitMqContext) {
    return this.accept(e, 'auth', ctx);
  }

  @EventPattern('AuthCancelRequested')
  authCancel(@Payload() e: EventEnvelope<PaymentRequestData>, @Ctx() ctx: RabbitMqContext) {
    return this.accept(e, 'auth-cancel', ctx);
  }

  @EventPattern('CaptureRequested')
  capture(@Payload() e: EventEnvelope<PaymentRequestData>, @Ctx() ctx: RabbitMqContext) {
    return this.accept(e, 'capture', ctx);
  }

  @EventPattern('CaptureCancelRequested')
  captureCancel(@Payload() e: EventEnvelope<PaymentRequestData>, @Ctx() ctx: RabbitMqContext) {
    return this.accept(e, 'capture-cancel', ctx);
  }

  @EventPattern('CardStatusRequested')
  status(@Payload() e: EventEnvelope<PaymentRequestData>) {
    return this.cardStatus.handle(e);
  }

  private accept(e: EventEnvelope<PaymentRequestData>, kind: AsyncKind, ctx: RabbitMqContext) {
    const headers = ctx.getMessage().properties.headers as Record<string, unknown> | undefined;
    return this.intake.handle(e, kind, {
      attempt: ctx.getAttempt(),
      maxAttempts: this.config.retry.maxAttempts,
      replayed: stringHeader(headers, HEADERS.replayedAt) !== undefined,
      parkingLot: parkingLotName(ctx.getQueue()),
    });
  }
}
