import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export interface WebhookEndpoint {
  url: string;
  /** HMAC key; write-only: never returned or logged. */
  secret: string;
}

/** Which event types of a shop go to which recipients and endpoints. shopId '*' matches every shop. */
@Entity('notification_rule')
@Index('ix_rule_shop', ['shopId'])
export class NotificationRule {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'shop_id', type: 'text' }) shopId!: string;
  @Column({ type: 'text', default: '' }) name!: string;
  @Column({ name: 'event_types', type: 'text', array: true }) eventTypes!: string[];
  @Column({ type: 'text', array: true, default: () => "'{}'" }) emails!: string[];
  @Column({ type: 'jsonb', default: () => "'[]'" }) webhooks!: WebhookEndpoint[];
  /** When set, e-mails are batched into one digest per recipient within this many seconds. */
  @Column({ name: 'digest_window_seconds', type: 'integer', nullable: true }) digestWindowSeconds!: number | null;
  /** One notification per incident within this many seconds; null = service default. */
  @Column({ name: 'dedup_window_seconds', type: 'integer', nullable: true }) dedupWindowSeconds!: number | null;
  @Column({ type: 'text', default: 'ja' }) locale!: 'ja' | 'en';
  @Column({ type: 'boolean', default: true }) enabled!: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
