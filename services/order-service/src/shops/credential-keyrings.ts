import { ServiceUnavailableException } from '@nestjs/common';
import { Keyring, optionalKeyring } from '@rcp/secrets';
import type { OrderEnv } from '../config/env';

/** The credential fields, in the order they are stored (`shop_credentials` columns). */
export const CREDENTIAL_FIELDS = ['shopUrl', 'userName', 'authKey'] as const;
export type CredentialField = (typeof CREDENTIAL_FIELDS)[number];
export type ShopCredentials = Record<CredentialField, string>;

export const CREDENTIAL_COLUMNS: Record<CredentialField, string> = { shopUrl: 'shop_url', userName: 'user_name', authKey: 'auth_key' };

/** Associated data of a stored credential field: a token copied to another shop or field does not open. */
export const credentialAad = (shopId: string, field: CredentialField) => `shop:${shopId}|field:${field}`;

/** Associated data of a ShopCredentialsUpdated payload: bound to the shop and the version it announces. */
export const transportAad = (shopId: string, version: number) => `transport:${shopId}|v${version}`;

/** At-rest (`CREDENTIALS_ENCRYPTION_KEYS`) and transport (`CREDENTIALS_TRANSPORT_KEYS`) keyrings; absent when unset. */
export interface CredentialKeyrings {
  atRest?: Keyring;
  transport?: Keyring;
}

export const CREDENTIAL_KEYRINGS = Symbol('CREDENTIAL_KEYRINGS');

export function credentialKeyrings(env: OrderEnv): CredentialKeyrings {
  const vars = env as unknown as Record<string, string | undefined>;
  return { atRest: optionalKeyring('CREDENTIALS_ENCRYPTION', vars), transport: optionalKeyring('CREDENTIALS_TRANSPORT', vars) };
}

/** Both keyrings, or 503 naming the missing variable (credentials are never stored unencrypted). */
export function requireKeyrings(k: CredentialKeyrings): { atRest: Keyring; transport: Keyring } {
  const missing = [!k.atRest && 'CREDENTIALS_ENCRYPTION_KEYS', !k.transport && 'CREDENTIALS_TRANSPORT_KEYS'].filter(Boolean);
  if (missing.length) throw new ServiceUnavailableException(`shop credentials are not available: ${missing.join(' and ')} not configured on order-service`);
  return { atRest: k.atRest!, transport: k.transport! };
}
