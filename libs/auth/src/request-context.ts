import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { AuditDraft } from './audit';
import type { AuditOptions } from './decorators';
import type { Principal } from './principal';

export const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const CORRELATION_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const SUB_ACTOR = /^[\w.@:-]{1,100}$/;

/** Correlation id of a request: a well-formed `x-correlation-id` header, else a new UUID (kept on the request). */
export function correlationIdOf(req: Request): string {
  const r = req as Request & { rcpCorrelationId?: string };
  if (!r.rcpCorrelationId) {
    const given = req.header('x-correlation-id');
    r.rcpCorrelationId = given && CORRELATION_ID.test(given) ? given : randomUUID();
  }
  return r.rcpCorrelationId;
}

/** The informational sub-actor from `x-actor` (e.g. the person using a shared key), when well-formed. */
export function subActorOf(req: Request): string | undefined {
  const v = req.header('x-actor');
  return v && SUB_ACTOR.test(v) ? v : undefined;
}

/** Every value of the named shop fields in route params, query string and JSON body. */
export function shopIdsOf(req: Request, names: string[]): string[] {
  const found: string[] = [];
  const take = (v: unknown) => {
    if (typeof v === 'string') found.push(v);
    else if (Array.isArray(v)) v.forEach(take);
  };
  const body = req.body && typeof req.body === 'object' && !Buffer.isBuffer(req.body) ? (req.body as Record<string, unknown>) : {};
  for (const name of names) {
    take(req.params?.[name]);
    take((req.query as Record<string, unknown> | undefined)?.[name]);
    take(body[name]);
  }
  return [...new Set(found)];
}

/** Route pattern (`/shops/:shopId/orders`) of a request. */
export function routeOf(req: Request): string {
  return (req.route as { path?: string } | undefined)?.path ?? req.path;
}

/** The audit draft of a request: actor, action, shop, target, correlation id and a (to-be-redacted) summary. */
export function auditDraftFor(req: Request, principal: Principal | null, options: AuditOptions | undefined, shopParams: string[]): AuditDraft {
  const action = options ? (typeof options.action === 'function' ? options.action(req) : options.action) : `http.${req.method} ${routeOf(req)}`;
  const params = { ...(req.params ?? {}) } as Record<string, string>;
  const shopId = shopIdsOf(req, shopParams)[0] ?? null;
  for (const name of shopParams) delete params[name];
  const target = options?.target ? options.target(req) : Object.values(params).join('/') || null;
  return {
    recorded: false,
    base: {
      action,
      actor: principal ? { keyId: principal.keyId, name: principal.name, role: principal.role } : null,
      actorDetail: subActorOf(req) ?? null,
      shopId,
      target,
      correlationId: correlationIdOf(req),
      request: {
        method: req.method,
        path: req.path,
        params: req.params ?? {},
        query: req.query ?? {},
        body: Buffer.isBuffer(req.body) ? { bytes: (req.body as Buffer).length, contentType: req.header('content-type') ?? null } : (req.body ?? null),
      },
    },
  };
}
