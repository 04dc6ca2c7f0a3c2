import 'reflect-metadata';
import { bootstrap } from './bootstrap';

bootstrap().catch((err: unknown) => {
  console.error(`notification-service failed to start: ${(err as Error).message}`);
  process.exit(1);
});
