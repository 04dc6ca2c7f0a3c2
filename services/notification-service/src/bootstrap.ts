import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { RabbitMqServer } from '@rcp/messaging';
import { createLogger } from '@rcp/observability';
import { redactUrl } from '@rcp/config';
import { applyHttpSecurity, applyJsonBodyParser, rejectUnsupportedMediaTypes } from '@rcp/auth';
import { NOTIFICATION_SERVICE, NotificationAppModule, NotificationOverrides } from './app.module';
import { loadNotificationEnv } from './config/env';
import { createValidationPipe } from './http/validation';
import { NOTIFICATION_CONSUMER } from './messaging-wiring';
import { migrateDatabase } from './migrate';

export interface BootstrapOptions extends NotificationOverrides {
  /** Environment to validate (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Nest logger setting; false silences Nest's own lines (tests); default pino JSON lines at `LOG_LEVEL`. */
  logger?: false | ('log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal')[];
}

/**
 * Validates the environment, creates and migrates the database, starts the consumer, the delivery worker and
 * the HTTP API. Returns the running app (call `close()` to stop gracefully).
 */
export async function bootstrap(options: BootstrapOptions = {}): Promise<INestApplication> {
  const env = loadNotificationEnv(options.env ?? process.env);
  const log = createLogger({ service: NOTIFICATION_SERVICE });
  const applied = await migrateDatabase(env.NOTIFY_DATABASE_URL);
  if (applied.length && options.logger !== false) log.info(`applied migrations: ${applied.join(', ')}`);
  const pino = options.logger === undefined;
  const app = await NestFactory.create(NotificationAppModule.forRoot(env, options), {
    ...(pino ? { bufferLogs: true } : { logger: options.logger }),
    abortOnError: false,
    bodyParser: false,
  });
  if (pino) app.useLogger(app.get(PinoLogger));
  try {
    applyHttpSecurity(app, { corsOrigins: env.CORS_ORIGINS });
    rejectUnsupportedMediaTypes(app);
    applyJsonBodyParser(app, { limit: '1mb' });
    app.useGlobalPipes(createValidationPipe());
    app.connectMicroservice({ strategy: app.get<RabbitMqServer>(NOTIFICATION_CONSUMER) });
    await app.startAllMicroservices(); // bounded by NOTIFY_BROKER_CONNECT_TIMEOUT_MS (the consumer's start timeout)
    await app.listen(env.NOTIFY_PORT, '0.0.0.0');
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  if (options.logger !== false) log.info(`listening on :${env.NOTIFY_PORT}; database ${redactUrl(env.NOTIFY_DATABASE_URL)}; broker ${redactUrl(env.RABBITMQ_URL)}`);
  return app;
}
