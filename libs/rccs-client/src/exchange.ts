import type { RccsOperation } from './types';

/**
 * One raw HTTP exchange, for the per-order API log. `requestXml` has the auth key masked; any occurrence of
 * the key in `responseXml` is masked as well. `responseXml` is `null` when no response body was received and
 * is truncated (with a marker) beyond {@link RccsClientOptions.maxLoggedResponseChars}.
 */
export interface RccsExchange {
  readonly operation: RccsOperation;
  readonly endpoint: string;
  readonly requestXml: string;
  readonly responseXml: string | null;
  /** HTTP status, or `null` when no response arrived. */
  readonly httpStatus: number | null;
  readonly durationMs: number;
  /** When the request was started (ISO-8601, UTC). */
  readonly startedAt: string;
}
