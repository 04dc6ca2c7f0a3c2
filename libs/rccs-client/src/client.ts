import { classifyCode, RCCS_ERROR_CODES, type ClassifiedCode, type ErrorCodeEntry } from './error-codes';
import { RccsApiError, RccsTransportError, RccsValidationError } from './errors';
import type { RccsExchange } from './exchange';
import { maskAuthKey, secretScrubber } from './secrets';
import { SoapTransport, type CallContext } from './transport';
import type {
  AsyncReplyValue,
  AuthoriRequestItem,
  CancelRequestItem,
  RccsCredentials,
  RccsOperation,
  RccsResultSearch,
  RequestIdValue,
  RequestResultValue,
  ResultSearchValue,
  SalesRequestItem,
} from './types';
import { formatSearchDate, isRccsInt } from './values';
import {
  buildAuthoriEnvelope,
  buildCancelEnvelope,
  buildGetRequestIdEnvelope,
  buildGetResultAllEnvelope,
  buildGetResultEnvelope,
  buildSalesEnvelope,
} from './xml/envelope';
import { hasForbiddenXmlChars } from './xml/escape';
import { XmlDocumentError, type XmlNode } from './xml/parse';
import {
  parseSoapBody,
  readAsyncReply,
  readRequestId,
  readRequestResult,
  readResultHeader,
  readResultSearch,
  type ParseOptions,
} from './xml/response';

/** Options of {@link RccsClient}. Everything not confirmed by the spec is configurable here. */
export interface RccsClientOptions {
  /** SOAP endpoint URL (the production one is [I], see `RCCS_PRODUCTION_ENDPOINT`). */
  readonly endpoint: string;
  /** TCP/TLS connect timeout. Expiry → kind `connect`, not registered. */
  readonly connectTimeoutMs: number;
  /** Max wait for response headers, and max idle time between body chunks. Expiry → kind `timeout`. */
  readonly responseTimeoutMs: number;
  /** Hard deadline for the whole call (default connect + 2 × response timeout). Expiry → kind `timeout`. */
  readonly totalTimeoutMs?: number;
  /** Idle keep-alive socket lifetime (default 4 000 ms). */
  readonly keepAliveTimeoutMs?: number;
  /** Max parallel connections to the endpoint (default 10). */
  readonly maxConnections?: number;
  /** Response bodies above this size are discarded → `malformed-response` (default 32 MiB). */
  readonly maxResponseBytes?: number;
  /** `responseXml` in the raw exchange is truncated beyond this (default 1 MiB characters). */
  readonly maxLoggedResponseChars?: number;
  /** Reject responses whose known fields are out of WSDL order (default `false`: parse by name only). */
  readonly strictOrder?: boolean;
  /** Client-side cap on orders per asynchronous request (limit [U]; default none). */
  readonly maxItemsPerRequest?: number;
  /** Client-side cap on request ids per getRCCSResult (limit [U]; default none). */
  readonly maxRequestIdsPerQuery?: number;
  /** Classification table used for request-level codes (default {@link RCCS_ERROR_CODES}). */
  readonly errorCodes?: readonly ErrorCodeEntry[];
  /** Optional `User-Agent` header. */
  readonly userAgent?: string;
}

/** Request accepted: the request-level `errorCode` classified as success (`RCCS_N…`, `RCCS_W…`). */
export interface RccsSuccess<T> {
  readonly ok: true;
  readonly operation: RccsOperation;
  readonly errorCode: string;
  readonly message: string | null;
  readonly value: T;
  /** Raw exchange for the per-order API log (auth key masked). */
  readonly exchange: RccsExchange;
}

/** Request-level API error: HTTP 200 with an `errorCode` that is not a success code. */
export interface RccsFailure {
  readonly ok: false;
  readonly operation: RccsOperation;
  readonly errorCode: string;
  /** Server message (Japanese), or `null`. */
  readonly message: string | null;
  /** Table lookup of `errorCode` (unknown → operator-action). */
  readonly classification: ClassifiedCode;
  readonly exchange: RccsExchange;
}

/** Outcome of every client method. Transport problems are thrown as {@link RccsTransportError}. */
export type RccsResult<T> = RccsSuccess<T> | RccsFailure;

const DEFAULTS = {
  keepAliveTimeoutMs: 4_000,
  maxConnections: 10,
  maxResponseBytes: 32 * 1024 * 1024,
  maxLoggedResponseChars: 1024 * 1024,
};

/**
 * Typed SOAP client for RCCSAPI. One instance per endpoint; credentials are passed per call (many shops).
 * Methods never retry: they return `{ ok: true | false }` for request-level results and throw
 * {@link RccsTransportError} for transport problems, {@link RccsValidationError} for unsendable input.
 */
export class RccsClient {
  private readonly transport: SoapTransport;
  private readonly parseOptions: ParseOptions;
  private readonly errorCodes: readonly ErrorCodeEntry[];

