import { type CanActivate, type ExecutionContext, ForbiddenException, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { SimulatorRuntime } from '../runtime';

/** 127.0.0.0/8, ::1 and their IPv4-mapped IPv6 forms. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.toLowerCase();
  return a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.');
}

/** The admin API answers only callers on this machine, unless `SIM_ADMIN_ALLOW_REMOTE=true`. Proxies' headers are ignored. */
@Injectable()
export class LoopbackGuard implements CanActivate {
  constructor(@Inject(SimulatorRuntime) private readonly rt: SimulatorRuntime) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.rt.config.adminAllowRemote) return true;
    const req = context.switchToHttp().getRequest<Request>();
    if (isLoopback(req.socket.remoteAddress)) return true;
    throw new ForbiddenException('The admin API only answers loopback addresses (set SIM_ADMIN_ALLOW_REMOTE=true to allow remote callers)');
  }
}
