import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A service's local copy of an operator API key (order-service: the authority; others: replicated by events). */
@Entity('api_key')
export class ApiKeyEntity {
  @PrimaryColumn({ name: 'key_id', type: 'text' }) keyId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text' }) role!: string;
  @Column({ type: 'text', array: true }) shops!: string[];
  /** base64url SHA-256 of the secret; the secret itself is never stored. */
  @Column({ name: 'secret_hash', type: 'text' }) secretHash!: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt!: Date | null;
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true }) lastUsedAt!: Date | null;
}

export type AuditOutcome = 'accepted' | 'refused' | 'failed';

/** One audited operator action: who, when, what, on which shop/target, outcome. Never holds a secret. */
@Entity('audit_log')
@Index('ix_audit_log_at', ['at'])
@Index('ix_audit_log_shop_at', ['shopId', 'at'])
export class AuditLogEntity {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ type: 'timestamptz' }) at!: Date;
  @Column({ type: 'text' }) service!: string;
  @Column({ name: 'actor_key_id', type: 'text', nullable: true }) actorKeyId!: string | null;
  @Column({ name: 'actor_name', type: 'text', nullable: true }) actorName!: string | null;
  @Column({ name: 'actor_role', type: 'text', nullable: true }) actorRole!: string | null;
  /** Sub-actor from `x-actor` (informational). */
  @Column({ name: 'actor_detail', type: 'text', nullable: true }) actorDetail!: string | null;
  @Column({ type: 'text' }) action!: string;
  @Column({ name: 'shop_id', type: 'text', nullable: true }) shopId!: string | null;
  @Column({ type: 'text', nullable: true }) target!: string | null;
  @Column({ type: 'text' }) outcome!: AuditOutcome;
  @Column({ type: 'text', nullable: true }) reason!: string | null;
  @Column({ name: 'correlation_id', type: 'text', nullable: true }) correlationId!: string | null;
  /** Redacted summary of the request (method, path, params, query, body without secrets). */
  @Column({ type: 'jsonb', nullable: true }) request!: Record<string, unknown> | null;
}

/** Entities to add to a service's DataSource. */
export const AUTH_ENTITIES = [ApiKeyEntity, AuditLogEntity];
