import { Provider } from '@nestjs/common';
import { InboxService, RabbitMqServer, type MessagingObserver } from '@rcp/messaging';
import { ACCESS_ROUTING_KEYS } from '@rcp/auth';
import { DataSource } from 'typeorm';
import { NotificationEnv } from './config/env';
import { CONSUMER_NAME, HANDLED_ROUTING_KEYS } from './events/handled-events';
import { INBOX } from './events/inbox.port';

/** DI token of this app's {@link RabbitMqServer} (built with the module; `bootstrap` connects it). */
export const NOTIFICATION_CONSUMER = Symbol('NOTIFICATION_CONSUMER');

/** Everything this service takes from @rcp/messaging, in one place. It consumes only (publishes nothing). */
export const MessagingWiring = {
  providers: [{ provide: INBOX, useFactory: (dataSource: DataSource) => new InboxService(dataSource), inject: [DataSource] }] as Provider[],
  consumer(env: NotificationEnv, observer?: MessagingObserver): RabbitMqServer {
    return new RabbitMqServer({
      url: env.RABBITMQ_URL,
      exchange: env.EXCHANGE,
      namePrefix: env.MESSAGING_NAME_PREFIX || undefined,
      queue: CONSUMER_NAME,
      bindings: [...HANDLED_ROUTING_KEYS, ...ACCESS_ROUTING_KEYS],
      prefetch: env.NOTIFY_CONSUMER_PREFETCH,
      retryDelaysMs: env.NOTIFY_CONSUMER_RETRY_DELAYS_MS,
      maxAttempts: env.NOTIFY_CONSUMER_MAX_ATTEMPTS,
      closeTimeoutMs: env.NOTIFY_SHUTDOWN_TIMEOUT_MS,
      connectionName: 'consumer:notification-service',
      startTimeoutMs: env.NOTIFY_BROKER_CONNECT_TIMEOUT_MS,
      observer,
    });
  },
};
