import { ArrayMaxSize, ArrayMinSize, IsArray, IsDateString, IsIn, Matches } from 'class-validator';
import { defineEvent } from '../contract';
import { SHOP_ID_PATTERN } from '../envelope';
import { IsShortText } from '../fields';

/** Roles an operator API key can carry, weakest first. */
export const API_KEY_ROLES = ['viewer', 'operator', 'admin'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** Public id of an API key: 12 url-safe characters (the part after `rcp_`). Not a secret. */
export const API_KEY_ID_PATTERN = /^[A-Za-z0-9_-]{12}$/;

/** SHA-256 of a key's secret, base64url (43 characters). Never the secret itself. */
export const API_KEY_HASH_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Shop id of the envelope of access events (they belong to no shop). */
export const ACCESS_EVENT_SHOP_ID = 'rcp-system';

const shopScopeMessage = 'each entry must be a shop id, or the list must be exactly ["*"] (every shop)';

/** Body of {@link ApiKeyIssued}. Carries the hash of the secret, never the secret. */
export class ApiKeyIssuedV1 {
  @Matches(API_KEY_ID_PATTERN) keyId!: string;
  @IsShortText(64) name!: string;
  @IsIn(API_KEY_ROLES as unknown as string[]) role!: ApiKeyRole;
  /** Shop ids the key may see and act on; `['*']` = every shop. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @Matches(new RegExp(`^(\\*|${SHOP_ID_PATTERN.source.slice(1, -1)})$`, 'i'), { each: true, message: shopScopeMessage })
  shops!: string[];
  /** base64url SHA-256 of the secret part of the key. */
  @Matches(API_KEY_HASH_PATTERN) secretHash!: string;
  @IsDateString({ strict: true }) issuedAt!: string;
}

/** Body of {@link ApiKeyRevoked}. */
export class ApiKeyRevokedV1 {
  @Matches(API_KEY_ID_PATTERN) keyId!: string;
  @IsDateString({ strict: true }) revokedAt!: string;
}

/** An operator API key was issued by order-service (the key authority); every service replicates it. */
export const ApiKeyIssued = defineEvent<ApiKeyIssuedV1>({
  type: 'ApiKeyIssued',
  version: 1,
  routingKey: 'access.api-key.issued',
  category: 'access',
  payload: ApiKeyIssuedV1,
  description:
    'order-service issued an operator API key (role viewer/operator/admin, shop scope). Carries only the SHA-256 hash of ' +
    'the secret: each HTTP service stores it in its own api_key table and verifies keys locally. Envelope shopId is ' +
    `\`${ACCESS_EVENT_SHOP_ID}\`.`,
});

/** An operator API key was revoked; services reject it within seconds of receiving this. */
export const ApiKeyRevoked = defineEvent<ApiKeyRevokedV1>({
  type: 'ApiKeyRevoked',
  version: 1,
  routingKey: 'access.api-key.revoked',
  category: 'access',
  payload: ApiKeyRevokedV1,
  description: `order-service revoked an operator API key; every service marks it revoked. Envelope shopId is \`${ACCESS_EVENT_SHOP_ID}\`.`,
});
