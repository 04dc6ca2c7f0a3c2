import type { DataSource } from 'typeorm';
import { parseApiKey, verifySecret, hashSecret } from './api-key';
import { ApiKeyEntity } from './entities';
import { API_KEY_ROLES, Principal, Role } from './principal';

/** Options of {@link ApiKeyStore}. */
export interface ApiKeyStoreOptions {
  /** Full key from RCP_BOOTSTRAP_ADMIN_KEY: accepted as role admin, every shop, without a database row. */
  bootstrapKey?: string;
  /** How long a looked-up key (or its absence) is cached; bounds how late a revocation takes effect. Default 3000. */
  cacheTtlMs?: number;
  /** `last_used_at` is written at most this often per key. Default 60000. */
  lastUsedThrottleMs?: number;
  now?: () => Date;
}

interface CachedKey {
  row: Pick<ApiKeyEntity, 'keyId' | 'name' | 'role' | 'shops' | 'secretHash' | 'revokedAt'> | null;
  expiresAt: number;
}

const MAX_CACHE_ENTRIES = 10_000;

/**
 * Verifies presented API keys against this service's own `api_key` table (plus the env bootstrap key), with a short
 * in-memory cache. Secrets are compared as SHA-256 hashes in constant time.
 */
export class ApiKeyStore {
  private readonly cache = new Map<string, CachedKey>();
  private readonly lastUsedWrites = new Map<string, number>();
  private readonly bootstrap?: { keyId: string; secretHash: string };
  private readonly ttl: number;
  private readonly now: () => Date;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: ApiKeyStoreOptions = {},
  ) {
    this.ttl = options.cacheTtlMs ?? 3000;
    this.now = options.now ?? (() => new Date());
    if (options.bootstrapKey) {
      const parsed = parseApiKey(options.bootstrapKey);
      if (!parsed) throw new Error('RCP_BOOTSTRAP_ADMIN_KEY is not a key of the form rcp_<12 chars>_<43 chars>');
      this.bootstrap = { keyId: parsed.keyId, secretHash: hashSecret(parsed.secret) };
    }
  }

  /** Key id of the env bootstrap key, if one is configured. */
  get bootstrapKeyId(): string | undefined {
    return this.bootstrap?.keyId;
  }

  /** The principal of a presented key, or null (malformed, unknown, revoked, wrong secret). */
  async authenticate(presented: string): Promise<Principal | null> {
    const parsed = parseApiKey(presented);
    if (!parsed) return null;
    if (this.bootstrap && parsed.keyId === this.bootstrap.keyId) {
      return verifySecret(parsed.secret, this.bootstrap.secretHash)
        ? { keyId: parsed.keyId, name: 'bootstrap-admin', role: 'admin', shops: ['*'], bootstrap: true }
        : null;
    }
    const row = await this.lookup(parsed.keyId);
    if (!row || row.revokedAt || !(API_KEY_ROLES as readonly string[]).includes(row.role)) return null;
    if (!verifySecret(parsed.secret, row.secretHash)) return null;
    this.touch(row.keyId);
    return { keyId: row.keyId, name: row.name, role: row.role as Role, shops: [...row.shops] };
  }

  /** Drops cached entries (one key, or all) so the next request reads the database. */
  invalidate(keyId?: string): void {
    if (keyId) this.cache.delete(keyId);
    else this.cache.clear();
  }

  private async lookup(keyId: string): Promise<CachedKey['row']> {
    const at = Date.now();
    const hit = this.cache.get(keyId);
    if (hit && hit.expiresAt > at) return hit.row;
    const row = await this.dataSource.getRepository(ApiKeyEntity).findOne({
      where: { keyId },
      select: ['keyId', 'name', 'role', 'shops', 'secretHash', 'revokedAt'],
    });
    if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.clear();
    this.cache.set(keyId, { row: row ?? null, expiresAt: at + this.ttl });
    return row ?? null;
  }

  private touch(keyId: string): void {
    const throttle = this.options.lastUsedThrottleMs ?? 60_000;
    const at = Date.now();
    if ((this.lastUsedWrites.get(keyId) ?? 0) + throttle > at) return;
    if (this.lastUsedWrites.size >= MAX_CACHE_ENTRIES) this.lastUsedWrites.clear();
    this.lastUsedWrites.set(keyId, at);
    this.dataSource
      .query(`UPDATE api_key SET last_used_at = $2 WHERE key_id = $1`, [keyId, this.now()])
      .catch(() => undefined);
  }
}
