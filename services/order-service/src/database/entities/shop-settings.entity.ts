import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'shop_settings' })
export class ShopSettingsEntity {
  @PrimaryColumn({ name: 'shop_id', type: 'varchar', length: 64 }) shopId: string;
  @Column({ name: 'use_card_api', type: 'boolean' }) useCardApi: boolean;
  @Column({ name: 'auto_progress', type: 'boolean' }) autoProgress: boolean;
  @Column({ name: 'auto_capture', type: 'boolean' }) autoCapture: boolean;
  @Column({ name: 'auto_reauthorize', type: 'boolean' }) autoReauthorize: boolean;
  @Column({ name: 'auto_authorize', type: 'boolean' }) autoAuthorize: boolean;
  @Column({ name: 'capture_requires_shipment', type: 'boolean' }) captureRequiresShipment: boolean;
  @Column({ name: 'auth_validity_days', type: 'integer' }) authValidityDays: number;
  @Column({ name: 'expiry_warning_lead_days', type: 'jsonb' }) expiryWarningLeadDays: number[];
  @Column({ name: 'stuck_after_minutes', type: 'integer' }) stuckAfterMinutes: number;
  @Column({ name: 'notification_emails', type: 'jsonb', default: () => "'[]'" }) notificationEmails: string[];
  @Column({ name: 'notification_webhook_urls', type: 'jsonb', default: () => "'[]'" }) notificationWebhookUrls: string[];
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
