import { Logger } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RabbitMqServer } from '@rcp/messaging';
import { loadGatewayConfig, type GatewayConfig } from './config/gateway-config';
import { GatewayModule, type GatewayOverrides } from './gateway.module';
import { GatewayMetrics } from './http/metrics';
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
  const app = await NestFactory.create(GatewayModule.forRoot(config, overrides), { logger: loggerLevels(config.logLevel) });
  applyHttpSecurity(app, { corsOrigins: config.auth.corsOrigins });
  const metrics = app.get(GatewayMetrics);
  const server = new RabbitMqServer({
    url: config.rabbitUrl,
    exchange: config.exchange,
    namePrefix: config.namePrefix,
    queue: 'payment-gateway',
    bindings: ['payment.*.requested', ...GATEWAY_SHOP_BINDINGS, ...ACCESS_ROUTING_KEYS],
    prefetch: config.prefetch,
    retryDelaysMs: config.retry.delaysMs,
    maxAttempts: config.retry.maxAttempts,
    connectionName: 'payment-gateway:consumer',
    observer: metrics.observer(),
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

function loggerLevels(level: GatewayConfig['logLevel']) {
  const order = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
  const map: Record<GatewayConfig['logLevel'], number> = { fatal: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5, silent: -1 };
  return order.slice(0, map[level] + 1) as ('fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose')[];
}

export const gatewayLogger = new Logger('payment-gateway');
