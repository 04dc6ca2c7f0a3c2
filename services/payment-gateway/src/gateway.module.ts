import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MessagingModule, OutboxService } from '@rcp/messaging';
import { RccsClient } from '@rcp/rccs-client';
import { AuthModule } from '@rcp/auth';
import { BackgroundWorker } from './background/worker';
import { Batcher } from './batching/batcher';
import { CLOCK, systemClock, type Clock } from './clock';
import { ConfiguredCredentialsProvider, CREDENTIALS_PROVIDER, StoredCredentialsProvider, type CredentialsProvider } from './config/credentials';
import { GATEWAY_CONFIG, type GatewayConfig } from './config/gateway-config';
import { AdminController } from './http/admin.controller';
import { HealthController } from './http/health.controller';
import { MetricsController } from './http/metrics.controller';
import { GatewayMetrics } from './http/metrics';
import { ShopLimiter } from './limits/shop-limiter';
import { PaymentRequestController } from './messaging/payment-request.controller';
import { ShopEventsController } from './messaging/shop-events.controller';
import { CONNECTION_PROBE, type ConnectionProbe } from './shops/connection-check';
import { CardStatusReporter } from './operations/card-status';
import { parseBatchKey, RequestIntake } from './operations/request-intake';
import { gatewayDataSourceOptions } from './persistence/data-source';
import { Poller } from './polling/poller';
import { Resubmitter } from './polling/resubmitter';
import { RccsGateway, type RccsApi } from './rccs/rccs-gateway';
import { Reconciler } from './reconciliation/reconciler';
import { OUTBOX, type OutboxPort } from './results/outbox-port';
import { ResultWriter } from './results/result-writer';
import { StuckDetector } from './stuck/stuck-detector';
import { Submitter, type SubmitOutcome } from './submission/submitter';

export const RCCS_API = Symbol('RCCS_API');
export const BATCHER = Symbol('BATCHER');

/** Replaceable collaborators (tests inject a fake clock, fake API or another credentials source). */
export interface GatewayOverrides {
  clock?: Clock;
  credentials?: CredentialsProvider;
  rccsApi?: RccsApi;
}

