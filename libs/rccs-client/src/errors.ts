import type { RccsExchange } from './exchange';
import type { RccsOperation } from './types';
import type { Classification } from './error-codes';

/**
 * Why a call failed below the RCCS business level.
 * - `connect`: no connection could be established (refused, DNS, connect timeout, TLS, client closed).
 *   The request never left this process.
 * - `timeout`: connected and sent, but no (complete) response within `responseTimeoutMs`.
 * - `connection-reset`: the connection broke after it was established (reset, closed by peer).
 * - `http-status`: HTTP status other than 200 without a SOAP fault in the body.
 * - `soap-fault`: a SOAP Fault (normally HTTP 500); see {@link RccsTransportError.fault}.
 * - `malformed-response`: HTTP 200 whose body is not a usable RCCS response (not XML, DOCTYPE, too large,
 *   unexpected structure, invalid values).
 */
export type RccsTransportErrorKind =
  | 'connect'
  | 'timeout'
  | 'connection-reset'
  | 'http-status'
  | 'soap-fault'
  | 'malformed-response';

/** A SOAP 1.1 fault as received (`faultcode` keeps its prefix, e.g. `S:Client`). */
export interface RccsSoapFault {
  readonly faultCode: string;
  readonly faultString: string;
}

/** Sanitised description of the low-level error behind a transport failure (never the original object). */
export interface RccsErrorCause {
  readonly name: string;
  readonly code?: string;
  readonly message: string;
}

/**
 * A call did not produce an RCCS result. The client never retries: the caller decides.
 *
 * `requestMayHaveBeenRegistered` is the key input for retry decisions on asynchronous operations:
 * - `false` only when the request provably never reached the server (`connect`) or the server rejected it
 *   at HTTP level with a 4xx status (`http-status` 400–499);
 * - `true` for everything else (timeouts, resets, 5xx, SOAP faults, malformed 200 responses). The caller must
 *   then ask getRCCSResult for the request id instead of resubmitting (spec §10.4).
 *
 * Never contains the auth key: the message, `cause` and `exchange` are scrubbed.
 */
export class RccsTransportError extends Error {
  override readonly name = 'RccsTransportError';
  /** Sanitised low-level cause (name, code, message). */
  override readonly cause?: RccsErrorCause;

  constructor(
    readonly kind: RccsTransportErrorKind,
    readonly operation: RccsOperation,
    message: string,
    readonly requestMayHaveBeenRegistered: boolean,
    readonly exchange: RccsExchange,
    details: { httpStatus?: number; fault?: RccsSoapFault; cause?: RccsErrorCause } = {},
  ) {
    super(message);
    this.httpStatus = details.httpStatus;
    this.fault = details.fault;
    this.cause = details.cause;
  }

  /** HTTP status when a response arrived. */
  readonly httpStatus?: number;
  /** The SOAP fault when `kind === 'soap-fault'`. */
  readonly fault?: RccsSoapFault;
}

/**
 * Thrown before any I/O when the arguments cannot be sent (empty list, non-integer amount, bad date,
 * characters XML cannot carry…). Nothing was sent; fix the input.
 */
export class RccsValidationError extends Error {
  override readonly name = 'RccsValidationError';
  constructor(
    readonly operation: RccsOperation,
    readonly problems: readonly string[],
  ) {
    super(`Invalid ${operation} request: ${problems.join('; ')}`);
  }
}

/**
 * Request-level API error (the result's `errorCode` is not a success code), thrown only by
 * {@link assertRccsOk}; the client methods return `{ ok: false }` instead.
 */
export class RccsApiError extends Error {
  override readonly name = 'RccsApiError';
  constructor(
    readonly operation: RccsOperation,
    readonly errorCode: string,
    /** Message from the server (Japanese), or `null`. */
    readonly rccsMessage: string | null,
    readonly classification: Classification,
    readonly exchange: RccsExchange,
  ) {
    super(`${operation} failed with ${errorCode}${rccsMessage ? ` (${rccsMessage})` : ''} [${classification}]`);
  }
}
