import type { INestApplication } from '@nestjs/common';

/** One HTTP route of a running Nest (Express) app. */
export interface HttpRoute {
  method: string;
  path: string;
}

const CATCH_ALL_PATHS = new Set(['*', '/*', '{*path}', '/{*path}', '/(.*)', '/*path']);

/**
 * Every route registered on a running app's Express router (controllers, Swagger, anything else), so tests can
 * assert access rules on all of them and a new route is covered automatically.
 */
export function listHttpRoutes(app: INestApplication): HttpRoute[] {
  const instance = app.getHttpAdapter().getInstance() as { router?: { stack: unknown[] }; _router?: { stack: unknown[] } };
  const stack = (instance.router ?? instance._router)?.stack ?? [];
  const routes: HttpRoute[] = [];
  for (const layer of stack as { route?: { path: string; methods: Record<string, boolean> } }[]) {
    if (!layer.route) continue;
    // a path matching every URL is a middleware mount (Nest registers `forRoutes('*')` middleware, e.g. HTTP
    // metrics, as an `all()` route), never an endpoint of its own
    if (CATCH_ALL_PATHS.has(layer.route.path)) continue;
    for (const m of Object.keys(layer.route.methods)) if (m !== '_all') routes.push({ method: m.toUpperCase(), path: layer.route.path });
  }
  return routes;
}
