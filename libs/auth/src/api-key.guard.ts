import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PUBLIC_ROUTE_KEY } from '@rcp/observability';
import type { Request } from 'express';
import { ApiKeyStore } from './api-key.store';
import { AuditWriter } from './audit';
import { AUDIT_KEY, AuditOptions, ROLES_KEY, SHOP_PARAMS_KEY } from './decorators';
import { httpError } from './errors';
import { Principal, Role, canAccessShop, hasRole } from './principal';
import { READ_METHODS, auditDraftFor, shopIdsOf } from './request-context';

/** The key presented as `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedKey(req: Request): string | undefined {
  const auth = req.header('authorization');
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1] : undefined;
  }
  return req.header('x-api-key') || undefined;
}

/**
 * App-wide guard (registered by AuthModule): 401 without a valid key; 403 when the role is too low or a shop id in
 * the params/query/body is outside the key's scope. Public routes (PUBLIC_ROUTE_KEY) and event handlers pass.
 * Refusals (403) of mutating or audited routes are written to the audit log.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly store: ApiKeyStore,
    private readonly audit: AuditWriter,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE_KEY, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const key = presentedKey(req);
    if (!key) throw httpError(401, 'an API key is required: send "Authorization: Bearer rcp_…" or "x-api-key: rcp_…"');
    const principal = await this.store.authenticate(key);
    if (!principal) throw httpError(401, 'the API key is invalid or revoked');
    req.principal = principal;

    const required = this.reflector.getAllAndOverride<Role>(ROLES_KEY, targets) ?? (READ_METHODS.has(req.method) ? 'viewer' : 'operator');
    const shopParams = this.reflector.getAllAndOverride<string[]>(SHOP_PARAMS_KEY, targets) ?? ['shopId'];
    if (!hasRole(principal.role, required)) {
      await this.refuse(ctx, req, principal, shopParams, `role ${principal.role} may not do this (needs ${required})`);
      throw httpError(403, `this needs role ${required}; the key has role ${principal.role}`);
    }
    const outside = shopIdsOf(req, shopParams).filter((s) => !canAccessShop(principal, s));
    if (outside.length) {
      await this.refuse(ctx, req, principal, shopParams, `shop ${outside[0]} is outside the key's scope`);
      throw httpError(403, `shop ${outside[0]} is outside this key's scope`, [{ field: 'shopId', message: 'not in the API key\'s shops' }]);
    }
    return true;
  }

  private async refuse(ctx: ExecutionContext, req: Request, principal: Principal, shopParams: string[], reason: string): Promise<void> {
    const options = this.reflector.getAllAndOverride<AuditOptions>(AUDIT_KEY, [ctx.getHandler(), ctx.getClass()]);
    if (!options && READ_METHODS.has(req.method)) return;
    const draft = auditDraftFor(req, principal, options, shopParams);
    await this.audit.writeSafely({ ...draft.base, outcome: 'refused', reason });
  }
}
