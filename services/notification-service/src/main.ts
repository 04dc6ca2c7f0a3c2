import 'reflect-metadata';
import { bootstrap } from './bootstrap';
import { loadNotificationEnv } from './config/env';

async function main(): Promise<void> {
  const { NOTIFY_SHUTDOWN_TIMEOUT_MS } = loadNotificationEnv();
  const app = await bootstrap();
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`notification-service: ${signal} received, stopping (consumer, delivery worker, HTTP)`);
    const force = setTimeout(() => {
      console.error('notification-service: graceful shutdown timed out');
      process.exit(1);
    }, NOTIFY_SHUTDOWN_TIMEOUT_MS + 5000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`notification-service: shutdown failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  console.error(`notification-service failed to start: ${(err as Error).message}`);
  process.exit(1);
});
