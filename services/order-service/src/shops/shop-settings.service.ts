import { ConflictException, Inject, Injectable } from '@nestjs/common';
import { AuditWriter, currentAuditDraft } from '@rcp/auth';
import { FieldValidationException } from '../common/errors';
import { CutoverCheckService } from './cutover';
import { ShopHistory } from './shop-history';
import { DataSource, EntityManager } from 'typeorm';
import { ShopSettingsEntity } from '../database/entities/shop-settings.entity';
import { PaymentSettings } from '../domain/types';
import { ORDER_ENV, OrderEnv } from '../config/env';
import { CLOCK, Clock } from '../common/clock';

/** Settings plus the shop's notification contacts (not needed by the payment rules). */
export interface ShopSettingsView extends PaymentSettings {
  notificationEmails: string[];
  notificationWebhookUrls: string[];
}

export type ShopSettingsPatch = Partial<ShopSettingsView>;

/** Explicit admin override of the cutover check (R-Card Plus → card API) with its reason. */
export interface CutoverOverride {
  overrideCutover?: boolean;
  overrideReason?: string;
}

/** Per-shop settings with defaults from the environment (credentials: ShopCredentialsService). */
@Injectable()
export class ShopSettingsService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(ORDER_ENV) private readonly env: OrderEnv,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly cutover: CutoverCheckService,
    private readonly history: ShopHistory,
    private readonly audit: AuditWriter,
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
    return this.fromRow(await manager.findOneBy(ShopSettingsEntity, { shopId }));
  }

  /** The settings a shop's row holds, or the defaults when it has none (for rows read with other data). */
  fromRow(row: ShopSettingsEntity | null): PaymentSettings {
    return row ? toSettings(row) : this.defaults();
  }

  /** All shops with their own settings, plus the defaults for every other shop. */
  async all(): Promise<{ defaults: PaymentSettings; byShop: Map<string, PaymentSettings> }> {
    const rows = await this.dataSource.manager.find(ShopSettingsEntity);
    return { defaults: this.defaults(), byShop: new Map(rows.map((r) => [r.shopId, toSettings(r)])) };
  }

  /** Settings and notification contacts of a shop (defaults when it has no row). */
  async view(shopId: string, manager: EntityManager = this.dataSource.manager): Promise<ShopSettingsView> {
    const row = await manager.findOneBy(ShopSettingsEntity, { shopId });
    return row
      ? { ...toSettings(row), notificationEmails: row.notificationEmails ?? [], notificationWebhookUrls: row.notificationWebhookUrls ?? [] }
      : { ...this.defaults(), notificationEmails: [], notificationWebhookUrls: [] };
  }

  /**
   * Applies a partial update. Turning `useCardApi` on while the cutover check lists orders → 409 with the list,
   * unless an explicit override with a reason is given (recorded in the shop history and the audit log).
   */
  async update(shopId: string, patch: ShopSettingsPatch, options: CutoverOverride & { actor?: string } = {}): Promise<ShopSettingsView> {
    if (options.overrideCutover && !options.overrideReason?.trim()) {
      throw new FieldValidationException([{ field: 'overrideReason', message: 'overrideReason is required with overrideCutover' }]);
    }
    if (options.overrideCutover && patch.useCardApi !== true) {
      throw new FieldValidationException([{ field: 'overrideCutover', message: 'overrideCutover only applies together with useCardApi: true' }]);
    }
    const actor = options.actor ?? null;
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`shop-settings:${shopId}`]);
      const current = await this.view(shopId, manager);
      const next: ShopSettingsView = { ...current, ...definedOnly(patch) };
      next.expiryWarningLeadDays = [...new Set(next.expiryWarningLeadDays)].sort((a, b) => b - a);
      next.notificationEmails = [...new Set(next.notificationEmails)];
      next.notificationWebhookUrls = [...new Set(next.notificationWebhookUrls)];
      const now = this.clock.now();
      if (next.useCardApi && !current.useCardApi) {
        const check = await this.cutover.check(shopId, manager);
        if (!check.ok && !options.overrideCutover) {
          throw new ConflictException({
            message: `the card API cannot be enabled: ${check.total} card order(s) are neither 未オーソリ nor 売上請求済 (R-Card Plus work in progress cannot be carried over); resolve them or override explicitly`,
            errors: [{ field: 'useCardApi', message: `${check.total} blocking order(s)` }],
            details: { cutover: check },
          });
        }
        if (!check.ok) {
          const detail = { reason: options.overrideReason!.trim(), total: check.total, blocking: check.blocking.slice(0, 200) };
          await this.history.record(manager, shopId, now, 'cutover.override', actor, detail);
          const draft = currentAuditDraft();
          await this.audit.write(manager, {
            ...(draft?.base ?? { actor: null }),
            action: 'cutover.override',
            shopId,
            target: `${check.total} blocking order(s)`,
            outcome: 'accepted',
            reason: options.overrideReason!.trim(),
            request: { total: check.total, orderNumbers: check.blocking.slice(0, 50).map((b) => b.orderNumber) },
          });
        }
      }
      await manager.upsert(ShopSettingsEntity, { shopId, ...next, updatedAt: now }, ['shopId']);
      const changes = Object.fromEntries(
        (Object.keys(next) as (keyof ShopSettingsView)[])
          .filter((k) => JSON.stringify(next[k]) !== JSON.stringify(current[k]))
          .map((k) => [k, { from: current[k], to: next[k] }]),
      );
      await this.history.record(manager, shopId, now, 'settings.update', actor, { changes, ...(options.overrideCutover ? { overrideCutover: true } : {}) });
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
