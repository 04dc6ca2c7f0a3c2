import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EventEnvelope } from '@rcp/contracts';
import { CLOCK, Clock } from '../clock';
import { NotificationEnv } from '../config/env';
import { NOTIFICATION_ENV } from '../config/tokens';
import { RecordOutcome, recordNotifications } from '../usecases/record-notifications';
import { CONSUMER_NAME, HANDLED_EVENT_TYPES } from './handled-events';
import { INBOX, Inbox } from './inbox.port';

@Controller()
export class NotificationConsumer {
  private readonly log = new Logger(NotificationConsumer.name);

  constructor(
    @Inject(INBOX) private readonly inbox: Inbox,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(NOTIFICATION_ENV) private readonly env: NotificationEnv,
  ) {}

  @EventPattern([...HANDLED_EVENT_TYPES])
  async handle(@Payload() event: EventEnvelope): Promise<void> {
    let outcome: RecordOutcome | undefined;
    await this.inbox.process(CONSUMER_NAME, event, async (manager) => {
      outcome = await recordNotifications(manager, event, {
        now: this.clock.now(),
        defaultDedupWindowSeconds: this.env.NOTIFY_DEDUP_WINDOW_SECONDS,
      });
    });
    if (outcome) {
      this.log.log(
        `${event.type} ${event.id} (shop ${event.shopId}): ${outcome.rulesMatched} rule(s), ` +
          `${outcome.suppressedRules} suppressed as repeats, ${outcome.deliveryIds.length} delivery(ies) queued`,
      );
    }
  }
}
