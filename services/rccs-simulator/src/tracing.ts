import { startTracing } from '@rcp/observability';

// Imported first by main.ts: OpenTelemetry must patch http/pg before anything loads them.
// Exporter from OTEL_TRACES_EXPORTER (default none = off); see libs/observability/README.md.
startTracing({ service: 'rccs-simulator' });
