import { IsDateString, IsInt, IsObject, IsOptional, IsString, IsUUID, Matches, MaxLength, Min } from 'class-validator';

/** Pattern of a shop id: the shop part of the store URL (店舗URL), e.g. `example-shop`. */
export const SHOP_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

/**
 * The envelope every event travels in. Its fields are also mirrored in AMQP properties:
 * `message_id` = id, `type` = type, `timestamp` = occurredAt (seconds), `correlation_id` = correlationId,
 * `content_type` = application/json, header `x-event-version` = version, header `x-shop-id` = shopId.
 */
export interface EventEnvelope<T = unknown> {
  /** Unique message id (UUID); consumers de-duplicate on it. */
  id: string;
  /** Event type name, e.g. `AuthRequested`. */
  type: string;
  /** Version of the payload schema of this type (integer, starting at 1). */
  version: number;
  /** When the fact happened, ISO-8601 UTC. */
  occurredAt: string;
  /** Id shared by every event of one business flow (e.g. one order's authorization). */
  correlationId: string;
  /** Id of the event (or HTTP request) that caused this one; null for a flow's first event. */
  causationId: string | null;
  /** Shop the event belongs to. */
  shopId: string;
  /** The payload, validated against the contract of (type, version). */
  data: T;
}

/** class-validator shape of the envelope (payload validated separately against its contract). */
export class EnvelopeShape {
  @IsUUID() id!: string;
  @IsString() @Matches(/^[A-Z][A-Za-z]{2,63}$/) type!: string;
  @IsInt() @Min(1) version!: number;
  @IsDateString({ strict: true }) occurredAt!: string;
  @IsString() @MaxLength(128) correlationId!: string;
  @IsOptional() @IsString() @MaxLength(128) causationId!: string | null;
  @IsString() @Matches(SHOP_ID_PATTERN) shopId!: string;
  @IsObject() data!: Record<string, unknown>;
}
