import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { DataSource } from 'typeorm';
import { ApiKeyReplicationConsumer } from './api-key-replication.consumer';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyStore } from './api-key.store';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit.interceptor';
import { AuditWriter } from './audit';
import { AUTH_OPTIONS, AuthModuleOptions } from './auth.options';
import { ApiKeyThrottlerGuard } from './rate-limit.guard';

/**
 * Operator access for a service's HTTP API (global): API-key guard, per-key rate limit, audit interceptor,
 * `ApiKeyStore`, `AuditWriter`, `GET /audit`, and optionally the key replication consumer. Needs TypeORM's
 * `DataSource` with `AUTH_ENTITIES` and `AUTH_MIGRATIONS`.
 */
@Module({})
export class AuthModule {
  static forRoot(options: AuthModuleOptions): DynamicModule {
    const now = options.now ?? (() => new Date());
    return {
      module: AuthModule,
      global: true,
      imports: [ThrottlerModule.forRoot({ throttlers: [{ name: 'default', ttl: options.rateLimit.ttlMs, limit: options.rateLimit.limit }] })],
      controllers: [...(options.auditApi === false ? [] : [AuditController]), ...(options.replicateKeys ? [ApiKeyReplicationConsumer] : [])],
      providers: [
        { provide: AUTH_OPTIONS, useValue: options },
        {
          provide: ApiKeyStore,
          useFactory: (ds: DataSource) => new ApiKeyStore(ds, { bootstrapKey: options.bootstrapKey, cacheTtlMs: options.cacheTtlMs, now }),
          inject: [DataSource],
        },
        { provide: AuditWriter, useFactory: (ds: DataSource) => new AuditWriter(ds, options.service, now), inject: [DataSource] },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_GUARD, useClass: ApiKeyThrottlerGuard },
        { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
      ],
      exports: [AUTH_OPTIONS, ApiKeyStore, AuditWriter],
    };
  }
}
