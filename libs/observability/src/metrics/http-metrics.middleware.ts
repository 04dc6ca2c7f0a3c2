import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Metrics } from './metrics';

/** Route label of requests no route matched (404s, scanners): one series instead of one per URL. */
export const UNMATCHED_ROUTE = 'unmatched';

const CATCH_ALL = new Set(['*', '/*', '/{*path}', '{*path}', '/(.*)']);

/** The Nest/Express route pattern of a finished request (`/orders/:id`), or {@link UNMATCHED_ROUTE}. */
export function routePattern(req: Request): string {
  const route = (req as Request & { route?: { path?: unknown } }).route;
  if (!route || typeof route.path !== 'string') return UNMATCHED_ROUTE;
  const pattern = `${req.baseUrl ?? ''}${route.path}` || '/';
  // the catch-all this middleware is mounted with (and Nest's own 404 route) is not a real route
  return CATCH_ALL.has(pattern) ? UNMATCHED_ROUTE : pattern;
}

/** Observes `http_request_duration_seconds{service,method,route,status}` for every request when the response ends. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: Metrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const elapsed = Metrics.timer();
    let done = false;
    const record = () => {
      if (done) return;
      done = true;
      this.metrics.httpRequest(req.method, routePattern(req), res.statusCode, elapsed());
    };
    res.once('finish', record);
    res.once('close', record); // client went away before the response was written
    next();
  }
}
