import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EventPublisher, MessagingModule, OutboxService, currentMessageContext } from '@rcp/messaging';
import { HealthModule, Metrics, ObservabilityModule, brokerCheck, databaseCheck, healthCheck, loggerModule, messagingObserver } from '@rcp/observability';
import { RccsClient } from '@rcp/rccs-client';
import { AuthModule } from '@rcp/auth';
import { BackgroundWorker } from './background/worker';
import { Batcher } from './batching/batcher';
import { sampleEventLoopDelay, SaturationLinger } from './batching/linger-while-saturated';
import { reportLinger } from './batching/report-linger';
import { CLOCK, systemClock, type Clock } from './clock';
import { ConfiguredCredentialsProvider, CREDENTIALS_PROVIDER, StoredCredentialsProvider, type CredentialsProvider } from './config/credentials';
import { GATEWAY_CONFIG, type GatewayConfig } from './config/gateway-config';
import { AdminController } from './http/admin.controller';
import { ShopLimiter } from './limits/shop-limiter';
import { PaymentRequestController } from './messaging/payment-request.controller';
import { ShopEventsController } from './messaging/shop-events.controller';
import { CONNECTION_PROBE, type ConnectionProbe } from './shops/connection-check';
import { CardStatusReporter } from './operations/card-status';
import { ASYNC_KINDS } from './operations/operation-kinds';
import { parseBatchKey, RequestIntake } from './operations/request-intake';
import { gatewayDataSourceOptions } from './persistence/data-source';
import { Poller } from './polling/poller';
import { Resubmitter } from './polling/resubmitter';
import { instrumentRccsApi } from './rccs/instrumented-api';
import { RccsGateway, type RccsApi } from './rccs/rccs-gateway';
import { Reconciler } from './reconciliation/reconciler';
import { OUTBOX, type OutboxPort } from './results/outbox-port';
import { ResultWriter } from './results/result-writer';
import { StuckDetector } from './stuck/stuck-detector';
import { Submitter, type SubmitOutcome } from './submission/submitter';

export const RCCS_API = Symbol('RCCS_API');
/** `service` of logs and metrics. */
export const GATEWAY_SERVICE = 'payment-gateway';
/** The request consumer's queue (before any test prefix). */
export const GATEWAY_QUEUE = 'payment-gateway';
/** `endpoint` label of the circuit-breaker gauge (one breaker per shop guards the whole card API). */
const CARD_API_ENDPOINT = 'rccs';
export const BATCHER = Symbol('BATCHER');

/** Replaceable collaborators (tests inject a fake clock, fake API or another credentials source). */
export interface GatewayOverrides {
  clock?: Clock;
  credentials?: CredentialsProvider;
  rccsApi?: RccsApi;
}

/**
 * Starts the background loop and the saturation sampling after bootstrap; on shutdown flushes waiting batches, stops
 * the loop and frees kept call slots.
 */
