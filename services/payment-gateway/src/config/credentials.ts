import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { RccsCredentials } from '@rcp/rccs-client';
import type { Keyring } from '@rcp/secrets';
import type { ShopCredentialsConfig } from './gateway-config';

/** Where the gateway gets a shop's card-API credentials. */
export interface CredentialsProvider {
  /** Credentials of the shop (envelope shopId), or undefined when the shop is unknown. */
  forShop(shopId: string): Promise<RccsCredentials | undefined>;
  /** Every shop the gateway serves (for background polling and reconciliation). */
  shopIds(): Promise<string[]>;
  /** Drops cached credentials of a shop (after an update). */
  invalidate?(shopId: string): void;
}

export const CREDENTIALS_PROVIDER = Symbol('CREDENTIALS_PROVIDER');

/** The credential fields and their `shop_credentials` columns. */
export const GATEWAY_CREDENTIAL_FIELDS = { shopUrl: 'shop_url', userName: 'user_name', authKey: 'auth_key' } as const;

/** Associated data of a field in the gateway's own table (distinct from order-service's, so values cannot be swapped in). */
export const gatewayCredentialAad = (shopId: string, field: keyof typeof GATEWAY_CREDENTIAL_FIELDS) => `gateway:${shopId}|field:${field}`;

/** Credentials from the GATEWAY_SHOPS configuration (development). Never logs or returns them elsewhere. */
export class ConfiguredCredentialsProvider implements CredentialsProvider {
  private readonly byShop: Map<string, RccsCredentials>;

  constructor(shops: readonly ShopCredentialsConfig[]) {
    this.byShop = new Map(shops.map((s) => [s.shopId, Object.freeze({ shopUrl: s.shopUrl, userName: s.userName, authKey: s.authKey })]));
  }

  async forShop(shopId: string): Promise<RccsCredentials | undefined> {
    return this.byShop.get(shopId);
  }

  async shopIds(): Promise<string[]> {
    return [...this.byShop.keys()];
  }
}

/**
 * Credentials from the gateway's own `shop_credentials` table (delivered by order-service as ShopCredentialsUpdated,
 * sealed per field under GATEWAY_CREDENTIALS_KEYS), cached for `cacheMs`; GATEWAY_SHOPS (development) only for shops
 * without a stored row.
 */
export class StoredCredentialsProvider implements CredentialsProvider {
  private readonly log = new Logger('credentials');
  private readonly cache = new Map<string, { value: RccsCredentials | undefined; until: number }>();
  /** The served shops, read at most once per `cacheMs` (the background worker asks every pass). */
  private shopList?: { ids: string[]; until: number };
  /** Bumped by {@link invalidate}: a read of the shop list that started before it is not cached. */
  private generation = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly keyring: Keyring | undefined,
    private readonly fallback: ConfiguredCredentialsProvider,
    private readonly cacheMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async forShop(shopId: string): Promise<RccsCredentials | undefined> {
    const hit = this.cache.get(shopId);
    if (hit && hit.until > this.now()) return hit.value;
    const value = (await this.stored(shopId)) ?? (await this.fallback.forShop(shopId));
    if (this.cacheMs > 0) this.cache.set(shopId, { value, until: this.now() + this.cacheMs });
    // a shop this process serves is polled at once, not only after the cached list expires
    if (value && this.shopList && !this.shopList.ids.includes(shopId)) this.shopList = { ...this.shopList, ids: [...this.shopList.ids, shopId].sort() };
    return value;
  }

  /** Every served shop; cached for `cacheMs` (dropped by {@link invalidate}). */
  async shopIds(): Promise<string[]> {
    const hit = this.shopList;
    if (hit && hit.until > this.now()) return hit.ids;
    const generation = this.generation;
    const rows = (await this.dataSource.query('SELECT shop_id FROM shop_credentials ORDER BY shop_id')) as { shop_id: string }[];
    const ids = [...new Set([...rows.map((r) => r.shop_id), ...(await this.fallback.shopIds())])];
    if (this.cacheMs > 0 && generation === this.generation) this.shopList = { ids, until: this.now() + this.cacheMs };
    return ids;
  }

  invalidate(shopId: string): void {
    this.cache.delete(shopId);
    this.shopList = undefined;
    this.generation++;
  }

  private async stored(shopId: string): Promise<RccsCredentials | undefined> {
    const [row] = (await this.dataSource.query('SELECT shop_url, user_name, auth_key FROM shop_credentials WHERE shop_id = $1', [shopId])) as Record<string, string>[];
    if (!row) return undefined;
    if (!this.keyring) {
      this.log.error(`shop ${shopId} has stored credentials but GATEWAY_CREDENTIALS_KEYS is not configured`);
      return undefined;
    }
    try {
      const open = (f: keyof typeof GATEWAY_CREDENTIAL_FIELDS) => this.keyring!.open(row[GATEWAY_CREDENTIAL_FIELDS[f]]!, gatewayCredentialAad(shopId, f));
      return Object.freeze({ shopUrl: open('shopUrl'), userName: open('userName'), authKey: open('authKey') });
    } catch (err) {
      // SecretsError messages never contain the value
      this.log.error(`stored credentials of shop ${shopId} cannot be decrypted: ${(err as Error).message}`);
      return undefined;
    }
  }
}