  constructor(private readonly options: RccsClientOptions) {
    const problems = [
      !URL.canParse(options.endpoint) && 'endpoint must be an absolute URL',
      !(options.connectTimeoutMs > 0) && 'connectTimeoutMs must be > 0',
      !(options.responseTimeoutMs > 0) && 'responseTimeoutMs must be > 0',
    ].filter((p): p is string => typeof p === 'string');
    if (problems.length) throw new TypeError(`Invalid RccsClient options: ${problems.join('; ')}`);
    this.transport = new SoapTransport({
      endpoint: options.endpoint,
      connectTimeoutMs: options.connectTimeoutMs,
      responseTimeoutMs: options.responseTimeoutMs,
      totalTimeoutMs: options.totalTimeoutMs ?? options.connectTimeoutMs + 2 * options.responseTimeoutMs,
      keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? DEFAULTS.keepAliveTimeoutMs,
      maxConnections: options.maxConnections ?? DEFAULTS.maxConnections,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULTS.maxResponseBytes,
      maxLoggedResponseChars: options.maxLoggedResponseChars ?? DEFAULTS.maxLoggedResponseChars,
      userAgent: options.userAgent,
    });
    this.parseOptions = { strictOrder: options.strictOrder ?? false };
    this.errorCodes = options.errorCodes ?? RCCS_ERROR_CODES;
  }

  /** Issues a request id for exactly one asynchronous call (§5.1). Persist it before using it. */
  async getRCCSRequestId(credentials: RccsCredentials): Promise<RccsResult<RequestIdValue>> {
    const op = 'getRCCSRequestId';
    this.validate(op, credentials, []);
    return this.call(op, credentials, (c) => buildGetRequestIdEnvelope(c), (r) => readRequestId(r));
  }

  /** Registers authorisation of one or more orders under `requestId` (§5.2). Outcome via getRCCSResult. */
  async authori(credentials: RccsCredentials, requestId: number, items: readonly AuthoriRequestItem[]): Promise<RccsResult<AsyncReplyValue>> {
    const op = 'authori';
    this.validate(op, credentials, [...checkRequestId(requestId), ...this.checkItems(items), ...items.flatMap(checkAuthoriItem)]);
    return this.call(op, credentials, (c) => buildAuthoriEnvelope(c, requestId, items), (r) => readAsyncReply(r));
  }

  /** Registers cancellation of authorisations (§5.3). */
  async authoriCancel(credentials: RccsCredentials, requestId: number, items: readonly CancelRequestItem[]): Promise<RccsResult<AsyncReplyValue>> {
    return this.cancel('authoriCancel', credentials, requestId, items);
  }

  /** Registers billing (売上請求) of authorised orders (§5.4). */
  async sales(credentials: RccsCredentials, requestId: number, items: readonly SalesRequestItem[]): Promise<RccsResult<AsyncReplyValue>> {
    const op = 'sales';
    this.validate(op, credentials, [...checkRequestId(requestId), ...this.checkItems(items), ...items.flatMap(checkOrderItem)]);
    return this.call(op, credentials, (c) => buildSalesEnvelope(c, requestId, items), (r) => readAsyncReply(r));
  }

  /** Registers cancellation of bills (§5.5). */
  async salesCancel(credentials: RccsCredentials, requestId: number, items: readonly CancelRequestItem[]): Promise<RccsResult<AsyncReplyValue>> {
    return this.cancel('salesCancel', credentials, requestId, items);
  }

  /** Fetches processing status and per-order results of many request ids in one call (§5.6). */
  async getRCCSResult(credentials: RccsCredentials, requestIds: readonly number[]): Promise<RccsResult<RequestResultValue>> {
    const op = 'getRCCSResult';
    const problems = !Array.isArray(requestIds) || requestIds.length === 0 ? ['requestIds must be a non-empty array'] : requestIds.flatMap(checkRequestId);
    const max = this.options.maxRequestIdsPerQuery;
    if (max !== undefined && requestIds.length > max) problems.push(`at most ${max} request ids per call`);
    this.validate(op, credentials, problems);
    return this.call(op, credentials, (c) => buildGetResultEnvelope(c, requestIds), (r) => readRequestResult(r, this.parseOptions));
  }

  /** Searches per-order results by criteria (§5.7). */
  async getRCCSResultAll(credentials: RccsCredentials, search: RccsResultSearch): Promise<RccsResult<ResultSearchValue>> {
    const op = 'getRCCSResultAll';
    const fromDate = formatSearchDate(search?.fromDate);
    const toDate = formatSearchDate(search?.toDate);
    const problems = [
      ...(fromDate ? [] : ['fromDate must be YYYY-MM-DD or a valid Date']),
      ...(toDate ? [] : ['toDate must be YYYY-MM-DD or a valid Date']),
      ...(search?.cardStatus === undefined || isRccsInt(search.cardStatus) ? [] : ['cardStatus must be an integer']),
      ...(search?.payType === undefined || search.payType === null || isRccsInt(search.payType) ? [] : ['payType must be an integer']),
      ...(['brandName', 'helpItem', 'orderNumber', 'ownerName'] as const).flatMap((k) => checkOptionalText(k, search?.[k])),
    ];
    this.validate(op, credentials, problems);
    const normalized = { ...search, fromDate: fromDate as string, toDate: toDate as string };
    return this.call(op, credentials, (c) => buildGetResultAllEnvelope(c, normalized), (r) => readResultSearch(r, this.parseOptions));
  }

