import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ConnectionCheckCompleted, ConnectionCheckCompletedV1, EventEnvelope } from '@rcp/contracts';
import { EVENT_INBOX, EventInbox, INBOX_CONSUMER } from '../events/outbox.port';
import { ConnectionCheckService } from './connection-check.service';

/** Routing keys of shop events the order-service queue binds (in addition to ORDER_SERVICE_BINDINGS). */
export const SHOP_EVENT_BINDINGS = [ConnectionCheckCompleted.routingKey];

@Controller()
export class ShopEventsController {
  constructor(
    @Inject(EVENT_INBOX) private readonly inbox: EventInbox,
    private readonly checks: ConnectionCheckService,
  ) {}

  @EventPattern('ConnectionCheckCompleted')
  async connectionCheckCompleted(@Payload() e: EventEnvelope<ConnectionCheckCompletedV1>): Promise<void> {
    await this.inbox.process(INBOX_CONSUMER, e, async (m) => {
      await this.checks.complete(m, e);
    });
  }
}
