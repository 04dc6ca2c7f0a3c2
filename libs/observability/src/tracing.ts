import { context, propagation, trace, type Context } from '@opentelemetry/api';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { InMemorySpanExporter, ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-node';

/*
 * The SDK, the exporters and the instrumentations are loaded by startTracing only when tracing is on: with the
 * default exporter `none` a service never loads them (≈ 23 MB of RSS per process).
 */
// `require`, not `import()`: startTracing must stay synchronous, it patches before the service loads what it instruments
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = <T>(id: string): T => require(id) as T;
const sdk = () => load<typeof import('@opentelemetry/sdk-trace-node')>('@opentelemetry/sdk-trace-node');

/**
 * Where finished spans go. `none` = tracing off (only the no-op OpenTelemetry API runs); `file` = JSON lines
 * appended to `OTEL_TRACES_FILE` (tests that spawn services, local debugging).
 */
export type TracesExporter = 'none' | 'otlp' | 'console' | 'memory' | 'file';

/** The exporters {@link startTracing} understands (also the valid values of `OTEL_TRACES_EXPORTER`). */
export const TRACES_EXPORTERS: readonly TracesExporter[] = Object.freeze(['none', 'otlp', 'console', 'memory', 'file']);

/** Options of {@link startTracing}. */
export interface TracingOptions {
  /** `service.name` of every span, e.g. `order-service`. */
  service: string;
  /** Exporter; defaults to env `OTEL_TRACES_EXPORTER`, else `none`. */
  exporter?: TracesExporter;
  /**
   * OTLP/HTTP base endpoint (e.g. `http://127.0.0.1:4318`); defaults to env `OTEL_EXPORTER_OTLP_ENDPOINT`,
   * else the exporter's own default (`http://localhost:4318`). `/v1/traces` is appended.
   */
  otlpEndpoint?: string;
  /** File of exporter `file`; defaults to env `OTEL_TRACES_FILE` (required for that exporter). */
  file?: string;
  /** Incoming HTTP paths that never create spans (exact match, query ignored). Default: `/metrics`, `/health/live`, `/health/ready`. */
  ignoreIncomingPaths?: readonly string[];
  /** Environment to read defaults from (tests). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** What {@link startTracing} returns. */
export interface TracingHandle {
  /** False when the exporter is `none`. */
  readonly enabled: boolean;
  /** The exporter in use. */
  readonly exporter: TracesExporter;
  /** Flushes pending spans, removes the instrumentation hooks and unregisters the provider. Idempotent. */
  shutdown(): Promise<void>;
}

interface Instrumentation {
  disable(): void;
}

let active: (TracingHandle & { service: string }) | undefined;
let memoryExporter: InMemorySpanExporter | undefined;

const DEFAULT_IGNORED = ['/metrics', '/health/live', '/health/ready'];

/** Parses an `OTEL_TRACES_EXPORTER` value; throws naming the variable on anything unknown. */
export function parseTracesExporter(value: string | undefined): TracesExporter {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '') return 'none';
  if ((TRACES_EXPORTERS as readonly string[]).includes(v)) return v as TracesExporter;
  throw new Error(`OTEL_TRACES_EXPORTER must be one of ${TRACES_EXPORTERS.join(', ')} (got "${value}")`);
}

/**
 * Starts OpenTelemetry tracing for this process: a Node tracer provider (async-local context, W3C trace-context
 * propagator) with auto-instrumentation of `http` (server and client), `undici` (fetch), `amqplib` and `pg`.
 *
 * MUST run before anything imports `amqplib`, `pg`, `undici` or `express`: instrumentation registered after a
 * library was loaded patches nothing. Call it from a tiny `src/tracing.ts` that is the FIRST import of `main.ts`
 * (see the README). With exporter `none` (the default) nothing is registered and the OpenTelemetry API stays a no-op.
 *
 * Calling it again returns the running handle (a process has one tracer provider).
 */
export function startTracing(options: TracingOptions): TracingHandle {
  if (active) return active;
  const env = options.env ?? process.env;
  const exporter = options.exporter ?? parseTracesExporter(env.OTEL_TRACES_EXPORTER);
  if (exporter === 'none') {
    return { enabled: false, exporter, shutdown: async () => undefined };
  }

  const { HttpInstrumentation } = load<typeof import('@opentelemetry/instrumentation-http')>('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } = load<typeof import('@opentelemetry/instrumentation-undici')>('@opentelemetry/instrumentation-undici');
  const { AmqplibInstrumentation } = load<typeof import('@opentelemetry/instrumentation-amqplib')>('@opentelemetry/instrumentation-amqplib');
  const { PgInstrumentation } = load<typeof import('@opentelemetry/instrumentation-pg')>('@opentelemetry/instrumentation-pg');
  const { resourceFromAttributes } = load<typeof import('@opentelemetry/resources')>('@opentelemetry/resources');
  const processor = spanProcessor(exporter, options.otlpEndpoint ?? env.OTEL_EXPORTER_OTLP_ENDPOINT, options.file ?? env.OTEL_TRACES_FILE);
  const provider = new (sdk().NodeTracerProvider)({
    resource: resourceFromAttributes({ 'service.name': options.service }),
    spanProcessors: [processor],
  });
  provider.register();

  const ignored = new Set(options.ignoreIncomingPaths ?? DEFAULT_IGNORED);
  // Instrumentations enable themselves on construction and use the (now registered) global provider.
  const instrumentations: Instrumentation[] = [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => ignored.has((req.url ?? '').split('?')[0]),
    }),
    new UndiciInstrumentation(),
    new AmqplibInstrumentation(),
    new PgInstrumentation({ enhancedDatabaseReporting: false }),
  ];

  let stopped: Promise<void> | undefined;
  const handle = {
    enabled: true,
    exporter,
    service: options.service,
    shutdown(): Promise<void> {
      stopped ??= (async () => {
        for (const i of instrumentations) i.disable();
        try {
          await provider.shutdown();
        } finally {
          trace.disable();
          context.disable();
          propagation.disable();
          if (active === handle) active = undefined;
          if (exporter === 'memory') memoryExporter = undefined;
        }
      })();
      return stopped;
    },
  };
  active = handle;
  return handle;
}

