import './tracing'; // MUST stay the first import: instrumentation only patches modules loaded after it
import 'reflect-metadata';
import { bootstrapGateway, gatewayLogger } from './bootstrap';

async function main(): Promise<void> {
  const gateway = await bootstrapGateway();
  gatewayLogger.info(`payment-gateway listening on ${gateway.url} (health, metrics, admin)`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    gatewayLogger.info(`${signal}: shutting down gracefully`);
    gateway
      .close()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        gatewayLogger.error(`shutdown failed: ${(err as Error).message}`);
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  gatewayLogger.error(`payment-gateway failed to start: ${(err as Error).message}`);
  process.exit(1);
});
