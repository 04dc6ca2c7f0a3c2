import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { OperationState } from '../ledger/states';
import type { CardRequestState } from '../ledger/states';

export interface TimelineEntry {
  at: string;
  state: string;
  note?: string;
}

/** One requested operation on one order (idempotency key = the requester's operationId). */
@Entity({ name: 'payment_operation' })
@Index(['state', 'nextAttemptAt'])
@Index(['shopId', 'orderNumber'])
export class PaymentOperationEntity {
  @PrimaryColumn({ name: 'operation_id', type: 'uuid' }) operationId!: string;
  @Column({ name: 'shop_id', type: 'varchar', length: 64 }) shopId!: string;
  @Column({ name: 'order_number', type: 'varchar', length: 64 }) orderNumber!: string;
  @Column({ type: 'varchar', length: 20 }) kind!: string;
  @Column({ type: 'integer', nullable: true }) amount!: number | null;
  @Column({ name: 'pay_type', type: 'integer', nullable: true }) payType!: number | null;
  @Column({ name: 'help_item', type: 'varchar', length: 200, nullable: true }) helpItem!: string | null;
  @Column({ type: 'varchar', length: 20 }) state!: OperationState;
  @Column({ name: 'card_request_id', type: 'bigint', nullable: true }) cardRequestId!: string | null;
  @Column({ type: 'integer', default: 0 }) attempts!: number;
  /** Failed resubmission rounds while requeued (the resubmitter gives up on this count, not on `attempts`). */
  @Column({ type: 'integer', default: 0 }) resubmissions!: number;
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true }) nextAttemptAt!: Date | null;
  @Column({ name: 'message_id', type: 'uuid', nullable: true }) messageId!: string | null;
  @Column({ name: 'correlation_id', type: 'varchar', length: 128 }) correlationId!: string;
  @Column({ name: 'result_event', type: 'varchar', length: 64, nullable: true }) resultEvent!: string | null;
  @Column({ name: 'result', type: 'jsonb', nullable: true }) result!: Record<string, unknown> | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError!: string | null;
  @Column({ name: 'stuck_reported_at', type: 'timestamptz', nullable: true }) stuckReportedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt!: Date | null;
}

/** The ledger: one card-API asynchronous request (one request id), persisted before it is submitted. */
@Entity({ name: 'card_request' })
export class CardRequestEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Index({ unique: true })
  @Column({ name: 'rccs_request_id', type: 'integer' })
  rccsRequestId!: number;
  @Column({ name: 'shop_id', type: 'varchar', length: 64 }) shopId!: string;
  @Column({ type: 'varchar', length: 20 }) kind!: string;
  @Column({ type: 'varchar', length: 20 }) state!: CardRequestState;
  @Column({ name: 'order_numbers', type: 'jsonb' }) orderNumbers!: string[];
  @Column({ type: 'integer', default: 0 }) attempts!: number;
  @Column({ name: 'poll_count', type: 'integer', default: 0 }) pollCount!: number;
  @Column({ name: 'next_poll_at', type: 'timestamptz', nullable: true }) nextPollAt!: Date | null;
  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" }) timeline!: TimelineEntry[];
  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" }) exchanges!: unknown[];
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'submitted_at', type: 'timestamptz', nullable: true }) submittedAt!: Date | null;
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt!: Date | null;
}

export const GATEWAY_ENTITIES = [PaymentOperationEntity, CardRequestEntity];