function spanProcessor(exporter: Exclude<TracesExporter, 'none'>, otlpEndpoint: string | undefined, file: string | undefined): SpanProcessor {
  const { BatchSpanProcessor, ConsoleSpanExporter, InMemorySpanExporter, SimpleSpanProcessor } = sdk();
  switch (exporter) {
    case 'file':
      if (!file) throw new Error('OTEL_TRACES_EXPORTER=file needs OTEL_TRACES_FILE (path of the JSON-lines file)');
      return new SimpleSpanProcessor(new FileSpanExporter(file));
    case 'memory':
      memoryExporter = new InMemorySpanExporter();
      return new SimpleSpanProcessor(memoryExporter);
    case 'console':
      return new SimpleSpanProcessor(new ConsoleSpanExporter());
    case 'otlp': {
      const base = otlpEndpoint?.replace(/\/+$/, '');
      const { OTLPTraceExporter } = load<typeof import('@opentelemetry/exporter-trace-otlp-http')>('@opentelemetry/exporter-trace-otlp-http');
      return new BatchSpanProcessor(new OTLPTraceExporter(base ? { url: `${base}/v1/traces` } : {}));
    }
  }
}

/** One line of the `file` exporter: a finished span. Times in epoch milliseconds. */
export interface FileSpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** `SpanKind`: 0 internal, 1 server, 2 client, 3 producer, 4 consumer. */
  kind: number;
  service: string;
  startMs: number;
  durationMs: number;
  status: number;
  attributes: Record<string, unknown>;
}

/** Converts a finished span to a {@link FileSpanRecord}. */
export function spanRecord(span: ReadableSpan): FileSpanRecord {
  const ms = ([s, ns]: [number, number]) => s * 1000 + ns / 1e6;
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: span.kind,
    service: String(span.resource.attributes['service.name'] ?? ''),
    startMs: Math.round(ms(span.startTime)),
    durationMs: Math.round(ms(span.duration) * 1000) / 1000,
    status: span.status.code,
    attributes: { ...span.attributes },
  };
}

/**
 * Appends every finished span as one JSON line ({@link FileSpanRecord}) to a file, synchronously (so a reader
 * sees a span as soon as it ended). Meant for tests and local debugging, not for production volumes.
 */
export class FileSpanExporter implements SpanExporter {
  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
  }

  export(spans: ReadableSpan[], resultCallback: Parameters<SpanExporter['export']>[1]): void {
    // ExportResultCode (from @opentelemetry/core, not a direct dependency): 0 SUCCESS, 1 FAILED
    try {
      if (spans.length) appendFileSync(this.file, spans.map((s) => JSON.stringify(spanRecord(s)) + '\n').join(''));
      resultCallback({ code: 0 });
    } catch (err) {
      resultCallback({ code: 1, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }

  async shutdown(): Promise<void> {}
}

/**
 * The in-memory exporter of a process started with exporter `memory` (tests), or undefined.
 * `getFinishedSpans()` lists ended spans; `reset()` clears them.
 */
export function memorySpanExporter(): InMemorySpanExporter | undefined {
  return memoryExporter;
}

/** Header names of W3C trace context. */
export const TRACE_HEADERS = Object.freeze({ traceparent: 'traceparent', tracestate: 'tracestate' });

/**
 * W3C trace-context headers (`traceparent`, and `tracestate` when set) of the active span, for hops that
 * auto-instrumentation cannot follow — e.g. store them in an outbox row's headers so HTTP → outbox → broker
 * stays one trace. Returns `{}` when tracing is off or no span is active.
 */
export function injectTraceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  const out: Record<string, string> = {};
  if (carrier.traceparent) out.traceparent = carrier.traceparent;
  if (carrier.tracestate) out.tracestate = carrier.tracestate;
  return out;
}

/**
 * Runs `fn` in the trace context carried by `headers` (e.g. AMQP message headers holding `traceparent`), so
 * spans created inside continue the producer's trace. Buffer header values are decoded; without usable headers
 * `fn` runs in the current context. Returns what `fn` returns.
 */
export function withExtractedContext<T>(headers: Record<string, unknown> | undefined | null, fn: () => T): T {
  const carrier: Record<string, string> = {};
  for (const name of [TRACE_HEADERS.traceparent, TRACE_HEADERS.tracestate]) {
    const raw = headers?.[name];
    if (typeof raw === 'string') carrier[name] = raw;
    else if (Buffer.isBuffer(raw)) carrier[name] = raw.toString('utf8');
  }
  if (!carrier.traceparent) return fn();
  return context.with(propagation.extract(context.active(), carrier), fn);
}

/** The trace id of the active span, or undefined (tracing off / no span). Handy for log correlation. */
export function currentTraceId(): string | undefined {
  const span = trace.getSpan(context.active());
  const id = span?.spanContext().traceId;
  return id && !/^0+$/.test(id) ? id : undefined;
}
