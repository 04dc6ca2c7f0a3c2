import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { raw } from 'express';
import { Logger as PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { RabbitMqServer } from '@rcp/messaging';
import { Metrics, createLogger, messagingObserver } from '@rcp/observability';
import { applyHttpSecurity, applyJsonBodyParser, rejectUnsupportedMediaTypes } from '@rcp/auth';
import { ensureDatabase, runMigrationsLocked } from '@rcp/database';
import { OrderEnv } from './config/env';
import { Clock, systemClock } from './common/clock';
import { createValidationPipe, ErrorFilter } from './common/errors';
import { ORDER_MIGRATION_LOCK_KEY, orderDataSourceOptions } from './database/data-source';
import { OrderServiceModule } from './app.module';
import { ORDER_SERVICE } from './service-name';
import { ORDER_SERVICE_BINDINGS } from './events/order-events.controller';
import { SHOP_EVENT_BINDINGS } from './shops/shop-events.controller';
import { ApiKeysService } from './access/api-keys.service';

export interface OrderServiceOptions {
  /** Injectable clock (tests move time). */
  clock?: Clock;
  /** Nest logger setting (tests: `false`); default pino JSON lines at the env's `LOG_LEVEL`. */
  logger?: false | ('log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal')[];
}

/** Creates the database if needed and runs pending migrations under an advisory lock. */
export async function migrateOrderDatabase(url: string): Promise<string[]> {
  await ensureDatabase(url);
  const ds = new DataSource(orderDataSourceOptions(url));
  await ds.initialize();
  try {
    return await runMigrationsLocked(ds, ORDER_MIGRATION_LOCK_KEY);
  } finally {
    await ds.destroy();
  }
}

/**
 * Builds the order-service app: migrations, HTTP (validation, one error format, body limits, OpenAPI at
 * /docs) and the RabbitMQ consumer (queue `order-service`). The app is initialised; call `listen` to serve.
 */
export async function createOrderServiceApp(env: OrderEnv, options: OrderServiceOptions = {}): Promise<INestApplication> {
  const applied = await migrateOrderDatabase(env.ORDER_DATABASE_URL);
  if (applied.length && options.logger !== false) createLogger({ service: ORDER_SERVICE, level: env.LOG_LEVEL }).info(`applied migrations: ${applied.join(', ')}`);
  // Default: every Nest log line through pino (JSON, service, correlation/message ids, redaction; @rcp/observability).
  const pino = options.logger === undefined;
  const app = await NestFactory.create<NestExpressApplication>(OrderServiceModule.forRoot(env, options.clock ?? systemClock), {
    bodyParser: false,
    ...(pino ? { bufferLogs: true } : { logger: options.logger }),
  });
  if (pino) app.useLogger(app.get(PinoLogger));
  applyHttpSecurity(app, { corsOrigins: env.CORS_ORIGINS });
  rejectUnsupportedMediaTypes(app, [
    { path: /^\/shops\/[^/]+\/orders\/import$/, types: ['text/csv', 'text/plain', 'application/octet-stream', 'multipart/form-data'] },
  ]);
  applyJsonBodyParser(app, { limit: env.JSON_BODY_LIMIT });
  app.use(raw({ type: ['text/csv', 'text/plain', 'application/octet-stream'], limit: env.CSV_BODY_LIMIT }));
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ErrorFilter());
  app.enableShutdownHooks();
  const doc = new DocumentBuilder()
    .setTitle('order-service')
    .setDescription('Orders, payment tags and bulk card-payment actions (Rakuten card API through events)')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'operator API key rcp_<keyId>_<secret>' })
    .addSecurityRequirements('bearer')
    .build();
  SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, doc));
  app.connectMicroservice(
    {
      strategy: new RabbitMqServer({
        url: env.RABBITMQ_URL,
        exchange: env.EXCHANGE,
        namePrefix: env.MESSAGING_NAME_PREFIX || undefined,
        queue: env.ORDER_QUEUE,
        bindings: [...ORDER_SERVICE_BINDINGS, ...SHOP_EVENT_BINDINGS],
        prefetch: env.ORDER_PREFETCH,
        observer: messagingObserver(app.get(Metrics), { queue: env.ORDER_QUEUE }),
      }),
    },
    { inheritAppConfig: false },
  );
  await app.startAllMicroservices();
  await app.init();
  await app.get(ApiKeysService).ensureBootstrapAdmin(env.RCP_BOOTSTRAP_ADMIN_KEY);
  return app;
}
