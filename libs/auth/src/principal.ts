import { API_KEY_ROLES, ApiKeyRole } from '@rcp/contracts';

export { API_KEY_ROLES };
export type Role = ApiKeyRole;

/** Every shop. A scope is either `['*']` or a list of shop ids. */
export const ALL_SHOPS = '*';

/** Who is calling: the authenticated API key. */
export interface Principal {
  keyId: string;
  name: string;
  role: Role;
  /** Shop ids this key may see and act on; `['*']` = every shop. */
  shops: string[];
  /** True for the key given in RCP_BOOTSTRAP_ADMIN_KEY. */
  bootstrap?: boolean;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** True when `role` is `required` or stronger (viewer < operator < admin). */
export function hasRole(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

/** True when the principal's scope covers every shop. */
export function coversAllShops(p: Pick<Principal, 'shops'>): boolean {
  return p.shops.includes(ALL_SHOPS);
}

/** True when the principal may see and act on `shopId` (`'*'` = a rule for every shop: only all-shop keys). */
export function canAccessShop(p: Pick<Principal, 'shops'>, shopId: string): boolean {
  return coversAllShops(p) || (shopId !== ALL_SHOPS && p.shops.includes(shopId));
}

/** Shop ids a list query must be restricted to; undefined = no restriction (all-shop key). */
export function shopFilter(p: Pick<Principal, 'shops'>): string[] | undefined {
  return coversAllShops(p) ? undefined : [...p.shops];
}

/** True when a key with scope `inner` gives no more than `outer` (used when one key issues or revokes another). */
export function scopeWithin(inner: string[], outer: string[]): boolean {
  if (outer.includes(ALL_SHOPS)) return true;
  if (inner.includes(ALL_SHOPS)) return false;
  return inner.every((s) => outer.includes(s));
}

/** The actor string written to histories and events: `key:<keyId>`, plus `/<sub-actor>` from `x-actor` when given. */
export function actorLabel(p: Pick<Principal, 'keyId'>, subActor?: string): string {
  return subActor ? `key:${p.keyId}/${subActor.slice(0, 80)}` : `key:${p.keyId}`;
}
