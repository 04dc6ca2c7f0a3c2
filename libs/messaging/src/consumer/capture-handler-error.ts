import { RpcExceptionsHandler } from '@nestjs/microservices/exceptions/rpc-exceptions-handler';
import { messageScopeStorage } from './message-context';

const PATCHED = Symbol.for('rcp.messaging.rpcExceptionsHandlerPatched');

/**
 * Nest's RPC exception filters replace any non-`RpcException` error with `{status:'error', message:'Internal
 * server error'}`, which would hide `NonRetryableError` and friends from the transport. This records the
 * original error in the current message scope (only inside a message handled by RabbitMqServer) before the
 * filters run; filters still run unchanged. Idempotent.
 */
export function captureOriginalHandlerErrors(): void {
  const proto = RpcExceptionsHandler.prototype as unknown as Record<symbol | string, unknown>;
  if (proto[PATCHED]) return;
  const original = RpcExceptionsHandler.prototype.handle;
  RpcExceptionsHandler.prototype.handle = function patchedHandle(this: RpcExceptionsHandler, exception, host) {
    const scope = messageScopeStorage.getStore();
    if (scope && !scope.handlerError) scope.handlerError = { error: exception };
    return original.call(this, exception, host);
  };
  proto[PATCHED] = true;
}
