import { DynamicModule, Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InboxOptions, InboxService } from './inbox/inbox.service';
import { MessagingLogger } from './logger';
import { MessagingObserver } from './observer';
import { OutboxRelay } from './outbox/outbox-relay';
import { OutboxService } from './outbox/outbox.service';
import { EventPublisher } from './publisher';

/** Options of {@link MessagingModule.forRoot}. */
export interface MessagingModuleOptions {
  /** Broker URL. */
  url: string;
  /** Topic exchange; default `rakuten.payments`. */
  exchange?: string;
  /** Test isolation prefix (exchange and queues). */
  namePrefix?: string;
  /** Publisher confirm timeout (ms); default 5000. */
  confirmTimeoutMs?: number;
  /** `connection_name` of the publisher connection; default `publisher`. */
  connectionName?: string;
  /** AMQP `app-id` of every message the service publishes (`EventPublisherOptions.appId`). */
  appId?: string;
  /** Transactional outbox relay (needs a TypeORM DataSource). */
  outbox?: {
    enabled: boolean;
    /** Fallback poll interval (ms); default 1000. */
    pollIntervalMs?: number;
    /** Rows per relay transaction; default 100. */
    batchSize?: number;
    /** PostgreSQL NOTIFY channel; default `outbox_message_inserted` (the migration's trigger). */
    channel?: string;
    /** Keep published rows this long before pruning (ms); default 60000. */
    retainPublishedMs?: number;
    /** Publish right after commit (OutboxDispatcher), the relay taking only what that could not; default true. */
    dispatchAfterCommit?: boolean;
    /** Lease of rows written for the dispatcher before the relay may take them (ms); default 5000. */
    dispatchLeaseMs?: number;
  };
  /** Inbox pruning and group commit. */
  inbox?: Pick<InboxOptions, 'retentionMs' | 'pruneIntervalMs' | 'groupCommit'>;
  observer?: MessagingObserver;
  logger?: MessagingLogger;
}

/** Injection token of the {@link MessagingModuleOptions}. */
export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

const OPTIONAL_DATA_SOURCE = { token: DataSource, optional: true };

/**
 * Global module providing {@link EventPublisher}, {@link OutboxService}, {@link OutboxRelay} (started on bootstrap
 * when `outbox.enabled`, flushed and stopped before shutdown) and {@link InboxService}. The outbox relay and the
 * inbox use the application's TypeORM `DataSource` (from `@nestjs/typeorm`). Consumers are not part of the module:
 * use `app.connectMicroservice({ strategy: new RabbitMqServer(...) })`.
 */
@Global()
@Module({})
export class MessagingModule {
  /** Configures the module once, in the root module. */
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: options },
        {
          provide: EventPublisher,
          inject: [MESSAGING_OPTIONS],
          useFactory: (o: MessagingModuleOptions) =>
            new EventPublisher({
              url: o.url,
              exchange: o.exchange,
              namePrefix: o.namePrefix,
              confirmTimeoutMs: o.confirmTimeoutMs,
              connectionName: o.connectionName,
              appId: o.appId,
              observer: o.observer,
              logger: o.logger,
            }),
        },
        OutboxService,
        {
          provide: OutboxRelay,
          inject: [OPTIONAL_DATA_SOURCE, EventPublisher, MESSAGING_OPTIONS],
          useFactory: (dataSource: DataSource | undefined, publisher: EventPublisher, o: MessagingModuleOptions) => {
            const enabled = o.outbox?.enabled ?? false;
            if (enabled && !dataSource) {
              throw new Error('MessagingModule: outbox.enabled needs a TypeORM DataSource in DI (import TypeOrmModule.forRoot… before MessagingModule)');
            }
            return new OutboxRelay(dataSource ?? undefined, publisher, {
              autoStart: enabled,
              pollIntervalMs: o.outbox?.pollIntervalMs,
              batchSize: o.outbox?.batchSize,
              channel: o.outbox?.channel,
              retainPublishedMs: o.outbox?.retainPublishedMs,
              dispatchAfterCommit: o.outbox?.dispatchAfterCommit ?? true,
              dispatchLeaseMs: o.outbox?.dispatchLeaseMs,
              observer: o.observer,
              logger: o.logger,
            });
          },
        },
        {
          provide: InboxService,
          inject: [OPTIONAL_DATA_SOURCE, MESSAGING_OPTIONS],
          useFactory: (dataSource: DataSource | undefined, o: MessagingModuleOptions) =>
            new InboxService(dataSource ?? undefined, { ...o.inbox, logger: o.logger }),
        },
      ],
      exports: [MESSAGING_OPTIONS, EventPublisher, OutboxService, OutboxRelay, InboxService],
    };
  }
}
