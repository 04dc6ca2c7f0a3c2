import type { INestApplication } from '@nestjs/common';
import helmet from 'helmet';

/**
 * Security headers (helmet 8 defaults: CSP, HSTS, nosniff, frame-ancestors none, no x-powered-by…) and CORS, closed
 * unless `corsOrigins` lists origins. Call before `app.init()` / `listen()`.
 */
export function applyHttpSecurity(app: INestApplication, options: { corsOrigins: string[] }): void {
  app.use(helmet());
  const server = app.getHttpAdapter().getInstance() as { disable?: (name: string) => void };
  server.disable?.('x-powered-by');
  if (options.corsOrigins.length) {
    app.enableCors({
      origin: options.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'x-api-key', 'content-type', 'x-actor', 'x-correlation-id'],
      credentials: false,
      maxAge: 600,
    });
  }
}
