import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { OrderStatus, PaymentOperation, PaymentTag } from '@rcp/contracts';
import type { OrderState } from '../../domain/types';

@Entity({ name: 'orders' })
export class OrderEntity implements OrderState {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'shop_id', type: 'varchar', length: 64 }) shopId: string;
  @Column({ name: 'order_number', type: 'varchar', length: 32 }) orderNumber: string;
  @Column({ name: 'ordered_at', type: 'timestamptz' }) orderedAt: Date;
  @Column({ name: 'payment_method', type: 'varchar', length: 100 }) paymentMethod: string;
  @Column({ name: 'total_amount', type: 'integer' }) totalAmount: number;
  @Column({ name: 'billed_amount', type: 'integer' }) billedAmount: number;
  @Column({ name: 'points_used', type: 'integer', nullable: true }) pointsUsed: number | null;
  @Column({ name: 'coupons_used', type: 'integer', nullable: true }) couponsUsed: number | null;
  @Column({ type: 'varchar', length: 16 }) status: OrderStatus;
  @Column({ name: 'payment_tag', type: 'varchar', length: 16, nullable: true }) paymentTag: PaymentTag | null;
  @Column({ name: 'pending_operation_id', type: 'uuid', nullable: true }) pendingOperationId: string | null;
  @Column({ name: 'pending_operation', type: 'varchar', length: 20, nullable: true }) pendingOperation: PaymentOperation | null;
  @Column({ name: 'pending_since', type: 'timestamptz', nullable: true }) pendingSince: Date | null;
  @Column({ name: 'pending_stuck_reported_at', type: 'timestamptz', nullable: true }) pendingStuckReportedAt: Date | null;
  @Column({ type: 'jsonb', default: () => "'[]'" }) plan: PaymentOperation[];
  @Column({ name: 'plan_actor', type: 'varchar', length: 100, nullable: true }) planActor: string | null;
  @Column({ name: 'authorized_amount', type: 'integer', nullable: true }) authorizedAmount: number | null;
  @Column({ name: 'authorized_at', type: 'timestamptz', nullable: true }) authorizedAt: Date | null;
  @Column({ name: 'auth_expires_at', type: 'timestamptz', nullable: true }) authExpiresAt: Date | null;
  @Column({ name: 'auth_operation_id', type: 'uuid', nullable: true }) authOperationId: string | null;
  @Column({ name: 'captured_amount', type: 'integer', nullable: true }) capturedAmount: number | null;
  @Column({ name: 'captured_at', type: 'timestamptz', nullable: true }) capturedAt: Date | null;
  @Column({ name: 'shipped_at', type: 'timestamptz', nullable: true }) shippedAt: Date | null;
  @Column({ name: 'last_error', type: 'jsonb', nullable: true }) lastError: OrderState['lastError'];
  /** Rakuten's view from the latest status check (CardStatusReported). */
  @Column({ name: 'card_status', type: 'jsonb', nullable: true }) cardStatus: Record<string, string | number | boolean | null> | null;
  @Column({ type: 'varchar', length: 20 }) source: 'http' | 'event' | 'csv';
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true }) deletedAt: Date | null;
}
