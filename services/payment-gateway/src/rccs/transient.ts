import { BrokenCircuitError } from 'cockatiel';
import { RccsTransportError, type RccsFailure } from '@rcp/rccs-client';

/** A request-level API answer classified `retryable` (e.g. system busy), turned into an error for retry policies. */
export class RetryableApiError extends Error {
  override readonly name = 'RetryableApiError';
  constructor(readonly failure: RccsFailure) {
    super(`${failure.operation} answered ${failure.errorCode}${failure.message ? ` (${failure.message})` : ''}`);
  }
}

/** True for failures worth retrying: network, timeouts, 5xx, server faults, malformed responses, system busy. */
export function isTransient(err: unknown): boolean {
  if (err instanceof RetryableApiError) return true;
  if (err instanceof BrokenCircuitError) return true;
  if (err instanceof RccsTransportError) {
    switch (err.kind) {
      case 'connect':
      case 'timeout':
      case 'connection-reset':
      case 'malformed-response':
        return true;
      case 'http-status':
        return (err.httpStatus ?? 0) >= 500 || err.httpStatus === 429;
      case 'soap-fault':
        return !/client$/i.test(err.fault?.faultCode ?? '');
    }
  }
  return false;
}

/** Message of an error, without secrets (client errors are already scrubbed). */
export function describeError(err: unknown): string {
  if (err instanceof BrokenCircuitError) return 'circuit open: the card API failed repeatedly for this shop';
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 1500);
  return String(err).slice(0, 1500);
}
