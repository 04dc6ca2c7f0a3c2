import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { RabbitMqServer, currentMessageContext } from '@rcp/messaging';
import { Metrics, createLogger, messagingObserver } from '@rcp/observability';
import { loadGatewayConfig, type GatewayConfig } from './config/gateway-config';
import { GATEWAY_QUEUE, GATEWAY_SERVICE, GatewayModule, type GatewayOverrides } from './gateway.module';
import { migrate } from './migrate';
import { ACCESS_ROUTING_KEYS, applyHttpSecurity } from '@rcp/auth';
import { GATEWAY_SHOP_BINDINGS } from './messaging/shop-events.controller';

export interface RunningGateway {
  app: INestApplication;
  config: GatewayConfig;
  url: string;
  /** Stops consuming (in-flight handlers finish), flushes batches and the outbox, then closes everything. */
  close(): Promise<void>;
}

/** Boots the gateway: database + migrations, HTTP (health, metrics, admin) and the request consumer. */
export async function bootstrapGateway(env: NodeJS.ProcessEnv = process.env, overrides: GatewayOverrides = {}): Promise<RunningGateway> {
  const config = loadGatewayConfig(env);
  await migrate(config.databaseUrl);
  const app = await NestFactory.create(GatewayModule.forRoot(config, overrides), { bufferLogs: true });
  app.useLogger(app.get(Logger)); // JSON lines (service, messageId/correlationId, redaction) — see @rcp/observability
  applyHttpSecurity(app, { corsOrigins: config.auth.corsOrigins });
  const server = new RabbitMqServer({
    url: config.rabbitUrl,
    exchange: config.exchange,
    namePrefix: config.namePrefix,
    queue: GATEWAY_QUEUE,
    bindings: ['payment.*.requested', ...GATEWAY_SHOP_BINDINGS, ...ACCESS_ROUTING_KEYS],
    prefetch: config.prefetch,
    retryDelaysMs: config.retry.delaysMs,
    maxAttempts: config.retry.maxAttempts,
    connectionName: 'payment-gateway:consumer',
    observer: messagingObserver(app.get(Metrics), { queue: GATEWAY_QUEUE }),
  });
  app.connectMicroservice({ strategy: server });
  await app.startAllMicroservices();
  await app.listen(config.port, '0.0.0.0');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  let closing: Promise<void> | undefined;
  return {
    app,
    config,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      (closing ??= (async () => {
        await server.close();
        await app.close();
      })()),
  };
}

/** Process-level logger (startup, shutdown) with the same JSON format as the app's. */
export const gatewayLogger = createLogger({ service: GATEWAY_SERVICE, messageContext: currentMessageContext });
