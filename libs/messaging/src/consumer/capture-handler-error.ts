import { Logger } from '@nestjs/common';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import { RpcExceptionsHandler } from '@nestjs/microservices/exceptions/rpc-exceptions-handler';
import { messageScopeStorage } from './message-context';

const PATCHED = Symbol.for('rcp.messaging.rpcExceptionsHandlerPatched');
const MAX_LOGGED_MESSAGE = 300;

/**
 * One line for a handler error: `<Type> <messageId> handler failed: <ErrorName>: <message>` (message truncated),
 * never the error's other fields — a TypeORM `QueryFailedError` carries the SQL and its parameters (raw card-API
 * XML, order data), which Nest's default logger would print in full.
 */
export function conciseHandlerError(exception: unknown): string {
  const ctx = messageScopeStorage.getStore()?.context;
  const where = ctx ? `${ctx.type} ${ctx.messageId} handler failed` : 'message handler failed';
  if (exception instanceof Error) {
    const message = exception.message.length > MAX_LOGGED_MESSAGE ? `${exception.message.slice(0, MAX_LOGGED_MESSAGE - 1)}…` : exception.message;
    return `${where}: ${exception.name}: ${message}`;
  }
  return `${where}: ${typeof exception === 'object' ? 'non-Error value thrown' : String(exception).slice(0, MAX_LOGGED_MESSAGE)}`;
}

/** Nest's RPC exception filter logs unknown errors with `logger.error(exception)`; this logs one concise line instead. */
class ConciseRpcErrorLogger extends Logger {
  override error(message: unknown, ...rest: unknown[]): void {
    if (rest.length === 0 && (message instanceof Error || (typeof message === 'object' && message !== null))) {
      super.error(conciseHandlerError(message));
      return;
    }
    super.error(message, ...rest);
  }
}

/**
 * Nest's RPC exception filters replace any non-`RpcException` error with `{status:'error', message:'Internal
 * server error'}`, which would hide `NonRetryableError` and friends from the transport. This records the
 * original error in the current message scope (only inside a message handled by RabbitMqServer) before the
 * filters run; filters still run unchanged. It also makes the filter's own log line concise
 * ({@link conciseHandlerError}): the transport logs the retry/park decision itself. Idempotent.
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
  (BaseRpcExceptionFilter as unknown as { logger: Logger }).logger = new ConciseRpcErrorLogger('RpcExceptionsHandler');
  proto[PATCHED] = true;
}
