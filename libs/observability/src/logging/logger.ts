import type { DynamicModule } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { LoggerModule } from 'nestjs-pino';
import pino, { type DestinationStream, type Logger, type LoggerOptions as PinoOptions } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { currentTraceId } from '../tracing';
import { REDACTED, REDACT_PATHS, redactDeep, redactSecrets } from './redact';

/** Request and response header carrying the correlation id of an HTTP request. */
export const CORRELATION_ID_HEADER = 'x-correlation-id';

/** The message fields added to log lines inside a handler (a subset of `@rcp/messaging`'s `MessageContext`). */
export interface LogMessageContext {
  messageId: string;
  correlationId: string;
  type: string;
}

/** Options of {@link createLogger} and {@link loggerModule}. */
export interface LogOptions {
  /** `service` field of every line. */
  service: string;
  /** pino level; default env `LOG_LEVEL`, else `info`. */
  level?: string;
  /**
   * Source of the message being handled — pass `currentMessageContext` from `@rcp/messaging`. Its `messageId`,
   * `correlationId` and `type` are added to every line logged inside a message handler.
   */
  messageContext?: () => LogMessageContext | undefined;
  /** Where lines go; default stdout. (Tests pass a capturing stream.) */
  destination?: DestinationStream;
  /** HTTP paths not logged on completion (exact match, query ignored). Default `/metrics`, `/health/live`, `/health/ready`. */
  quietPaths?: readonly string[];
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * pino options shared by every logger of this library: JSON lines with `service`, ISO `time`, level names,
 * secret redaction (pino `redact` paths + {@link redactSecrets} on messages, string fields and errors), and a
 * mixin adding the current message context (`messageId`, `correlationId`, `type`) and `traceId`.
 */
export function pinoOptions(options: LogOptions): PinoOptions {
  const messageContext = options.messageContext;
  return {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: options.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    formatters: {
      level: (label) => ({ level: label }),
      log: (obj) => redactDeep(obj),
    },
    serializers: {
      err: (err: unknown) => redactError(err),
    },
    hooks: {
      logMethod(args, method) {
        // pino derives `msg` from an Error passed first; do it here so the message is redacted too
        const first: unknown = args[0];
        const normalized: unknown[] = first instanceof Error && typeof args[1] !== 'string' ? [{ err: first }, first.message, ...args.slice(1)] : args;
        const safe = normalized.map((a) => (typeof a === 'string' ? redactSecrets(a) : a)) as typeof args;
        return method.apply(this, safe);
      },
    },
    mixin() {
      const out: Record<string, string> = {};
      const ctx = safeCall(messageContext);
      if (ctx) {
        out.messageId = ctx.messageId;
        out.correlationId = ctx.correlationId;
        out.type = ctx.type;
      }
      const traceId = currentTraceId();
      if (traceId) out.traceId = traceId;
      return out;
    },
  };
}

/** pino's standard error serializer with every string (message, stack, causes, extra fields) secret-redacted. */
export function redactError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return redactDeep({ value: err }).value as Record<string, unknown>;
  const serialized = { ...(pino.stdSerializers.err(err) as unknown as Record<string, unknown>) };
  return redactDeep(serialized);
}

function safeCall(fn: LogOptions['messageContext']): LogMessageContext | undefined {
  try {
    return fn?.();
  } catch {
    return undefined;
  }
}

/** A standalone pino logger (tools, scripts, bootstrap failures) with the options of {@link pinoOptions}. */
export function createLogger(options: LogOptions): Logger {
  return options.destination ? pino(pinoOptions(options), options.destination) : pino(pinoOptions(options));
}

/**
 * The correlation id of an incoming request: a well-formed `x-correlation-id` header (1–128 of `A-Za-z0-9._:-`),
 * else a new UUID. Also echoed in the response header.
 */
export function resolveCorrelationId(req: IncomingMessage, res?: ServerResponse): string {
  const raw = req.headers[CORRELATION_ID_HEADER];
  const given = Array.isArray(raw) ? raw[0] : raw;
  const id = given && CORRELATION_ID.test(given) ? given : randomUUID();
  if (res && !res.headersSent) res.setHeader(CORRELATION_ID_HEADER, id);
  return id;
}

/** The correlation id assigned to a request by {@link loggerModule} (use it as the `correlationId` of events it causes). */
export function requestCorrelationId(req: { id?: unknown; headers?: IncomingMessage['headers'] }): string | undefined {
  return typeof req.id === 'string' ? req.id : undefined;
}

/**
 * What the completion line keeps of pino-http's standard request serialization: method, URL (secret-redacted: query
 * strings may carry secrets), client address and user agent. Headers stay out: they are the bulk of a line
 * (≈ 1.5 KB with the security headers of every response) and the place credentials travel.
 */
export function accessLogRequest(req: { method?: string; url?: string; remoteAddress?: string; headers?: Record<string, unknown> }): Record<string, unknown> {
  const agent = req.headers?.['user-agent'];
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactSecrets(req.url) : req.url,
    remoteAddress: req.remoteAddress,
    ...(typeof agent === 'string' ? { userAgent: redactSecrets(agent) } : {}),
  };
}

/** What the completion line keeps of the response: its status (the duration is `responseTime`, the id `correlationId`). */
export function accessLogResponse(res: { statusCode?: number }): Record<string, unknown> {
  return { statusCode: res.statusCode };
}

/** pino-http options used by {@link loggerModule}. */
export function pinoHttpOptions(options: LogOptions): PinoHttpOptions {
  const quiet = new Set(options.quietPaths ?? ['/metrics', '/health/live', '/health/ready']);
  const base = pinoOptions(options);
  return {
    ...base,
    serializers: { ...base.serializers, req: accessLogRequest, res: accessLogResponse },
    genReqId: (req, res) => resolveCorrelationId(req, res),
    customAttributeKeys: { reqId: 'correlationId' },
    quietReqLogger: true,
    autoLogging: { ignore: (req) => quiet.has((req.url ?? '').split('?')[0]) },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
  };
}

/**
 * nestjs-pino `LoggerModule` for a service: JSON lines as {@link pinoOptions}, one completion line per request,
 * and a correlation id per request ({@link resolveCorrelationId}) on every line logged while handling it.
 * Then in main.ts: `NestFactory.create(AppModule, { bufferLogs: true })` and `app.useLogger(app.get(Logger))`.
 */
export function loggerModule(options: LogOptions): DynamicModule {
  const http = pinoHttpOptions(options);
  return LoggerModule.forRoot({ pinoHttp: options.destination ? [http, options.destination] : http });
}
