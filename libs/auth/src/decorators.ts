import { ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';
import { PUBLIC_ROUTE_KEY } from '@rcp/observability';
import type { Request } from 'express';
import { Principal, Role } from './principal';

export const ROLES_KEY = 'rcp:auth:role';
export const SHOP_PARAMS_KEY = 'rcp:auth:shop-params';
export const AUDIT_KEY = 'rcp:auth:audit';

/** Minimum role of a route or controller. Default: viewer for GET/HEAD, operator for every other verb. */
export const Roles = (role: Role) => SetMetadata(ROLES_KEY, role);

/**
 * Names of the request fields that carry a shop id; each is looked up in the route params, the query string and a
 * JSON body, and every value found must be in the key's scope (else 403). Default `['shopId']`.
 */
export const ShopParam = (...names: string[]) => SetMetadata(SHOP_PARAMS_KEY, names);

/** Marks a route public (no API key): same metadata as @rcp/observability's operational controllers. */
export const Public = () => SetMetadata(PUBLIC_ROUTE_KEY, true);

/** Options of {@link Audit}. */
export interface AuditOptions {
  /** Audit action, e.g. `settings.update`; a function may derive it from the request (`order.${params.action}`). */
  action: string | ((req: Request) => string);
  /** Target (order number, rule id…); default the route params other than the shop id, joined by `/`. */
  target?: (req: Request) => string | null;
}

/**
 * Audits a route: the global audit interceptor writes one row per request (accepted / refused / failed) unless the
 * handler recorded it inside its own transaction (`AuditWriter.recordCurrent`). Mutating routes without this
 * decorator are audited too, as `http.<METHOD> <route>`; GET routes only when decorated (e.g. `credentials.read`).
 */
export const Audit = (action: AuditOptions['action'], options: Omit<AuditOptions, 'action'> = {}) => SetMetadata(AUDIT_KEY, { action, ...options });

/** The authenticated principal of the request (set by ApiKeyGuard). */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => principalOf(ctx.switchToHttp().getRequest<Request>()));

/** The principal ApiKeyGuard attached to a request; throws when the route was not guarded (a wiring bug). */
export function principalOf(req: Request): Principal {
  const p = (req as Request & { principal?: Principal }).principal;
  if (!p) throw new Error('no authenticated principal on this request (is ApiKeyGuard registered?)');
  return p;
}
