import type { EntityManager } from 'typeorm';
import { ApiKeyIssued, ApiKeyIssuedV1, ApiKeyRevoked, ApiKeyRevokedV1, EventEnvelope } from '@rcp/contracts';

/** Routing keys a replicating service must bind its queue to. */
export const ACCESS_ROUTING_KEYS: readonly string[] = [ApiKeyIssued.routingKey, ApiKeyRevoked.routingKey];
export const ACCESS_EVENT_TYPES: readonly string[] = [ApiKeyIssued.type, ApiKeyRevoked.type];

/**
 * Applies an `ApiKeyIssued` / `ApiKeyRevoked` event to this service's `api_key` table, in the caller's (inbox)
 * transaction. Order-independent: a revocation that arrives first leaves a tombstone that the issue never clears.
 * Returns the key id touched, or null for another event type.
 */
export async function replicateApiKeyEvent(manager: EntityManager, envelope: EventEnvelope): Promise<string | null> {
  if (envelope.type === ApiKeyIssued.type) {
    const d = envelope.data as ApiKeyIssuedV1;
    await manager.query(
      `INSERT INTO api_key (key_id, name, role, shops, secret_hash, created_at, revoked_at)
       VALUES ($1, $2, $3, $4, $5, $6, NULL)
       ON CONFLICT (key_id) DO UPDATE SET name = EXCLUDED.name, role = EXCLUDED.role, shops = EXCLUDED.shops,
         secret_hash = EXCLUDED.secret_hash, created_at = EXCLUDED.created_at`,
      [d.keyId, d.name, d.role, d.shops, d.secretHash, new Date(d.issuedAt)],
    );
    return d.keyId;
  }
  if (envelope.type === ApiKeyRevoked.type) {
    const d = envelope.data as ApiKeyRevokedV1;
    // Tombstone: role viewer, no shops, an empty hash (never verifies) until the issue event fills it in.
    await manager.query(
      `INSERT INTO api_key (key_id, name, role, shops, secret_hash, created_at, revoked_at)
       VALUES ($1, '', 'viewer', '{}', '', $2, $2)
       ON CONFLICT (key_id) DO UPDATE SET revoked_at = COALESCE(api_key.revoked_at, EXCLUDED.revoked_at)`,
      [d.keyId, new Date(d.revokedAt)],
    );
    return d.keyId;
  }
  return null;
}
