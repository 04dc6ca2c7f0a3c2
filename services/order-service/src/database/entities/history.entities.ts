import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'payment_tag_history' })
export class PaymentTagHistoryEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id: string;
  @Column({ name: 'order_id', type: 'uuid' }) orderId: string;
  @Column({ name: 'from_tag', type: 'varchar', length: 16, nullable: true }) fromTag: string | null;
  @Column({ name: 'to_tag', type: 'varchar', length: 16, nullable: true }) toTag: string | null;
  @Column({ type: 'varchar', length: 200 }) cause: string;
  @Column({ type: 'varchar', length: 100 }) actor: string;
  @Column({ name: 'operation_id', type: 'uuid', nullable: true }) operationId: string | null;
  @Column({ type: 'timestamptz' }) at: Date;
}

@Entity({ name: 'order_status_history' })
export class OrderStatusHistoryEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id: string;
  @Column({ name: 'order_id', type: 'uuid' }) orderId: string;
  @Column({ name: 'from_status', type: 'varchar', length: 16, nullable: true }) fromStatus: string | null;
  @Column({ name: 'to_status', type: 'varchar', length: 16 }) toStatus: string;
  @Column({ type: 'varchar', length: 200 }) cause: string;
  @Column({ type: 'varchar', length: 100 }) actor: string;
  @Column({ type: 'timestamptz' }) at: Date;
}

/** One exchange with the card API as seen by this service (楽天API連携 tab): our request or the gateway's result. */
@Entity({ name: 'api_log' })
export class ApiLogEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id: string;
  @Column({ name: 'order_id', type: 'uuid' }) orderId: string;
  @Column({ type: 'varchar', length: 10 }) direction: 'request' | 'result';
  @Column({ name: 'event_type', type: 'varchar', length: 64 }) eventType: string;
  @Column({ type: 'varchar', length: 20 }) operation: string;
  @Column({ name: 'operation_id', type: 'uuid', nullable: true }) operationId: string | null;
  @Column({ name: 'rccs_request_id', type: 'integer', nullable: true }) rccsRequestId: number | null;
  @Column({ name: 'card_status', type: 'integer', nullable: true }) cardStatus: number | null;
  @Column({ name: 'error_code', type: 'varchar', length: 32, nullable: true }) errorCode: string | null;
  @Column({ name: 'ccs_error_code', type: 'varchar', length: 16, nullable: true }) ccsErrorCode: string | null;
  @Column({ type: 'text', nullable: true }) message: string | null;
  @Column({ type: 'integer', nullable: true }) amount: number | null;
  @Column({ name: 'error_class', type: 'varchar', length: 20, nullable: true }) errorClass: string | null;
  /** Whether the result changed the payment tag (false for late, duplicated or superseded results). */
  @Column({ type: 'boolean', default: true }) applied: boolean;
  @Column({ type: 'jsonb', nullable: true }) details: Record<string, string | number | boolean | null> | null;
  @Column({ type: 'timestamptz' }) at: Date;
}

/** One AuthExpiring warning sent; the primary key makes each warning go out once, even with several replicas. */
@Entity({ name: 'auth_expiry_warnings' })
export class AuthExpiryWarningEntity {
  @Column({ name: 'order_id', type: 'uuid', primary: true }) orderId: string;
  @Column({ name: 'auth_operation_id', type: 'uuid', primary: true }) authOperationId: string;
  @Column({ name: 'lead_days', type: 'integer', primary: true }) leadDays: number;
  @Column({ name: 'sent_at', type: 'timestamptz' }) sentAt: Date;
}
