import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ApiKeyIssued, ApiKeyIssuedV1, ApiKeyRevoked, EventEnvelope } from '@rcp/contracts';
import { InboxService } from '@rcp/messaging';
import { DataSource } from 'typeorm';
import { ApiKeyStore } from './api-key.store';
import { AuditWriter } from './audit';
import { AUTH_OPTIONS, AuthModuleOptions } from './auth.options';
import { replicateApiKeyEvent } from './replicate';

/**
 * Copies keys issued/revoked by order-service into this service's `api_key` table (inbox transaction, with an audit
 * row `api-key.replicate` / `api-key.replicate-revocation`) and drops the cached entry. Registered by
 * `AuthModule.forRoot({ replicateKeys: true })`; the service's queue must bind `ACCESS_ROUTING_KEYS`.
 */
@Controller()
export class ApiKeyReplicationConsumer {
  private readonly log = new Logger('ApiKeyReplication');
  private readonly inbox: InboxService;

  constructor(
    dataSource: DataSource,
    private readonly store: ApiKeyStore,
    private readonly audit: AuditWriter,
    @Inject(AUTH_OPTIONS) private readonly options: AuthModuleOptions,
  ) {
    this.inbox = new InboxService(dataSource, { pruneIntervalMs: 0 });
  }

  @EventPattern([ApiKeyIssued.type, ApiKeyRevoked.type])
  async handle(@Payload() event: EventEnvelope): Promise<void> {
    const keyId = (event.data as { keyId: string }).keyId;
    const issued = event.type === ApiKeyIssued.type;
    const result = await this.inbox.process(`${this.options.service}:api-keys`, event, async (manager) => {
      await replicateApiKeyEvent(manager, event);
      await this.audit.write(manager, {
        action: issued ? 'api-key.replicate' : 'api-key.replicate-revocation',
        actor: null,
        actorDetail: 'event:order-service',
        target: keyId,
        outcome: 'accepted',
        correlationId: event.correlationId,
        request: issued ? { role: (event.data as ApiKeyIssuedV1).role, shops: (event.data as ApiKeyIssuedV1).shops, eventId: event.id } : { eventId: event.id },
      });
    });
    this.store.invalidate(keyId);
    if (!result.duplicate) this.log.log(`${event.type} ${keyId} replicated`);
  }
}
