import { Inject, Injectable, InternalServerErrorException, Logger, NotFoundException } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { maskSecret } from '@rcp/config';
import { createEnvelope, ShopCredentialsUpdated } from '@rcp/contracts';
import { AuditWriter, currentAuditDraft } from '@rcp/auth';
import { SecretsError } from '@rcp/secrets';
import { CLOCK, Clock } from '../common/clock';
import { EVENT_OUTBOX, EventOutbox } from '../events/outbox.port';
import {
  CREDENTIAL_COLUMNS,
  CREDENTIAL_FIELDS,
  CREDENTIAL_KEYRINGS,
  CredentialKeyrings,
  credentialAad,
  requireKeyrings,
  ShopCredentials,
  transportAad,
} from './credential-keyrings';
import { ShopHistory } from './shop-history';

/** What the API shows about a shop's credentials: masked values only. */
export interface CredentialsView {
  credentialsConfigured: boolean;
  credentials: { shopUrl: string; userName: string; authKey: string; version: number; updatedAt: string; updatedBy: string | null } | null;
}

interface CredentialRow {
  shop_id: string;
  shop_url: string;
  user_name: string;
  auth_key: string;
  version: number;
  updated_at: Date;
  updated_by: string | null;
}

/** Thrown when a stored credential does not decrypt (tampered, wrong key, another shop's value). Never carries a value. */
export class CredentialsUnreadableError extends InternalServerErrorException {
  constructor(shopId: string, field: string, cause: string) {
    super(`stored credential ${field} of shop ${shopId} cannot be decrypted: ${cause}`);
  }
}

/**
 * Shop card-API credentials (店舗URL, ユーザID, 認証キー): each field sealed with AES-256-GCM (at-rest keyring, AAD
 * `shop:<id>|field:<name>`), shown masked only, delivered to payment-gateway as ShopCredentialsUpdated sealed with
 * the transport keyring, audited without values.
 */
@Injectable()
export class ShopCredentialsService {
  private readonly logger = new Logger('shop-credentials');

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
    private readonly history: ShopHistory,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(CREDENTIAL_KEYRINGS) private readonly keyrings: CredentialKeyrings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Seals and stores the credentials (version + 1) and publishes them to the gateway, in one transaction. */
  async save(shopId: string, input: ShopCredentials, actor: string): Promise<CredentialsView> {
    const { atRest, transport } = requireKeyrings(this.keyrings);
    const now = this.clock.now();
    await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`shop-credentials:${shopId}`]);
      const [current] = (await manager.query('SELECT version FROM shop_credentials WHERE shop_id = $1', [shopId])) as { version: number }[];
      const version = (current?.version ?? 0) + 1;
      const sealed = Object.fromEntries(CREDENTIAL_FIELDS.map((f) => [f, atRest.seal(input[f], credentialAad(shopId, f))])) as ShopCredentials;
      await manager.query(
        `INSERT INTO shop_credentials (shop_id, shop_url, user_name, auth_key, version, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (shop_id) DO UPDATE SET shop_url = EXCLUDED.shop_url, user_name = EXCLUDED.user_name, auth_key = EXCLUDED.auth_key,
           version = EXCLUDED.version, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
        [shopId, sealed.shopUrl, sealed.userName, sealed.authKey, version, now, actor],
      );
      await this.publish(manager, shopId, input, version, now, transport);
      await this.history.record(manager, shopId, now, 'credentials.update', actor, { version, fields: [...CREDENTIAL_FIELDS] });
      await this.audit.recordCurrent(manager, { action: 'credentials.update', target: `v${version}`, outcome: 'accepted', request: { fields: [...CREDENTIAL_FIELDS] } });
      await this.auditDelivery(manager, shopId, version);
    });
    return this.view(shopId);
  }

  /** Publishes the stored credentials again (same version), e.g. after the gateway lost its copy. */
  async redeliver(shopId: string, actor: string): Promise<{ shopId: string; version: number; redelivered: true }> {
    const { transport } = requireKeyrings(this.keyrings);
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      const row = await this.row(manager, shopId);
      if (!row) throw new NotFoundException(`shop ${shopId} has no stored credentials`);
      await this.publish(manager, shopId, this.openRow(row), row.version, row.updated_at, transport);
      await this.history.record(manager, shopId, now, 'credentials.redeliver', actor, { version: row.version });
      await this.audit.recordCurrent(manager, { action: 'credentials.deliver', target: `v${row.version}`, outcome: 'accepted', request: { redeliver: true } });
      return { shopId, version: row.version, redelivered: true as const };
    });
  }

  /** Masked view (decrypts to mask, so a tampered value fails loudly here). */
  async view(shopId: string): Promise<CredentialsView> {
    const row = await this.row(this.dataSource.manager, shopId);
    if (!row) return { credentialsConfigured: false, credentials: null };
    const plain = this.openRow(row);
    return {
      credentialsConfigured: true,
      credentials: {
        shopUrl: maskSecret(plain.shopUrl),
        userName: maskSecret(plain.userName),
        authKey: maskSecret(plain.authKey),
        version: row.version,
        updatedAt: new Date(row.updated_at).toISOString(),
        updatedBy: row.updated_by,
      },
    };
  }

  /** The decrypted credentials (for delivery only; never returned by the API). */
  openRow(row: CredentialRow): ShopCredentials {
    const { atRest } = requireKeyrings(this.keyrings);
    const out = {} as ShopCredentials;
    for (const f of CREDENTIAL_FIELDS) {
      try {
        out[f] = atRest.open(row[CREDENTIAL_COLUMNS[f] as 'shop_url' | 'user_name' | 'auth_key'], credentialAad(row.shop_id, f));
      } catch (err) {
        const cause = err instanceof SecretsError ? err.message : 'decryption failed';
        this.logger.error(`stored credential ${f} of shop ${row.shop_id} cannot be decrypted: ${cause}`);
        throw new CredentialsUnreadableError(row.shop_id, f, cause);
      }
    }
    return out;
  }

  private async row(manager: EntityManager, shopId: string): Promise<CredentialRow | undefined> {
    const [row] = (await manager.query('SELECT * FROM shop_credentials WHERE shop_id = $1', [shopId])) as CredentialRow[];
    return row;
  }

  private async publish(manager: EntityManager, shopId: string, creds: ShopCredentials, version: number, updatedAt: Date, transport: NonNullable<CredentialKeyrings['transport']>): Promise<void> {
    const payload = JSON.stringify({ shopUrl: creds.shopUrl, userName: creds.userName, authKey: creds.authKey });
    const sealed = transport.seal(payload, transportAad(shopId, version));
    const draft = currentAuditDraft();
    const envelope = createEnvelope(ShopCredentialsUpdated, { version, sealed, updatedAt: new Date(updatedAt).toISOString() }, { shopId, correlationId: draft?.base.correlationId ?? undefined });
    await this.outbox.add(manager, [envelope]);
  }

  private async auditDelivery(manager: EntityManager, shopId: string, version: number): Promise<void> {
    const draft = currentAuditDraft();
    await this.audit.write(manager, {
      ...(draft?.base ?? { actor: null }),
      action: 'credentials.deliver',
      shopId,
      target: `v${version}`,
      outcome: 'accepted',
      request: { event: ShopCredentialsUpdated.type, version },
    });
  }
}