  /** Destroys the undici Agent (open sockets included). The client cannot be used afterwards. */
  async close(): Promise<void> {
    await this.transport.close();
  }

  private async cancel(
    op: 'authoriCancel' | 'salesCancel',
    credentials: RccsCredentials,
    requestId: number,
    items: readonly CancelRequestItem[],
  ): Promise<RccsResult<AsyncReplyValue>> {
    this.validate(op, credentials, [...checkRequestId(requestId), ...this.checkItems(items), ...items.flatMap(checkOrderItem)]);
    return this.call(op, credentials, (c) => buildCancelEnvelope(op, c, requestId, items), (r) => readAsyncReply(r));
  }

  private checkItems(items: readonly unknown[]): string[] {
    if (!Array.isArray(items) || items.length === 0) return ['items must be a non-empty array'];
    const max = this.options.maxItemsPerRequest;
    return max !== undefined && items.length > max ? [`at most ${max} orders per request`] : [];
  }

  private validate(op: RccsOperation, credentials: RccsCredentials, problems: string[]): void {
    const all = [...checkCredentials(credentials), ...problems];
    if (all.length) throw new RccsValidationError(op, all);
  }

  private async call<T>(
    operation: RccsOperation,
    credentials: RccsCredentials,
    build: (c: RccsCredentials) => string,
    readValue: (result: XmlNode) => T,
  ): Promise<RccsResult<T>> {
    const scrub = secretScrubber(credentials.authKey);
    const ctx: CallContext = {
      operation,
      requestXml: build(credentials),
      loggedRequestXml: build({ ...credentials, authKey: maskAuthKey(credentials.authKey) }),
      scrub,
    };
    const { responseXml, exchange } = await this.transport.post(ctx);
    const malformed = (err: unknown): never => {
      if (!(err instanceof XmlDocumentError)) throw err;
      throw new RccsTransportError('malformed-response', operation, scrub(`${operation}: malformed response: ${err.message}`), true, exchange, {
        httpStatus: 200,
      });
    };
    try {
      const body = parseSoapBody(responseXml, operation);
      if ('fault' in body) {
        const fault = { faultCode: scrub(body.fault.faultCode), faultString: scrub(body.fault.faultString) };
        throw new RccsTransportError('soap-fault', operation, scrub(`${operation}: SOAP fault ${fault.faultCode}: ${fault.faultString} (HTTP 200)`), true, exchange, {
          httpStatus: 200,
          fault,
        });
      }
      const { errorCode, message } = readResultHeader(body.result, this.parseOptions);
      const classification = classifyCode(errorCode, this.errorCodes);
      if (classification.classification !== 'success') return { ok: false, operation, errorCode, message, classification, exchange };
      return { ok: true, operation, errorCode, message, value: readValue(body.result), exchange };
    } catch (err) {
      return malformed(err);
    }
  }
}

/**
 * Returns the value of a successful result or throws {@link RccsApiError} (for callers that prefer exceptions).
 */
export function assertRccsOk<T>(result: RccsResult<T>): T {
  if (result.ok) return result.value;
  throw new RccsApiError(result.operation, result.errorCode, result.message, result.classification.classification, result.exchange);
}

function checkCredentials(credentials: RccsCredentials): string[] {
  if (!credentials || typeof credentials !== 'object') return ['credentials are required'];
  return (['authKey', 'shopUrl', 'userName'] as const).flatMap((k) => {
    const v: unknown = credentials[k];
    if (typeof v !== 'string' || v.length === 0) return [`credentials.${k} must be a non-empty string`];
    return hasForbiddenXmlChars(v) ? [`credentials.${k} contains characters XML cannot carry`] : [];
  });
}

function checkRequestId(requestId: number): string[] {
  return isRccsInt(requestId) && requestId > 0 ? [] : [`request id ${String(requestId)} must be a positive 32-bit integer`];
}

function checkOptionalText(name: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'string') return [`${name} must be a string or null`];
  return hasForbiddenXmlChars(value) ? [`${name} contains characters XML cannot carry`] : [];
}

function checkOrderItem(item: { orderNumber: string; helpItem?: string | null }, index: number): string[] {
  if (!item || typeof item !== 'object') return [`items[${index}] must be an object`];
  const orderNumberOk = typeof item.orderNumber === 'string' && item.orderNumber.trim().length > 0;
  return [
    ...(orderNumberOk ? checkOptionalText(`items[${index}].orderNumber`, item.orderNumber) : [`items[${index}].orderNumber must be a non-empty string`]),
    ...checkOptionalText(`items[${index}].helpItem`, item.helpItem),
  ];
}

function checkAuthoriItem(item: AuthoriRequestItem, index: number): string[] {
  const base = checkOrderItem(item, index);
  if (!item || typeof item !== 'object') return base;
  return [
    ...base,
    ...(isRccsInt(item.price) ? [] : [`items[${index}].price must be an integer (yen)`]),
    ...(isRccsInt(item.payType) ? [] : [`items[${index}].payType must be an integer`]),
  ];
}
