import { context, trace } from '@opentelemetry/api';
import { transformFileSync } from '@swc/core';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import {
  injectTraceHeaders,
  parseTracesExporter,
  startTracing,
  withExtractedContext,
  type TracingHandle,
} from './tracing';

describe('tracing', () => {
  let handle: TracingHandle;

  beforeAll(() => {
    handle = startTracing({ service: 'trace-test', exporter: 'memory' });
  });
  afterAll(async () => {
    await handle.shutdown();
  });

  it('is off by default (env unset) and rejects unknown exporters', () => {
    expect(parseTracesExporter(undefined)).toBe('none');
    expect(parseTracesExporter(' OTLP ')).toBe('otlp');
    expect(() => parseTracesExporter('jaeger')).toThrow(/OTEL_TRACES_EXPORTER/);
    expect(handle.enabled).toBe(true);
    expect(startTracing({ service: 'again', exporter: 'memory' })).toBe(handle);
  });

  it('an HTTP request to a local server yields client and server spans in one trace (real node process)', async () => {
    // Auto-instrumentation hooks Node's real `Module.prototype.require`; jest sandboxes `module`, so this part
    // runs the compiled tracing.ts in a plain child process, exactly as a service would.
    const spans = await runChild(CHILD_HTTP_SCRIPT);
    expect(spans.map((s) => s.kind).sort()).toEqual([1, 2]); // SERVER=1, CLIENT=2
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    expect(spans.every((s) => s.service === 'trace-child')).toBe(true);
    const server = spans.find((s) => s.kind === 1)!;
    const client = spans.find((s) => s.kind === 2)!;
    expect(server.parentSpanId).toBe(client.spanId);
  }, 20_000);

  it('exporter file appends finished spans as JSON lines to OTEL_TRACES_FILE (real node process)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rcp-trace-file-'));
    try {
      const file = join(dir, 'nested', 'spans.jsonl');
      const lines = await runChildJson<string>(
        `const { startTracing } = require('./tracing.js');
        const { trace } = require('@opentelemetry/api');
        const fs = require('node:fs');
        const handle = startTracing({ service: 'file-child', env: { OTEL_TRACES_EXPORTER: 'file', OTEL_TRACES_FILE: ${JSON.stringify(file)} } });
        trace.getTracer('t').startActiveSpan('outer', (outer) => {
          trace.getTracer('t').startSpan('inner').end();
          outer.end();
        });
        handle.shutdown().then(() => process.stdout.write(JSON.stringify(fs.readFileSync(${JSON.stringify(file)}, 'utf8'))));`,
        false,
      );
      const spans = lines.trim().split('\n').map((l) => JSON.parse(l));
      expect(spans.map((s) => s.name)).toEqual(['inner', 'outer']);
      expect(spans[0]).toMatchObject({ service: 'file-child', traceId: spans[1].traceId, parentSpanId: spans[1].spanId, kind: 0 });
      expect(typeof spans[1].startMs).toBe('number');
      expect(() => parseTracesExporter('file')).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);

  it('loading the package index does not load amqplib, pg, undici, express or typeorm (so tracing can patch them)', async () => {
    const loaded = await runChildJson<string[]>(
      `require('./index.js');
      const names = Object.keys(require.cache)
        .filter((k) => /node_modules[\\/](amqplib|pg|undici|express|typeorm|amqp-connection-manager)[\\/]/.test(k))
        .map((k) => k.split('node_modules/').pop().split('/')[0]);
      process.stdout.write(JSON.stringify([...new Set(names)]));`,
      true,
    );
    expect(loaded).toEqual([]);
  }, 20_000);

  it('inject → fake message headers → extract keeps the trace id', () => {
    const tracer = trace.getTracer('test');
    let headers: Record<string, unknown> = {};
    let producerTrace = '';
    tracer.startActiveSpan('publish', (span) => {
      producerTrace = span.spanContext().traceId;
      headers = { ...injectTraceHeaders(), 'x-event-version': 1 };
      span.end();
    });
    expect(headers.traceparent).toMatch(new RegExp(`^00-${producerTrace}-[0-9a-f]{16}-01$`));
    // AMQP delivers header strings as Buffers sometimes
    const delivered = { ...headers, traceparent: Buffer.from(String(headers.traceparent)) };
    const consumerTrace = withExtractedContext(delivered, () =>
      tracer.startActiveSpan('handle', (span) => {
        span.end();
        return span.spanContext().traceId;
      }),
    );
    expect(consumerTrace).toBe(producerTrace);
    expect(withExtractedContext({}, () => trace.getSpan(context.active()))).toBeUndefined();
  });
});

interface ChildSpan {
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  service: unknown;
}

const CHILD_HTTP_SCRIPT = `
const { startTracing, memorySpanExporter } = require('./tracing.js');
const handle = startTracing({ service: 'trace-child', exporter: 'memory' });
const http = require('node:http');
const server = http.createServer((_req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  http.get({ host: '127.0.0.1', port, path: '/orders/1' }, (res) => {
    res.resume();
    res.on('end', () => server.close(async () => {
      const spans = memorySpanExporter().getFinishedSpans().map((s) => ({
        kind: s.kind, traceId: s.spanContext().traceId, spanId: s.spanContext().spanId,
        parentSpanId: s.parentSpanContext && s.parentSpanContext.spanId, service: s.resource.attributes['service.name'],
      }));
      await handle.shutdown();
      process.stdout.write(JSON.stringify(spans));
    }));
  });
});
`;

function runChild(script: string): Promise<ChildSpan[]> {
  return runChildJson<ChildSpan[]>(script, false);
}

/** Compiles tracing.ts (or the whole library) to a temp dir and runs `script` there with plain node; parses its stdout. */
async function runChildJson<T>(script: string, wholeLibrary: boolean): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'rcp-tracing-'));
  try {
    const files = wholeLibrary ? sourceFiles(__dirname) : ['tracing.ts'];
    for (const file of files) {
      const { code } = transformFileSync(resolve(__dirname, file), {
        swcrc: false,
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        },
        module: { type: 'commonjs' },
      });
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file.replace(/\.ts$/, '.js')), code);
    }
    writeFileSync(join(dir, 'child.js'), script);
    const nodePath = resolve(__dirname, '../../../node_modules');
    const stdout = await new Promise<string>((ok, fail) =>
      execFile(process.execPath, ['child.js'], { cwd: dir, env: { ...process.env, NODE_PATH: nodePath }, timeout: 15_000 }, (err, out, errOut) =>
        err ? fail(new Error(`${err.message}\n${errOut}`)) : ok(out),
      ),
    );
    return JSON.parse(stdout) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sourceFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
    .map((f) => relative(root, resolve(root, f)));
}
