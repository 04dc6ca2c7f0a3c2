import type { INestApplication } from '@nestjs/common';

/** One HTTP route of a running Nest (Express) app. */
export interface HttpRoute {
  method: string;
  path: string;
}

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
    for (const m of Object.keys(layer.route.methods)) if (m !== '_all') routes.push({ method: m.toUpperCase(), path: layer.route.path });
  }
  return routes;
}
