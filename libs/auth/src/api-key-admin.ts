import type { EntityManager } from 'typeorm';
import { ACCESS_EVENT_SHOP_ID, ApiKeyIssued, ApiKeyRevoked, EventEnvelope, createEnvelope } from '@rcp/contracts';
import { generateApiKey } from './api-key';
import { ApiKeyEntity } from './entities';
import { Role } from './principal';

/** What the API shows of a key: never the secret, never the hash. */
export interface ApiKeyView {
  keyId: string;
  name: string;
  role: Role;
  shops: string[];
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export function apiKeyView(e: ApiKeyEntity): ApiKeyView {
  return {
    keyId: e.keyId,
    name: e.name,
    role: e.role as Role,
    shops: e.shops,
    createdAt: e.createdAt.toISOString(),
    revokedAt: e.revokedAt?.toISOString() ?? null,
    lastUsedAt: e.lastUsedAt?.toISOString() ?? null,
  };
}

/** Input of {@link issueApiKey}. */
export interface IssueApiKeyInput {
  name: string;
  role: Role;
  shops: string[];
}

/**
 * Creates a key inside the caller's transaction and returns the full key (show it once) plus the `ApiKeyIssued`
 * event to put in the same transaction's outbox (it carries the hash only).
 */
export async function issueApiKey(
  manager: EntityManager,
  input: IssueApiKeyInput,
  now: Date,
  meta: { correlationId?: string } = {},
): Promise<{ key: string; view: ApiKeyView; event: EventEnvelope }> {
  const generated = generateApiKey();
  const row = manager.create(ApiKeyEntity, {
    keyId: generated.keyId,
    name: input.name,
    role: input.role,
    shops: [...new Set(input.shops)],
    secretHash: generated.secretHash,
    createdAt: now,
    revokedAt: null,
    lastUsedAt: null,
  });
  await manager.insert(ApiKeyEntity, row);
  const event = createEnvelope(
    ApiKeyIssued,
    { keyId: row.keyId, name: row.name, role: row.role as Role, shops: row.shops, secretHash: row.secretHash, issuedAt: now.toISOString() },
    { shopId: ACCESS_EVENT_SHOP_ID, correlationId: meta.correlationId, occurredAt: now },
  );
  return { key: generated.key, view: apiKeyView(row), event };
}

/** Revokes a key inside the caller's transaction; null when unknown. Revoking twice keeps the first time. */
export async function revokeApiKey(
  manager: EntityManager,
  keyId: string,
  now: Date,
  meta: { correlationId?: string } = {},
): Promise<{ view: ApiKeyView; event: EventEnvelope | null } | null> {
  const row = await manager.findOne(ApiKeyEntity, { where: { keyId }, lock: { mode: 'pessimistic_write' } });
  if (!row) return null;
  if (row.revokedAt) return { view: apiKeyView(row), event: null };
  row.revokedAt = now;
  await manager.update(ApiKeyEntity, { keyId }, { revokedAt: now });
  const event = createEnvelope(ApiKeyRevoked, { keyId, revokedAt: now.toISOString() }, { shopId: ACCESS_EVENT_SHOP_ID, correlationId: meta.correlationId, occurredAt: now });
  return { view: apiKeyView(row), event };
}
