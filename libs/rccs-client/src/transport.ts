import { redactUrl } from '@rcp/config';
import { Agent, request } from 'undici';
import { RccsTransportError, type RccsErrorCause, type RccsTransportErrorKind } from './errors';
import type { RccsExchange } from './exchange';
import type { RccsOperation } from './types';
import { tryParseFault } from './xml/response';

/** Settings of the HTTP layer (see {@link RccsClientOptions}). */
export interface TransportSettings {
  readonly endpoint: string;
  readonly connectTimeoutMs: number;
  readonly responseTimeoutMs: number;
  readonly totalTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly maxConnections: number;
  readonly maxResponseBytes: number;
  readonly maxLoggedResponseChars: number;
  readonly userAgent?: string;
}

/** What one POST produced when an HTTP 200 arrived. */
export interface HttpOk {
  readonly responseXml: string;
  readonly exchange: RccsExchange;
}

/** Per-call context: the operation, the masked request for logging and a scrubber for the auth key. */
export interface CallContext {
  readonly operation: RccsOperation;
  readonly requestXml: string;
  readonly loggedRequestXml: string;
  readonly scrub: (text: string) => string;
}

const CONNECT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_DESTROYED',
  'UND_ERR_CLOSED',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_ABORTED', 'ABORT_ERR', 'ETIMEDOUT']);

class BodyTooLargeError extends Error {}
class BodyEncodingError extends Error {}

/** Thin undici wrapper: one POST per call, no retries, bodies always consumed or destroyed. */
export class SoapTransport {
  private readonly agent: Agent;
  private readonly displayEndpoint: string;

  constructor(private readonly settings: TransportSettings) {
    this.agent = new Agent({
      connect: { timeout: settings.connectTimeoutMs },
      headersTimeout: settings.responseTimeoutMs,
      bodyTimeout: settings.responseTimeoutMs,
      keepAliveTimeout: settings.keepAliveTimeoutMs,
      keepAliveMaxTimeout: Math.max(settings.keepAliveTimeoutMs, 1000),
      connections: settings.maxConnections,
      pipelining: 1,
    });
    this.displayEndpoint = redactUrl(settings.endpoint);
  }

  /** POSTs the envelope. Resolves only on HTTP 200 with a readable body; throws {@link RccsTransportError} otherwise. */
  async post(ctx: CallContext): Promise<HttpOk> {
    const startedAt = new Date();
    const t0 = performance.now();
    let httpStatus: number | null = null;
    let responseXml: string | null = null;
    const exchange = (): RccsExchange => ({
      operation: ctx.operation,
      endpoint: this.displayEndpoint,
      requestXml: ctx.loggedRequestXml,
      responseXml: responseXml === null ? null : this.forLog(ctx.scrub(responseXml)),
      httpStatus,
      durationMs: Math.round(performance.now() - t0),
      startedAt: startedAt.toISOString(),
    });
    const fail = (kind: RccsTransportErrorKind, message: string, registered: boolean, extra: { cause?: RccsErrorCause } = {}) =>
      new RccsTransportError(kind, ctx.operation, ctx.scrub(`${ctx.operation}: ${message}`), registered, exchange(), {
        httpStatus: httpStatus ?? undefined,
        fault: undefined,
        cause: extra.cause,
      });

    try {
      const headers: Record<string, string> = {
        'content-type': 'text/xml; charset=UTF-8',
        soapaction: '""',
        accept: 'text/xml',
      };
      if (this.settings.userAgent) headers['user-agent'] = this.settings.userAgent;
      const response = await request(this.settings.endpoint, {
        dispatcher: this.agent,
        method: 'POST',
        headers,
        body: ctx.requestXml,
        signal: AbortSignal.timeout(this.settings.totalTimeoutMs),
      });
      httpStatus = response.statusCode;
      responseXml = await this.readBody(response.body);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        throw fail(httpStatus === 200 ? 'malformed-response' : 'http-status', `response body exceeds ${this.settings.maxResponseBytes} bytes (HTTP ${httpStatus})`, true);
      }
      if (err instanceof BodyEncodingError) {
        throw fail(httpStatus === 200 ? 'malformed-response' : 'http-status', `response body is not valid UTF-8 (HTTP ${httpStatus})`, true);
      }
      const cause = sanitizeCause(err, ctx.scrub);
      const { kind, registered, description } = classifyNetworkError(cause.code, cause.name);
      throw fail(kind, `${description} (${cause.code ?? cause.name}) calling ${this.displayEndpoint}`, registered, { cause });
    }

    if (httpStatus !== 200) {
      const fault = tryParseFault(responseXml);
      if (fault) {
        throw new RccsTransportError(
          'soap-fault',
          ctx.operation,
          ctx.scrub(`${ctx.operation}: SOAP fault ${fault.faultCode}: ${fault.faultString} (HTTP ${httpStatus})`),
          true,
          exchange(),
          { httpStatus, fault: { faultCode: ctx.scrub(fault.faultCode), faultString: ctx.scrub(fault.faultString) } },
        );
      }
      const clientError = httpStatus >= 400 && httpStatus < 500;
      throw fail('http-status', `unexpected HTTP status ${httpStatus}`, !clientError);
    }
    return { responseXml, exchange: exchange() };
  }

  /** Destroys the agent and its sockets; later calls fail with kind `connect`. */
  async close(): Promise<void> {
    await this.agent.destroy();
  }

  private async readBody(body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown }): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > this.settings.maxResponseBytes) {
        body.destroy();
        throw new BodyTooLargeError();
      }
      chunks.push(chunk);
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
    } catch {
      throw new BodyEncodingError();
    }
  }

  private forLog(text: string): string {
    const max = this.settings.maxLoggedResponseChars;
    return text.length <= max ? text : `${text.slice(0, max)}…[truncated ${text.length - max} chars]`;
  }
}

function sanitizeCause(err: unknown, scrub: (text: string) => string): RccsErrorCause {
  const e = err as { name?: unknown; code?: unknown; message?: unknown; cause?: { code?: unknown } } | null;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    ...(code ? { code } : {}),
    message: scrub(typeof e?.message === 'string' ? e.message : String(err)).slice(0, 500),
  };
}

function classifyNetworkError(code: string | undefined, name: string): { kind: RccsTransportErrorKind; registered: boolean; description: string } {
  if (code && CONNECT_CODES.has(code)) return { kind: 'connect', registered: false, description: 'could not connect' };
  if ((code && TIMEOUT_CODES.has(code)) || name === 'TimeoutError' || name === 'AbortError') {
    return { kind: 'timeout', registered: true, description: 'no response in time' };
  }
  if (code?.startsWith('HPE_')) return { kind: 'malformed-response', registered: true, description: 'invalid HTTP response' };
  return { kind: 'connection-reset', registered: true, description: 'connection lost' };
}
