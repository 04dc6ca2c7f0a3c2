import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  ConnectionCheckCompleted,
  ConnectionCheckRequested,
  ConnectionCheckRequestedV1,
  causedBy,
  createEnvelope,
  EventEnvelope,
  ShopCredentialsUpdated,
  ShopCredentialsUpdatedV1,
} from '@rcp/contracts';
import { InboxService } from '@rcp/messaging';
import { AuditWriter } from '@rcp/auth';
import { CREDENTIALS_PROVIDER, type CredentialsProvider } from '../config/credentials';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { OUTBOX, type OutboxPort } from '../results/outbox-port';
import { applyShopCredentials } from '../shops/credentials-replication';
import { CONNECTION_PROBE, runConnectionCheck, type ConnectionProbe } from '../shops/connection-check';

/** Routing keys of shop events the gateway queue binds. */
export const GATEWAY_SHOP_BINDINGS = [ShopCredentialsUpdated.routingKey, ConnectionCheckRequested.routingKey];

const INBOX_CONSUMER = 'payment-gateway';

/** Credential replication from order-service and connection checks (接続確認). */
@Controller()
export class ShopEventsController {
  private readonly log = new Logger('shop-events');

  constructor(
    private readonly inbox: InboxService,
    private readonly audit: AuditWriter,
    @Inject(CONNECTION_PROBE) private readonly probe: ConnectionProbe,
    @Inject(OUTBOX) private readonly outbox: OutboxPort,
    @Inject(CREDENTIALS_PROVIDER) private readonly credentials: CredentialsProvider,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @EventPattern(ShopCredentialsUpdated.type)
  async credentialsUpdated(@Payload() e: EventEnvelope<ShopCredentialsUpdatedV1>): Promise<void> {
    let outcome: 'applied' | 'stale' | undefined;
    await this.inbox.process(INBOX_CONSUMER, e, async (manager) => {
      outcome = await applyShopCredentials(manager, e, this.config.credentials);
      await this.audit.write(manager, {
        action: 'credentials.replicate',
        actor: null,
        actorDetail: `event:${e.type}`,
        shopId: e.shopId,
        target: `v${e.data.version}`,
        outcome: outcome === 'applied' ? 'accepted' : 'refused',
        reason: outcome === 'stale' ? 'a newer version is already stored' : null,
        correlationId: e.correlationId,
        request: { messageId: e.id, version: e.data.version },
      });
    });
    this.credentials.invalidate?.(e.shopId);
    if (outcome) this.log.log(`shop ${e.shopId}: credentials v${e.data.version} ${outcome}`);
  }

  @EventPattern(ConnectionCheckRequested.type)
  async connectionCheck(@Payload() e: EventEnvelope<ConnectionCheckRequestedV1>): Promise<void> {
    // The check runs outside any transaction (HTTP); a redelivery repeats it, which only costs an unused request id.
    const result = await runConnectionCheck(e.shopId, e.data.checkId, this.credentials, this.probe, this.config.connectionCheck);
    await this.inbox.process(INBOX_CONSUMER, e, async (manager) => {
      await this.outbox.add(manager, [createEnvelope(ConnectionCheckCompleted, result, causedBy(e))]);
    });
    this.log.log(`shop ${e.shopId}: connection check ${e.data.checkId} → ${result.outcome}${result.errorCode ? ` (${result.errorCode})` : ''} in ${result.latencyMs} ms`);
  }
}
