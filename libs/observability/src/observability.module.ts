import {
  DynamicModule,
  Global,
  Inject,
  MiddlewareConsumer,
  Module,
  NestModule,
  OnModuleDestroy,
  RequestMethod,
} from '@nestjs/common';
import { HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { Metrics } from './metrics/metrics';
import { MetricsController } from './metrics/metrics.controller';

/** Options of {@link ObservabilityModule.forRoot}. */
export interface ObservabilityOptions {
  /** Service name: the `service` label, e.g. `order-service`. */
  service: string;
  /** Expose `GET /metrics` and collect default process metrics. Default true. */
  metrics?: boolean;
  /** Record `http_request_duration_seconds` for every route. Default true. */
  http?: boolean;
  /**
   * Use this pre-built {@link Metrics} (same `service`) instead of creating one — for options that are built
   * before DI exists, e.g. `MessagingModule.forRoot({ observer: messagingObserver(metrics) })`. Shared by every
   * app created from the same module, so prefer the default in tests that start several apps.
   */
  instance?: Metrics;
}

/** DI token of the resolved {@link ObservabilityOptions}. */
export const OBSERVABILITY_OPTIONS = Symbol('OBSERVABILITY_OPTIONS');

/**
 * Global module providing {@link Metrics} (one registry per app instance), `GET /metrics` and HTTP request
 * metrics. Import once in each service's AppModule: `ObservabilityModule.forRoot({ service: 'order-service' })`.
 */
@Global()
@Module({})
export class ObservabilityModule implements NestModule, OnModuleDestroy {
  constructor(
    @Inject(OBSERVABILITY_OPTIONS) private readonly options: ObservabilityOptions,
    private readonly metrics: Metrics,
  ) {}

  /** The module for `service`; see {@link ObservabilityOptions}. */
  static forRoot(options: ObservabilityOptions): DynamicModule {
    const resolved: ObservabilityOptions = { metrics: true, http: true, ...options };
    return {
      module: ObservabilityModule,
      global: true,
      controllers: resolved.metrics ? [MetricsController] : [],
      providers: [
        { provide: OBSERVABILITY_OPTIONS, useValue: resolved },
        {
          provide: Metrics,
          useFactory: () => resolved.instance ?? new Metrics(resolved.service, { defaultMetrics: resolved.metrics }),
        },
        HttpMetricsMiddleware,
      ],
      exports: [Metrics, OBSERVABILITY_OPTIONS],
    };
  }

  /** @internal Applies the HTTP metrics middleware to every route. */
  configure(consumer: MiddlewareConsumer): void {
    if (this.options.http) consumer.apply(HttpMetricsMiddleware).forRoutes({ path: '*', method: RequestMethod.ALL });
  }

  /** @internal */
  onModuleDestroy(): void {
    if (!this.options.instance) this.metrics.registry.clear();
  }
}