/** Starts the background loop after bootstrap; on shutdown flushes waiting batches and stops the loop. */
@Injectable()
export class GatewayLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(BATCHER) private readonly batcher: Batcher<string, SubmitOutcome>,
    private readonly worker: BackgroundWorker,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(RCCS_API) private readonly api: RccsApi,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.backgroundEnabled) this.worker.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.batcher.close();
    await this.worker.stop();
    if (this.api instanceof RccsClient) await this.api.close();
  }
}

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, overrides: GatewayOverrides = {}): DynamicModule {
    const clock = overrides.clock ?? systemClock;
    const submitLeaseMs = config.rccs.connectTimeoutMs + 2 * config.rccs.responseTimeoutMs + 5000;
    return {
      module: GatewayModule,
      imports: [
        TypeOrmModule.forRoot(gatewayDataSourceOptions(config.databaseUrl)),
        MessagingModule.forRoot({
          url: config.rabbitUrl,
          exchange: config.exchange,
          namePrefix: config.namePrefix,
          connectionName: 'payment-gateway:publisher',
          outbox: { enabled: true, pollIntervalMs: 500 },
        }),
        // operator access (libs/auth): API keys replicated from order-service, admin routes, audit rows
        AuthModule.forRoot({
          service: 'payment-gateway',
          bootstrapKey: config.auth.bootstrapKey,
          rateLimit: { limit: config.auth.rateLimitMax, ttlMs: config.auth.rateLimitWindowMs },
          cacheTtlMs: config.auth.cacheTtlMs,
          replicateKeys: true,
          now: () => clock.now(),
        }),
      ],
      controllers: [PaymentRequestController, ShopEventsController, HealthController, MetricsController, AdminController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: CLOCK, useValue: clock },
        {
          provide: CREDENTIALS_PROVIDER,
          inject: [DataSource],
          useFactory: (ds: DataSource): CredentialsProvider =>
            overrides.credentials ?? new StoredCredentialsProvider(ds, config.credentials.atRest, new ConfiguredCredentialsProvider(config.shops), config.credentials.cacheMs),
        },
        {
          provide: RCCS_API,
          useFactory: () =>
            overrides.rccsApi ??
            new RccsClient({
              endpoint: config.rccs.endpoint,
              connectTimeoutMs: config.rccs.connectTimeoutMs,
              responseTimeoutMs: config.rccs.responseTimeoutMs,
              maxItemsPerRequest: config.batch.maxOrders,
              maxRequestIdsPerQuery: config.polling.idsPerQuery,
              userAgent: 'rcp-payment-gateway',
            }),
        },
        { provide: OUTBOX, inject: [OutboxService], useFactory: (o: OutboxService): OutboxPort => o },
        {
          provide: RccsGateway,
          inject: [RCCS_API, CREDENTIALS_PROVIDER, DataSource],
          useFactory: (api: RccsApi, creds: CredentialsProvider, ds: DataSource) =>
            new RccsGateway(api, creds, new ShopLimiter(ds, config.limits, submitLeaseMs), {
              callRetries: config.retry.callRetries,
              callRetryBaseMs: config.retry.callRetryBaseMs,
              breakerThreshold: config.breaker.threshold,
              breakerHalfOpenAfterMs: config.breaker.halfOpenAfterMs,
            }),
        },
        {
          provide: CONNECTION_PROBE,
          inject: [RCCS_API, DataSource],
          useFactory: (api: RccsApi, ds: DataSource): ConnectionProbe => {
            const limiter = new ShopLimiter(ds, config.limits, submitLeaseMs);
            return { probe: (shopId, creds) => limiter.run(shopId, () => api.getRCCSRequestId(creds)) };
          },
        },
        { provide: GatewayMetrics, inject: [RccsGateway], useFactory: (g: RccsGateway) => new GatewayMetrics(() => g.circuitStates()) },
        {
          provide: ResultWriter,
          inject: [OUTBOX, GatewayMetrics],
          useFactory: (o: OutboxPort, m: GatewayMetrics) => new ResultWriter(o, clock, { onResult: (type) => m.results.inc({ type }) }),
        },
        {
          provide: Submitter,
          inject: [DataSource, RccsGateway, ResultWriter],
          useFactory: (ds: DataSource, g: RccsGateway, r: ResultWriter) =>
            new Submitter(ds, g, r, clock, { attempts: config.retry.callRetries + 1, firstPollDelayMs: config.polling.firstDelayMs, submitLeaseMs }),
        },
        {
          provide: BATCHER,
          inject: [Submitter],
          useFactory: (s: Submitter) =>
            new Batcher<string, SubmitOutcome>({ maxSize: config.batch.maxOrders, maxWaitMs: config.batch.maxWaitMs }, (key, ids) => {
              const { shopId, kind } = parseBatchKey(key);
              return s.submitBatch(shopId, kind, ids);
            }),
        },
        {
          provide: RequestIntake,
          inject: [DataSource, RccsGateway, BATCHER, ResultWriter],
          useFactory: (ds: DataSource, g: RccsGateway, b: Batcher<string, SubmitOutcome>, r: ResultWriter) =>
            new RequestIntake(ds, (shop) => g.knowsShop(shop), b, r, clock),
        },
        {
          provide: CardStatusReporter,
          inject: [DataSource, RccsGateway, OUTBOX],
          useFactory: (ds: DataSource, g: RccsGateway, o: OutboxPort) => new CardStatusReporter(ds, g, o, clock),
        },
        {
          provide: BackgroundWorker,
          inject: [DataSource, RccsGateway, ResultWriter, Submitter, OUTBOX, CREDENTIALS_PROVIDER],
          useFactory: (ds: DataSource, g: RccsGateway, r: ResultWriter, s: Submitter, o: OutboxPort, creds: CredentialsProvider) =>
            new BackgroundWorker(
              creds,
              new Poller(ds, g, r, clock, { ...config.polling, claimLeaseMs: submitLeaseMs }),
              new Resubmitter(ds, s, r, {
                maxAttempts: config.retry.resubmitMaxAttempts,
                batchSize: config.batch.maxOrders,
                leaseMs: submitLeaseMs,
                retryDelayMs: config.retry.delaysMs[0] ?? 1000,
              }),
              new StuckDetector(ds, o, clock, config.stuck.afterMs),
              new Reconciler(ds, g, r, clock, config.reconcile.afterMs),
              {
                tickMs: config.polling.tickMs,
                idsPerQuery: config.polling.idsPerQuery,
                stuckCheckIntervalMs: config.stuck.checkIntervalMs,
                reconcileIntervalMs: config.reconcile.intervalMs,
              },
            ),
        },
        GatewayLifecycle,
      ],
    };
  }
}
