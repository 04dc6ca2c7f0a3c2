import { Controller, DynamicModule, Get, Inject, Module, type ModuleMetadata } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule, type HealthCheckResult } from '@nestjs/terminus';
import { OperationalController } from '../public-route';
import { runCheck, type ReadinessCheck } from './checks';

/** Options of {@link HealthModule.forRoot}. */
export interface HealthOptions {
  /** Readiness checks run by `GET /health/ready` (in parallel). */
  checks: ReadinessCheck[];
}

/** Options of {@link HealthModule.forRootAsync}: build the checks from injected providers (DataSource, …). */
export interface HealthAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Providers passed to `useFactory`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  inject?: any[];
  /** Returns the options. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  useFactory: (...deps: any[]) => HealthOptions | Promise<HealthOptions>;
}

/** DI token of the resolved {@link HealthOptions}. */
export const HEALTH_OPTIONS = Symbol('HEALTH_OPTIONS');

/**
 * `GET /health/live` (the process answers; no dependency is checked) and `GET /health/ready` (every check; 503
 * naming the failing ones under `error`). Terminus response format. Public (no auth) and hidden from Swagger.
 */
@OperationalController()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(HEALTH_OPTIONS) private readonly options: HealthOptions,
  ) {}

  /** Liveness: 200 while the event loop runs. */
  @Get('live')
  @HealthCheck({ swaggerDocumentation: false })
  live(): Promise<HealthCheckResult> {
    return this.health.check([() => this.indicator.check('process').up({ pid: process.pid, uptimeSeconds: Math.round(process.uptime()) })]);
  }

  /** Readiness: 200 when every check passes, else 503 with the failing checks under `error`. */
  @Get('ready')
  @HealthCheck({ swaggerDocumentation: false })
  ready(): Promise<HealthCheckResult> {
    return this.health.check(
      this.options.checks.map((c) => async () => {
        const outcome = await runCheck(c);
        const session = this.indicator.check(c.name);
        return outcome.up ? session.up(outcome.details ?? {}) : session.down({ message: outcome.message });
      }),
    );
  }
}

/** Liveness/readiness endpoints; see {@link HealthController}. */
@Module({})
export class HealthModule {
  /** Static checks (tests, services whose checks need no DI). */
  static forRoot(options: HealthOptions): DynamicModule {
    return HealthModule.build([{ provide: HEALTH_OPTIONS, useValue: options }]);
  }

  /** Checks built from injected providers, e.g. `inject: [DataSource], useFactory: (ds) => ({ checks: [databaseCheck(ds)] })`. */
  static forRootAsync(options: HealthAsyncOptions): DynamicModule {
    return HealthModule.build(
      [{ provide: HEALTH_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory }],
      options.imports ?? [],
    );
  }

  private static build(providers: DynamicModule['providers'], imports: NonNullable<ModuleMetadata['imports']> = []): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), ...imports],
      controllers: [HealthController],
      providers,
    };
  }
}
