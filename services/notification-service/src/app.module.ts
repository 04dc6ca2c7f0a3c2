import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '@rcp/auth';
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
import { HealthController } from './health/health.controller';
import { RulesController } from './rules/rules.controller';
import { RulesService } from './rules/rules.service';
import { MessagingWiring } from './messaging-wiring';

export interface NotificationOverrides {
  clock?: Clock;
  mailSender?: MailSender;
  webhookSender?: WebhookSender;
}

@Module({})
export class NotificationAppModule {
  static forRoot(env: NotificationEnv, overrides: NotificationOverrides = {}): DynamicModule {
    return {
      module: NotificationAppModule,
      imports: [
        TypeOrmModule.forRoot(dataSourceOptions(env.NOTIFY_DATABASE_URL)),
        TerminusModule,
        AuthModule.forRoot({
          service: 'notification-service',
          bootstrapKey: env.RCP_BOOTSTRAP_ADMIN_KEY,
          rateLimit: { limit: env.RATE_LIMIT_MAX, ttlMs: env.RATE_LIMIT_WINDOW_MS },
          cacheTtlMs: env.API_KEY_CACHE_TTL_MS,
          replicateKeys: true,
          now: () => (overrides.clock ?? systemClock).now(),
        }),
      ],
      controllers: [HealthController, RulesController, DeliveriesController, NotificationConsumer],
      providers: [
        { provide: NOTIFICATION_ENV, useValue: env },
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
