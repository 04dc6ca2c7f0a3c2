import { ExecutionContext, Injectable } from '@nestjs/common';
import { PUBLIC_ROUTE_KEY } from '@rcp/observability';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Request } from 'express';
import { httpError } from './errors';
import { Principal } from './principal';

/**
 * Rate limit per API key (after authentication; per client IP when there is no principal). Public routes (health,
 * metrics) and event handlers are not limited. 429 in the house error format, with `Retry-After`.
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  override async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE_KEY, [ctx.getHandler(), ctx.getClass()])) return true;
    return super.canActivate(ctx);
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const principal = (req as { principal?: Principal }).principal;
    return principal ? `key:${principal.keyId}` : `ip:${(req as unknown as Request).ip ?? 'unknown'}`;
  }

  /** One budget per key (or IP) across all routes, not per route. */
  protected override generateKey(_ctx: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override async throwThrottlingException(_ctx: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw httpError(429, `rate limit exceeded: at most ${detail.limit} requests per ${Math.round(detail.ttl / 1000)} s per API key; retry after ${detail.timeToBlockExpire} s`);
  }
}
