import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '@rcp/auth';
import { currentMessageContext } from '@rcp/messaging';
import { HealthModule, Metrics, ObservabilityModule, brokerCheck, databaseCheck, loggerModule, messagingObserver } from '@rcp/observability';
import { DataSource } from 'typeorm';
import { CLOCK, Clock, systemClock } from './clock';
import { NotificationEnv } from './config/env';
import { NOTIFICATION_ENV } from './config/tokens';
import { dataSourceOptions } from './data-source';
import { DeliveriesController } from './deliveries/deliveries.controller';
import { DeliveriesService } from './deliveries/deliveries.service';
import { DeliveryWorker } from './delivery/delivery-worker';
import { MAIL_SENDER, MailSender, SmtpMailSender } from './delivery/mail-sender';
import { UndiciWebhookSender, WEBHOOK_SENDER, WebhookSender } from './delivery/webhook-sender';
import { NotificationConsumer } from './events/notification.consumer';
import { RulesController } from './rules/rules.controller';
import { RulesService } from './rules/rules.service';
import { MessagingWiring, NOTIFICATION_CONSUMER } from './messaging-wiring';
import { CONSUMER_NAME } from './events/handled-events';

/** `service` of logs and metrics. */
export const NOTIFICATION_SERVICE = 'notification-service';

export interface NotificationOverrides {
  clock?: Clock;
  mailSender?: MailSender;
  webhookSender?: WebhookSender;
}

@Module({})
export class NotificationAppModule {
  static forRoot(env: NotificationEnv, overrides: NotificationOverrides = {}): DynamicModule {
    // One registry and one consumer per app (this module is built once per app); bootstrap connects the consumer.
    const metrics = new Metrics(NOTIFICATION_SERVICE);
    const consumer = MessagingWiring.consumer(env, messagingObserver(metrics, { queue: CONSUMER_NAME }));
    return {
      module: NotificationAppModule,
      imports: [
        ObservabilityModule.forRoot({ service: NOTIFICATION_SERVICE, instance: metrics }),
        loggerModule({ service: NOTIFICATION_SERVICE, messageContext: currentMessageContext }), // level: LOG_LEVEL (default info)
        TypeOrmModule.forRoot(dataSourceOptions(env.NOTIFY_DATABASE_URL, env.NOTIFY_DB_PREPARED_STATEMENTS)),
        // GET /health/live, /health/ready (PostgreSQL and the consumer's broker connection), public
        HealthModule.forRootAsync({
          inject: [DataSource],
          useFactory: (ds: DataSource) => ({ checks: [databaseCheck(ds), brokerCheck(() => consumer.isConnected())] }),
        }),
        AuthModule.forRoot({
          service: 'notification-service',
          bootstrapKey: env.RCP_BOOTSTRAP_ADMIN_KEY,
          rateLimit: { limit: env.RATE_LIMIT_MAX, ttlMs: env.RATE_LIMIT_WINDOW_MS },
          cacheTtlMs: env.API_KEY_CACHE_TTL_MS,
          replicateKeys: true,
          now: () => (overrides.clock ?? systemClock).now(),
        }),
      ],
      controllers: [RulesController, DeliveriesController, NotificationConsumer],
      providers: [
        { provide: NOTIFICATION_ENV, useValue: env },
        { provide: NOTIFICATION_CONSUMER, useValue: consumer },
        { provide: CLOCK, useValue: overrides.clock ?? systemClock },
        {
          provide: MAIL_SENDER,
          useFactory: () => overrides.mailSender ?? new SmtpMailSender(env.SMTP_URL, env.MAIL_FROM, env.NOTIFY_SMTP_TIMEOUT_MS),
        },
        { provide: WEBHOOK_SENDER, useFactory: () => overrides.webhookSender ?? new UndiciWebhookSender(env.NOTIFY_WEBHOOK_TIMEOUT_MS) },
        ...MessagingWiring.providers,
        RulesService,
        DeliveriesService,
        DeliveryWorker,
      ],
    };
  }
}
