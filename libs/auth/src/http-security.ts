import type { INestApplication } from '@nestjs/common';
import { json, type NextFunction, type Request, type Response } from 'express';
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

/** Deepest JSON nesting accepted in a request body. Real payloads are a few levels deep. */
export const MAX_JSON_DEPTH = 32;

/** Thrown while parsing a body nested deeper than allowed; body-parser turns it into a 400. */
export class JsonTooDeepError extends Error {
  readonly status = 400;
  readonly statusCode = 400;
  readonly expose = true;
  readonly type = 'entity.too.deep';
  constructor(readonly maxDepth: number) {
    super(`request body is nested deeper than ${maxDepth} levels`);
  }
}

/**
 * Nesting depth of a JSON text, scanned without parsing (strings and escapes skipped). Deeply nested bodies would
 * otherwise exhaust the stack in validation and answer 500.
 */
export function jsonDepth(buf: Buffer, stopAbove = Number.MAX_SAFE_INTEGER): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
      if (max > stopAbove) return max;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * The JSON body parser every HTTP API uses (create the Nest app with `bodyParser: false`): a size limit and a nesting
 * limit, both answered with 4xx in the service's error format instead of a crash or a 500.
 */
export function applyJsonBodyParser(app: INestApplication, options: { limit: string | number; maxDepth?: number }): void {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  app.use(
    json({
      limit: options.limit,
      verify: (_req, _res, buf) => {
        if (jsonDepth(buf, maxDepth) > maxDepth) throw new JsonTooDeepError(maxDepth);
      },
    }),
  );
}

/** Media types a route accepts besides JSON, e.g. a CSV upload. */
export interface MediaTypeException {
  path: RegExp;
  types: string[];
}

/**
 * Answers 415 to a request that carries a body in a media type the route does not take (JSON everywhere, plus the
 * listed exceptions), instead of silently treating an unparsed body as empty.
 */
export function rejectUnsupportedMediaTypes(app: INestApplication, exceptions: MediaTypeException[] = []): void {
  app.use((req: Request, res: Response, next: NextFunction) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody || !['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method)) return next();
    const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const allowed = ['application/json', ...exceptions.filter((e) => e.path.test(req.path)).flatMap((e) => e.types)];
    if (allowed.includes(type)) return next();
    res.status(415).json({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: `this route takes ${allowed.join(' or ')} bodies, not ${type || 'an untyped body'}`,
      errors: [{ field: 'content-type', message: `must be ${allowed.join(' or ')}` }],
    });
  });
}