@Injectable()
export class GatewayLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private stopSampling?: () => void;

  constructor(
    @Inject(BATCHER) private readonly batcher: Batcher<string, SubmitOutcome>,
    private readonly saturation: SaturationLinger,
    private readonly worker: BackgroundWorker,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(RCCS_API) private readonly api: RccsApi,
    private readonly rccsGateway: RccsGateway,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.backgroundEnabled) this.worker.start();
    if (this.config.batch.saturation.lingerMs > 0) this.stopSampling = sampleEventLoopDelay(this.saturation);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopSampling?.();
    await this.batcher.close();
    await this.worker.stop();
    await this.rccsGateway.close();
    if (this.api instanceof RccsClient) await this.api.close();
  }
}

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, overrides: GatewayOverrides = {}): DynamicModule {
    const clock = overrides.clock ?? systemClock;
    const submitLeaseMs = config.rccs.connectTimeoutMs + 2 * config.rccs.responseTimeoutMs + 5000;
    // One registry per app (this module is built once per app): the messaging observer needs it before DI exists.
    const metrics = new Metrics(GATEWAY_SERVICE);
    let rccsGateway: RccsGateway | undefined; // for the readiness report (HealthModule cannot inject this module's providers)
    return {
      module: GatewayModule,
      imports: [
        ObservabilityModule.forRoot({ service: GATEWAY_SERVICE, instance: metrics }),
        loggerModule({ service: GATEWAY_SERVICE, level: config.logLevel, messageContext: currentMessageContext }),
        TypeOrmModule.forRoot(gatewayDataSourceOptions(config.databaseUrl, config.dbPreparedStatements)),
        MessagingModule.forRoot({
          url: config.rabbitUrl,
          exchange: config.exchange,
          namePrefix: config.namePrefix,
          connectionName: 'payment-gateway:publisher',
          appId: GATEWAY_SERVICE,
          outbox: { enabled: true, pollIntervalMs: 500 },
          observer: messagingObserver(metrics, { queue: GATEWAY_QUEUE }),
        }),
        // operator access (libs/auth): API keys replicated from order-service, admin routes, audit rows
        AuthModule.forRoot({
          service: GATEWAY_SERVICE,
          bootstrapKey: config.auth.bootstrapKey,
          rateLimit: { limit: config.auth.rateLimitMax, ttlMs: config.auth.rateLimitWindowMs },
          cacheTtlMs: config.auth.cacheTtlMs,
          replicateKeys: true,
          now: () => clock.now(),
        }),
        // /health/live, /health/ready: ready when PostgreSQL and RabbitMQ answer; the card-API circuit of every
        // shop is reported but never fatal (an open circuit of one shop must not take the others out of service).
        HealthModule.forRootAsync({
          inject: [DataSource, EventPublisher],
          useFactory: (ds: DataSource, publisher: EventPublisher) => ({
            checks: [
              databaseCheck(ds),
              brokerCheck(() => publisher.isConnected()),
              healthCheck('card-api-circuits', () => ({ shops: rccsGateway?.circuitStates() ?? {} })),
            ],
          }),
        }),
      ],
      controllers: [PaymentRequestController, ShopEventsController, AdminController],
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
            (rccsGateway = new RccsGateway(instrumentRccsApi(api, metrics), creds, new ShopLimiter(ds, config.limits, submitLeaseMs), {
              callRetries: config.retry.callRetries,
              callRetryBaseMs: config.retry.callRetryBaseMs,
              breakerThreshold: config.breaker.threshold,
              breakerHalfOpenAfterMs: config.breaker.halfOpenAfterMs,
              onCircuitState: (shop, state) => metrics.setCircuitBreakerState(shop, CARD_API_ENDPOINT, state === 'isolated' ? 'open' : state),
            })),
        },
        {
          provide: CONNECTION_PROBE,
          inject: [RCCS_API, DataSource],
          useFactory: (api: RccsApi, ds: DataSource): ConnectionProbe => {
            const limiter = new ShopLimiter(ds, config.limits, submitLeaseMs);
            return { probe: (shopId, creds) => limiter.run(shopId, () => api.getRCCSRequestId(creds)) };
          },
        },
        { provide: ResultWriter, inject: [OUTBOX], useFactory: (o: OutboxPort) => new ResultWriter(o, clock) },
        {
          provide: Submitter,
          inject: [DataSource, RccsGateway, ResultWriter],
          useFactory: (ds: DataSource, g: RccsGateway, r: ResultWriter) =>
            new Submitter(ds, g, r, clock, { attempts: config.retry.callRetries + 1, firstPollDelayMs: config.polling.firstDelayMs, submitLeaseMs }),
        },
        {
          provide: SaturationLinger,
          useFactory: () => {
            const log = new Logger('batching');
            return new SaturationLinger(
              config.batch.saturation,
              reportLinger((ms) => metrics.setBatchLinger(ms), (line) => log.log(line), config.batch.saturation.maxLingerMs),
            );
          },
        },
        {
          provide: BATCHER,
          inject: [Submitter, SaturationLinger],
          useFactory: (s: Submitter, saturation: SaturationLinger) =>
            new Batcher<string, SubmitOutcome>(
              {
                maxSize: config.batch.maxOrders,
                maxWaitMs: config.batch.maxWaitMs,
                linger: saturation.linger,
                lingerTarget: config.batch.lingerTarget,
                maxHeld: config.batch.maxHeld,
                onFlush: (key, size, reason) => metrics.batchFlushed(parseBatchKey(key).kind, size, reason),
              },
              (key, ids) => {
                const { shopId, kind } = parseBatchKey(key);
                return s.submitBatch(shopId, kind, ids);
              },
            ),
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
                retryDelaysMs: config.retry.delaysMs,
              }),
              new StuckDetector(ds, o, clock, config.stuck.afterMs, (g) => {
                for (const kind of ASYNC_KINDS) metrics.setPaymentOperationsInFlight(kind, g.inFlight[kind] ?? 0);
                metrics.setPaymentOperationsStuck(g.stuck);
              }),
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
