import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EventPublisher, MessagingModule, currentMessageContext } from '@rcp/messaging';
import { HealthModule, Metrics, ObservabilityModule, brokerCheck, databaseCheck, loggerModule, messagingObserver } from '@rcp/observability';
import { AuthModule } from '@rcp/auth';
import { ORDER_ENV, OrderEnv } from './config/env';
import { CLOCK, Clock } from './common/clock';
import { orderDataSourceOptions } from './database/data-source';
import { ShopSettingsModule } from './shops/shop-settings.module';
import { OperationsModule } from './operations/operations.module';
import { OrdersController } from './orders/orders.controller';
import { OrderStore } from './orders/order-store';
import { OrderQueries } from './orders/order-queries';
import { CreateOrder } from './orders/usecases/create-order';
import { RunPaymentAction } from './orders/usecases/run-payment-action';
import { ApplyPaymentResult } from './orders/usecases/apply-payment-result';
import { MarkOrderShipped } from './orders/usecases/mark-order-shipped';
import { EditOrder } from './orders/usecases/edit-order';
import { DeleteOrder } from './orders/usecases/delete-order';
import { CSV_MAPPING, ImportOrders } from './import/import-orders';
import { parseCsvMapping } from './import/csv-orders';
import { OrderEventsController } from './events/order-events.controller';
import { GroupOrderLocks } from './events/group-order-locks';
import { MESSAGING_PORT_PROVIDERS } from './events/messaging-adapter';
import { PaymentWatchService } from './jobs/payment-watch.service';
import { ApiKeysController } from './access/api-keys.controller';
import { ApiKeysService } from './access/api-keys.service';
import { ORDER_SERVICE } from './service-name';

/** Shared providers every module of this service can inject (env, clock). */
@Module({})
export class CoreModule {
  static forRoot(env: OrderEnv, clock: Clock): DynamicModule {
    return {
      module: CoreModule,
      global: true,
      providers: [
        { provide: ORDER_ENV, useValue: env },
        { provide: CLOCK, useValue: clock },
      ],
      exports: [ORDER_ENV, CLOCK],
    };
  }
}

@Module({})
export class OrderServiceModule {
  static forRoot(env: OrderEnv, clock: Clock): DynamicModule {
    // One registry per app (this module is built once per app): the messaging observer needs it before DI exists.
    const metrics = new Metrics(ORDER_SERVICE);
    return {
      module: OrderServiceModule,
      imports: [
        CoreModule.forRoot(env, clock),
        ObservabilityModule.forRoot({ service: ORDER_SERVICE, instance: metrics }),
        loggerModule({ service: ORDER_SERVICE, level: env.LOG_LEVEL, messageContext: currentMessageContext }),
        TypeOrmModule.forRoot(orderDataSourceOptions(env.ORDER_DATABASE_URL, env.ORDER_DB_PREPARED_STATEMENTS)),
        MessagingModule.forRoot({
          url: env.RABBITMQ_URL,
          exchange: env.EXCHANGE,
          namePrefix: env.MESSAGING_NAME_PREFIX || undefined,
          appId: ORDER_SERVICE, // its own OrderReceived echoes are recognised by it (isOwnAnnouncement)
          outbox: { enabled: true, pollIntervalMs: env.OUTBOX_POLL_INTERVAL_MS },
          inbox: env.ORDER_INBOX_GROUP_MAX > 1 ? { groupCommit: { maxMessages: env.ORDER_INBOX_GROUP_MAX } } : undefined,
          observer: messagingObserver(metrics, { queue: env.ORDER_QUEUE }),
        }),
        // GET /health/live, /health/ready (database and broker), public
        HealthModule.forRootAsync({
          inject: [DataSource, EventPublisher],
          useFactory: (ds: DataSource, publisher: EventPublisher) => ({ checks: [databaseCheck(ds), brokerCheck(() => publisher.isConnected())] }),
        }),
        AuthModule.forRoot({
          service: 'order-service',
          bootstrapKey: env.RCP_BOOTSTRAP_ADMIN_KEY,
          rateLimit: { limit: env.RATE_LIMIT_MAX, ttlMs: env.RATE_LIMIT_WINDOW_MS },
          cacheTtlMs: env.API_KEY_CACHE_TTL_MS,
          now: () => clock.now(),
        }),
        ShopSettingsModule,
        OperationsModule,
      ],
      controllers: [OrdersController, OrderEventsController, ApiKeysController],
      providers: [
        ...MESSAGING_PORT_PROVIDERS,
        { provide: CSV_MAPPING, useValue: parseCsvMapping(env.CSV_HEADER_MAPPING) },
        OrderStore,
        GroupOrderLocks,
        OrderQueries,
        CreateOrder,
        RunPaymentAction,
        ApplyPaymentResult,
        MarkOrderShipped,
        EditOrder,
        DeleteOrder,
        ImportOrders,
        PaymentWatchService,
        ApiKeysService,
      ],
    };
  }
}
