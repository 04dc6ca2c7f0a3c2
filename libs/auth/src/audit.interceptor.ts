import { CallHandler, ExecutionContext, HttpException, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PUBLIC_ROUTE_KEY } from '@rcp/observability';
import type { Request } from 'express';
import { Observable, catchError, concat, defer, from, ignoreElements, throwError } from 'rxjs';
import { AuditWriter, runWithAuditDraft } from './audit';
import { AUDIT_KEY, AuditOptions, SHOP_PARAMS_KEY } from './decorators';
import { Principal } from './principal';
import { READ_METHODS, auditDraftFor } from './request-context';

/**
 * Audits every mutating route and every route marked @Audit: the handler runs with an audit draft (see
 * `AuditWriter.recordCurrent`); afterwards a row is written unless the handler already wrote its own inside its
 * transaction — `accepted`, or `refused` (4xx, with the reason) / `failed` (5xx and unexpected errors). The row is
 * written before the response goes out: whoever reads the audit log after an answer finds the request in it.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditWriter,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE_KEY, targets)) return next.handle();
    const req = ctx.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const options = this.reflector.getAllAndOverride<AuditOptions>(AUDIT_KEY, targets);
    if (!options && READ_METHODS.has(req.method)) return next.handle();
    const shopParams = this.reflector.getAllAndOverride<string[]>(SHOP_PARAMS_KEY, targets) ?? ['shopId'];
    const draft = auditDraftFor(req, req.principal ?? null, options, shopParams);
    return new Observable((subscriber) =>
      runWithAuditDraft(draft, () =>
        concat(
          next.handle(),
          defer(() => (draft.recorded ? [] : from(this.audit.writeSafely({ ...draft.base, outcome: 'accepted' })).pipe(ignoreElements()))),
        )
          .pipe(
            catchError((err: unknown) => {
              const status = err instanceof HttpException ? err.getStatus() : 500;
              const reason = err instanceof Error ? err.message : String(err);
              const row = this.audit.writeSafely({ ...draft.base, outcome: status < 500 ? 'refused' : 'failed', reason: `${status}: ${reason}` });
              return concat(from(row).pipe(ignoreElements()), throwError(() => err));
            }),
          )
          .subscribe(subscriber),
      ),
    );
  }
}
