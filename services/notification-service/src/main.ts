import './tracing'; // MUST stay the first import: instrumentation only patches modules loaded after it
import 'reflect-metadata';
import { createLogger } from '@rcp/observability';
import { bootstrap } from './bootstrap';
import { loadNotificationEnv } from './config/env';

const log = createLogger({ service: 'notification-service' });

async function main(): Promise<void> {
  const { NOTIFY_SHUTDOWN_TIMEOUT_MS } = loadNotificationEnv();
  const app = await bootstrap();
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received, stopping (consumer, delivery worker, HTTP)`);
    const force = setTimeout(() => {
      log.error('graceful shutdown timed out');
      process.exit(1);
    }, NOTIFY_SHUTDOWN_TIMEOUT_MS + 5000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error(`shutdown failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  log.fatal(`notification-service failed to start: ${(err as Error).message}`);
  process.exit(1);
});
