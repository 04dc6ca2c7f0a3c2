import './tracing'; // MUST stay the first import: instrumentation only patches modules loaded after it
import { Logger } from '@nestjs/common';
import { redactUrl } from '@rcp/config';
import { createLogger } from '@rcp/observability';
import { parseOrderEnv } from './config/env';
import { createOrderServiceApp } from './app';

async function main(): Promise<void> {
  const env = parseOrderEnv();
  const app = await createOrderServiceApp(env);
  await app.listen(env.ORDER_PORT);
  new Logger('order-service').log(
    `listening on :${env.ORDER_PORT} (database ${redactUrl(env.ORDER_DATABASE_URL)}, broker ${redactUrl(env.RABBITMQ_URL)}, exchange ${env.EXCHANGE})`,
  );
}

main().catch((err) => {
  createLogger({ service: 'order-service' }).fatal(`order-service failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
