import { context, propagation, trace, SpanKind, SpanStatusCode, type Context } from '@opentelemetry/api';

/**
 * W3C trace context (`traceparent` / `tracestate`) across the outbox and the broker, with the OpenTelemetry API
 * only: without a registered SDK (tracing off) every function here is a no-op. (The same helpers exist in
 * `@rcp/observability`; they are repeated here because that library depends on this one.)
 */
export const TRACE_CONTEXT_HEADERS = Object.freeze(['traceparent', 'tracestate'] as const);

/** `traceparent` (and `tracestate` when set) of the active span; `{}` when tracing is off or no span is active. */
export function traceContextHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  const out: Record<string, string> = {};
  for (const name of TRACE_CONTEXT_HEADERS) if (carrier[name]) out[name] = carrier[name];
  return out;
}

/** The trace context carried by message headers (Buffer values decoded), or undefined when there is none. */
export function extractTraceContext(headers: Record<string, unknown> | undefined | null): Context | undefined {
  const carrier: Record<string, string> = {};
  for (const name of TRACE_CONTEXT_HEADERS) {
    const raw = headers?.[name];
    if (typeof raw === 'string') carrier[name] = raw;
    else if (Buffer.isBuffer(raw)) carrier[name] = raw.toString('utf8');
  }
  if (!carrier.traceparent) return undefined;
  const extracted = propagation.extract(context.active(), carrier);
  return trace.getSpan(extracted) ? extracted : undefined;
}

/** True when a (valid) span is active, e.g. the amqplib instrumentation's consume span. */
function hasActiveSpan(): boolean {
  const span = trace.getSpan(context.active());
  return !!span && trace.isSpanContextValid(span.spanContext());
}

/**
 * Runs `fn` in the trace context of `headers` (e.g. an outbox row's stored `traceparent`), unless a span is
 * already active (auto-instrumentation's consume span, which already continues the producer's trace).
 */
export function withHeadersTraceContext<T>(headers: Record<string, unknown> | undefined | null, fn: () => T): T {
  if (hasActiveSpan()) return fn();
  const ctx = extractTraceContext(headers);
  return ctx ? context.with(ctx, fn) : fn();
}

const tracer = () => trace.getTracer('@rcp/messaging');

/**
 * Runs a message handler in a `handle <type>` consumer span, a child of the active span or of the context carried
 * by the message headers. The span records the error when `fn` rejects. No-op span when tracing is off.
 */
export function runHandlerSpan<T>(
  headers: Record<string, unknown> | undefined | null,
  name: string,
  attributes: Record<string, string | number>,
  fn: () => Promise<T>,
): Promise<T> {
  return withHeadersTraceContext(headers, () =>
    tracer().startActiveSpan(name, { kind: SpanKind.CONSUMER, attributes }, async (span) => {
      try {
        return await fn();
      } catch (err) {
        // the name only: error messages may quote upstream data
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'handler failed' });
        throw err;
      } finally {
        span.end();
      }
    }),
  );
}
