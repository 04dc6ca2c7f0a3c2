import type { RccsCredentials } from '@rcp/rccs-client';
import type { ShopCredentialsConfig } from './gateway-config';

/** Where the gateway gets a shop's card-API credentials. A later issue moves them to encrypted storage. */
export interface CredentialsProvider {
  /** Credentials of the shop (envelope shopId), or undefined when the shop is unknown. */
  forShop(shopId: string): Promise<RccsCredentials | undefined>;
  /** Every shop the gateway serves (for background polling and reconciliation). */
  shopIds(): Promise<string[]>;
}

export const CREDENTIALS_PROVIDER = Symbol('CREDENTIALS_PROVIDER');

/** Credentials from the GATEWAY_SHOPS configuration. Never logs or returns them elsewhere. */
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
