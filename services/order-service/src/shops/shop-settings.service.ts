import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ShopSettingsEntity } from '../database/entities/shop-settings.entity';
import { PaymentSettings } from '../domain/types';
import { ORDER_ENV, OrderEnv } from '../config/env';
import { CLOCK, Clock } from '../common/clock';

/** Per-shop settings with defaults from the environment. Credentials will join this module later. */
@Injectable()
export class ShopSettingsService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(ORDER_ENV) private readonly env: OrderEnv,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  defaults(): PaymentSettings {
    const e = this.env;
    return {
      useCardApi: e.DEFAULT_USE_CARD_API,
      autoProgress: e.DEFAULT_AUTO_PROGRESS,
      autoCapture: e.DEFAULT_AUTO_CAPTURE,
      autoReauthorize: e.DEFAULT_AUTO_REAUTHORIZE,
      autoAuthorize: e.DEFAULT_AUTO_AUTHORIZE,
      captureRequiresShipment: e.DEFAULT_CAPTURE_REQUIRES_SHIPMENT,
      authValidityDays: e.DEFAULT_AUTH_VALIDITY_DAYS,
      expiryWarningLeadDays: e.DEFAULT_EXPIRY_WARNING_LEAD_DAYS,
      stuckAfterMinutes: e.DEFAULT_STUCK_AFTER_MINUTES,
    };
  }

  async get(shopId: string, manager: EntityManager = this.dataSource.manager): Promise<PaymentSettings> {
    const row = await manager.findOneBy(ShopSettingsEntity, { shopId });
    return row ? toSettings(row) : this.defaults();
  }

  /** All shops with their own settings, plus the defaults for every other shop. */
  async all(): Promise<{ defaults: PaymentSettings; byShop: Map<string, PaymentSettings> }> {
    const rows = await this.dataSource.manager.find(ShopSettingsEntity);
    return { defaults: this.defaults(), byShop: new Map(rows.map((r) => [r.shopId, toSettings(r)])) };
  }

  async update(shopId: string, patch: Partial<PaymentSettings>): Promise<PaymentSettings> {
    return this.dataSource.transaction(async (manager) => {
      const current = await this.get(shopId, manager);
      const next: PaymentSettings = { ...current, ...definedOnly(patch) };
      next.expiryWarningLeadDays = [...new Set(next.expiryWarningLeadDays)].sort((a, b) => b - a);
      await manager.upsert(ShopSettingsEntity, { shopId, ...next, updatedAt: this.clock.now() }, ['shopId']);
      return next;
    });
  }
}

function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function toSettings(row: ShopSettingsEntity): PaymentSettings {
  return {
    useCardApi: row.useCardApi,
    autoProgress: row.autoProgress,
    autoCapture: row.autoCapture,
    autoReauthorize: row.autoReauthorize,
    autoAuthorize: row.autoAuthorize,
    captureRequiresShipment: row.captureRequiresShipment,
    authValidityDays: row.authValidityDays,
    expiryWarningLeadDays: row.expiryWarningLeadDays,
    stuckAfterMinutes: row.stuckAfterMinutes,
  };
}
