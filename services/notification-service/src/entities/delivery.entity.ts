import { EventEnvelope } from '@rcp/contracts';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const DELIVERY_CHANNELS = ['email', 'webhook'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

/** pending: waiting for its first attempt; failed: an attempt failed, another is scheduled; parked: gave up. */
export const DELIVERY_STATUSES = ['pending', 'sent', 'failed', 'parked'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One message to one target (an e-mail address or a webhook URL). A digest carries several events. */
@Entity('delivery')
@Index('ix_delivery_due', ['nextAttemptAt'])
@Index('ix_delivery_shop_created', ['shopId', 'createdAt'])
export class Delivery {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'shop_id', type: 'text' }) shopId!: string;
  @Column({ name: 'rule_id', type: 'uuid', nullable: true }) ruleId!: string | null;
  @Column({ type: 'text' }) channel!: DeliveryChannel;
  @Column({ type: 'text' }) target!: string;
  @Column({ type: 'boolean', default: false }) digest!: boolean;
  /** A digest still accepting events (until its first attempt). */
  @Column({ name: 'digest_open', type: 'boolean', default: false }) digestOpen!: boolean;
  @Column({ name: 'event_types', type: 'text', array: true }) eventTypes!: string[];
  @Column({ type: 'jsonb' }) events!: EventEnvelope[];
  @Column({ name: 'locale', type: 'text', default: 'ja' }) locale!: 'ja' | 'en';
  @Column({ type: 'text' }) status!: DeliveryStatus;
  @Column({ type: 'integer', default: 0 }) attempts!: number;
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true }) nextAttemptAt!: Date | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError!: string | null;
  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true }) lastAttemptAt!: Date | null;
  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true }) sentAt!: Date | null;
  @Column({ name: 'parked_at', type: 'timestamptz', nullable: true }) parkedAt!: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
