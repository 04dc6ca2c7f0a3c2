import { Logger } from '@nestjs/common';
import { redactUrl } from '@rcp/config';
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
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
