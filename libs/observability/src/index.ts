/**
 * @rcp/observability — metrics (Prometheus), health (terminus), structured logs (pino) and traces (OpenTelemetry)
 * for every service. Loading this index does not load amqplib, pg or undici, so a service's `src/tracing.ts` can
 * import `startTracing` from here and still run before those libraries are loaded. See README.md for the wiring.
 */
export * from './tracing';
export * from './public-route';
export * from './metrics/catalogue';
export * from './metrics/metrics';
export * from './metrics/metrics.controller';
export * from './metrics/http-metrics.middleware';
export * from './metrics/messaging-observer';
export * from './observability.module';
export * from './health/checks';
export * from './health/health.module';
export * from './logging/redact';
export * from './logging/logger';
