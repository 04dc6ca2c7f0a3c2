/* The OpenTelemetry SDK, exporters and instrumentations are loaded only when tracing is on (≈ 23 MB RSS per process). */
const mockLoaded: string[] = [];
const mockTrack = (name: string, id: string) => {
  mockLoaded.push(name);
  return jest.requireActual(id);
};
jest.mock('@opentelemetry/sdk-trace-node', () => mockTrack('sdk', '@opentelemetry/sdk-trace-node'));
jest.mock('@opentelemetry/instrumentation-http', () => mockTrack('http', '@opentelemetry/instrumentation-http'));
jest.mock('@opentelemetry/instrumentation-pg', () => mockTrack('pg', '@opentelemetry/instrumentation-pg'));
jest.mock('@opentelemetry/exporter-trace-otlp-http', () => mockTrack('otlp', '@opentelemetry/exporter-trace-otlp-http'));

import { startTracing } from './tracing';

describe('startTracing loads OpenTelemetry only when tracing is on', () => {
  it('loads no SDK, instrumentation or exporter with exporter none', () => {
    const handle = startTracing({ service: 'lazy-test', exporter: 'none' });
    expect(handle.enabled).toBe(false);
    expect(mockLoaded).toEqual([]);
  });

  it('loads the SDK and the instrumentations when on (the OTLP exporter only for otlp)', async () => {
    const handle = startTracing({ service: 'lazy-test', exporter: 'memory' });
    try {
      expect(handle.enabled).toBe(true);
      expect(mockLoaded).toEqual(expect.arrayContaining(['sdk', 'http', 'pg']));
      expect(mockLoaded).not.toContain('otlp');
    } finally {
      await handle.shutdown();
    }
  });
});
