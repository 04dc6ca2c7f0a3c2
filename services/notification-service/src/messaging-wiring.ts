import { DynamicModule, Provider } from '@nestjs/common';
import { InboxService, MessagingModule, RabbitMqServer } from '@rcp/messaging';
import { NotificationEnv } from './config/env';
import { CONSUMER_NAME, HANDLED_ROUTING_KEYS } from './events/handled-events';
import { INBOX } from './events/inbox.port';

/** Everything this service takes from @rcp/messaging, in one place. */
export const MessagingWiring = {
  imports(env: NotificationEnv): DynamicModule[] {
    return [
      MessagingModule.forRoot({
        url: env.RABBITMQ_URL,
        exchange: env.RABBITMQ_EXCHANGE,
        namePrefix: env.NOTIFY_NAME_PREFIX || undefined,
        outbox: { enabled: false },
      }),
    ];
  },
  providers: [{ provide: INBOX, useExisting: InboxService }] as Provider[],
  consumer(env: NotificationEnv): RabbitMqServer {
    return new RabbitMqServer({
      url: env.RABBITMQ_URL,
      exchange: env.RABBITMQ_EXCHANGE,
      namePrefix: env.NOTIFY_NAME_PREFIX || undefined,
      queue: CONSUMER_NAME,
      bindings: [...HANDLED_ROUTING_KEYS],
      prefetch: env.NOTIFY_CONSUMER_PREFETCH,
      retryDelaysMs: env.NOTIFY_CONSUMER_RETRY_DELAYS_MS,
      maxAttempts: env.NOTIFY_CONSUMER_MAX_ATTEMPTS,
      closeTimeoutMs: env.NOTIFY_SHUTDOWN_TIMEOUT_MS,
    });
  },
};
