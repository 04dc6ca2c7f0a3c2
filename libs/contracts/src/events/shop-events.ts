import { IsDateString, IsIn, IsInt, IsOptional, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { defineEvent } from '../contract';
import { IsShortText } from '../fields';

/**
 * A sealed token of `@rcp/secrets` (`v1.<keyId>.<iv>.<tag>.<ciphertext>`, base64url parts). base64url, unlike hex,
 * never trips the card-number detector of `validateEnvelope`.
 */
export const SEALED_TOKEN_PATTERN = /^v1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/;

/** Body of {@link ShopCredentialsUpdated}. No plaintext: the credentials travel sealed with the transport keyring. */
export class ShopCredentialsUpdatedV1 {
  /** Monotonic per shop; a receiver never lets an older version overwrite a newer one. */
  @IsInt() @Min(1) version!: number;
  /**
   * JSON `{shopUrl, userName, authKey}` sealed (AES-256-GCM) with the transport keyring `CREDENTIALS_TRANSPORT_KEYS`
   * shared only by order-service and payment-gateway, associated data `transport:<shopId>|v<version>`.
   */
  @Matches(SEALED_TOKEN_PATTERN) @MaxLength(4096) sealed!: string;
  @IsDateString({ strict: true }) updatedAt!: string;
}

/** Body of {@link ConnectionCheckRequested}. */
export class ConnectionCheckRequestedV1 {
  @IsUUID() checkId!: string;
}

/** What a connection check (接続確認) found. */
export const CONNECTION_CHECK_OUTCOMES = ['ok', 'wrong-credentials', 'unknown-shop', 'unreachable', 'timeout', 'api-error', 'no-credentials'] as const;
export type ConnectionCheckOutcome = (typeof CONNECTION_CHECK_OUTCOMES)[number];

/** Body of {@link ConnectionCheckCompleted}. */
export class ConnectionCheckCompletedV1 {
  @IsUUID() checkId!: string;
  @IsIn(CONNECTION_CHECK_OUTCOMES as unknown as string[]) outcome!: ConnectionCheckOutcome;
  /** Rakuten's request-level code (e.g. `RCCS_E01-001`) or the transport failure kind. */
  @IsOptional() @IsShortText(64) errorCode?: string;
  @IsOptional() @IsShortText(500) message?: string;
  @IsInt() @Min(0) @Max(3_600_000) latencyMs!: number;
}

/** order-service changed a shop's card-API credentials; payment-gateway stores its own encrypted copy. */
export const ShopCredentialsUpdated = defineEvent<ShopCredentialsUpdatedV1>({
  type: 'ShopCredentialsUpdated',
  version: 1,
  routingKey: 'shop.credentials.updated',
  category: 'shop',
  payload: ShopCredentialsUpdatedV1,
  description:
    'order-service saved (or re-delivered) a shop\'s card-API credentials (店舗URL, ユーザID, 認証キー). The payload carries ' +
    'them only sealed with AES-256-GCM under the transport keyring shared by order-service and payment-gateway ' +
    '(associated data `transport:<shopId>|v<version>`): a ciphertext the gateway can open proves it came from a key ' +
    'holder. Consumed by payment-gateway, which re-encrypts them under its own at-rest key; older versions never ' +
    'overwrite newer ones. Other subscribers see an opaque token.',
});

/** An operator asked for a connection check (接続確認) of a shop; payment-gateway answers with ConnectionCheckCompleted. */
export const ConnectionCheckRequested = defineEvent<ConnectionCheckRequestedV1>({
  type: 'ConnectionCheckRequested',
  version: 1,
  routingKey: 'shop.connection-check.requested',
  category: 'shop',
  payload: ConnectionCheckRequestedV1,
  description:
    'order-service asks payment-gateway to log in to the card API with the shop\'s stored credentials (getRCCSRequestId, ' +
    'no retries, no circuit breaker).',
});

/** Result of a connection check, published by payment-gateway. */
export const ConnectionCheckCompleted = defineEvent<ConnectionCheckCompletedV1>({
  type: 'ConnectionCheckCompleted',
  version: 1,
  routingKey: 'shop.connection-check.completed',
  category: 'shop',
  payload: ConnectionCheckCompletedV1,
  description:
    'payment-gateway\'s answer to ConnectionCheckRequested: ok, wrong-credentials (request-level 認証エラー), unknown-shop ' +
    '(only when a configured code says so: the card API answers an unknown 店舗URL with the same 認証エラー), unreachable ' +
    '(connection refused/reset before an answer), timeout, api-error (any other failure) or no-credentials (the ' +
    'gateway holds none for the shop), with Rakuten\'s code and the latency. order-service records it in the shop history.',
});
