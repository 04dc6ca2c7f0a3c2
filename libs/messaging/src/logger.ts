import { Logger } from '@nestjs/common';

/** The logging surface this library needs; a Nest `LoggerService` (or nestjs-pino's Logger) fits. */
export interface MessagingLogger {
  log(message: string, ...optional: unknown[]): unknown;
  warn(message: string, ...optional: unknown[]): unknown;
  error(message: string, ...optional: unknown[]): unknown;
  debug?(message: string, ...optional: unknown[]): unknown;
}

/** A Nest logger with the given context, used when no logger is passed. */
export function defaultLogger(context: string): MessagingLogger {
  return new Logger(context);
}

/** Message of an unknown thrown value, never its stack or payload. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}
