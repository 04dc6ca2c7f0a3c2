import { Metrics } from '@rcp/observability';
import { RccsTransportError, RccsValidationError, type RccsResult } from '@rcp/rccs-client';
import type { RccsApi } from './rccs-gateway';

/** Card-API operations that carry a batch of payments (the others query or obtain ids). */
const BATCH_OPERATIONS = new Set<keyof RccsApi>(['authori', 'authoriCancel', 'sales', 'salesCancel']);
const OPERATIONS: readonly (keyof RccsApi)[] = ['getRCCSRequestId', 'authori', 'authoriCancel', 'sales', 'salesCancel', 'getRCCSResult', 'getRCCSResultAll'];

/**
 * Wraps the card-API client so every call is measured where it happens:
 * `rcp_card_api_request_duration_seconds{operation, outcome, code}` — outcome `ok` / `rejected` (request-level API
 * error; code = its errorCode) / `transport` (code = connect, timeout, http-status, …) / `invalid` (not sent) /
 * `error`; and `rcp_card_api_batch_size{operation}` (payments per call) for the asynchronous submissions
 * (authori, authoriCancel, sales, salesCancel).
 */
export function instrumentRccsApi(api: RccsApi, metrics: Metrics): RccsApi {
  const wrapped = {} as Record<keyof RccsApi, unknown>;
  for (const operation of OPERATIONS) {
    const original = api[operation] as (...args: unknown[]) => Promise<RccsResult<unknown>>;
    wrapped[operation] = async (...args: unknown[]) => {
      if (BATCH_OPERATIONS.has(operation) && Array.isArray(args[2])) metrics.cardApiBatchSize(operation, args[2].length);
      const elapsed = Metrics.timer();
      try {
        const result = await original.apply(api, args);
        metrics.cardApiRequest(operation, result.ok ? 'ok' : 'rejected', result.errorCode, elapsed());
        return result;
      } catch (err) {
        if (err instanceof RccsTransportError) metrics.cardApiRequest(operation, 'transport', err.kind, elapsed());
        else if (err instanceof RccsValidationError) metrics.cardApiRequest(operation, 'invalid', undefined, elapsed());
        else metrics.cardApiRequest(operation, 'error', undefined, elapsed());
        throw err;
      }
    };
  }
  return wrapped as unknown as RccsApi;
}
