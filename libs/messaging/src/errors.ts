import { ContractViolationError } from '@rcp/contracts';
import { ValidationError } from 'class-validator';

/**
 * Throw from a handler when retrying cannot help (business rule violation, impossible state, bad data that
 * passed the schema). The message goes straight to the parking lot.
 */
export class NonRetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}

/** Raised when a handler exceeds `handlerTimeoutMs`; retryable. */
export class HandlerTimeoutError extends Error {
  constructor(ms: number) {
    super(`handler did not finish within ${ms} ms`);
    this.name = 'HandlerTimeoutError';
  }
}

/** How a handler failure is treated. */
export type ErrorClass = 'retryable' | 'non-retryable';

function isValidationErrorList(err: unknown): boolean {
  return Array.isArray(err) && err.length > 0 && err.every((e) => e instanceof ValidationError);
}

/**
 * Classifies a handler error. Non-retryable: {@link NonRetryableError}, `ContractViolationError`,
 * class-validator `ValidationError`s (single or array), and Nest `BadRequestException`s from a
 * `ValidationPipe` (status 400). Everything else is retryable.
 */
export function classifyError(err: unknown): ErrorClass {
  if (err instanceof NonRetryableError || err instanceof ContractViolationError) return 'non-retryable';
  if (err instanceof ValidationError || isValidationErrorList(err)) return 'non-retryable';
  if (typeof err === 'object' && err !== null) {
    const named = err as { name?: unknown; getStatus?: () => unknown };
    if (named.name === 'NonRetryableError' || named.name === 'ContractViolationError') return 'non-retryable';
    if (named.name === 'BadRequestException' && typeof named.getStatus === 'function' && named.getStatus() === 400) return 'non-retryable';
  }
  return 'retryable';
}
