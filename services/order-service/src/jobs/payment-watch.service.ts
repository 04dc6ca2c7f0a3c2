import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { Metrics } from '@rcp/observability';
import { DataSource } from 'typeorm';
import { AuthExpiring, createEnvelope, PaymentStuck } from '@rcp/contracts';
import { OrderEntity } from '../database/entities/order.entity';
import { CLOCK, Clock } from '../common/clock';
import { ORDER_ENV, OrderEnv } from '../config/env';
import { EVENT_OUTBOX, EventOutbox } from '../events/outbox.port';
import { ShopSettingsService } from '../shops/shop-settings.service';
import { PaymentSettings } from '../domain/types';

const DAY_MS = 86_400_000;
const BATCH = 200;
/** Longest interval between two measurements of the expiring/stuck gauges (ms). */
const GAUGE_INTERVAL_MS = 30_000;

/**
 * Periodic watches: authorizations about to lapse (AuthExpiring, each lead time once) and operations in
 * progress for too long (PaymentStuck, once per operation). Safe with several replicas: warnings are claimed
 * by a primary-key insert, stuck flags by a conditional update, each in the transaction that adds the event.
 */
@Injectable()
export class PaymentWatchService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PaymentWatchService.name);
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly gaugedShops = new Set<string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly settings: ShopSettingsService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ORDER_ENV) private readonly env: OrderEnv,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Optional() private readonly metrics?: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    this.every(this.env.EXPIRY_JOB_INTERVAL_MS, 'expiry warnings', () => this.warnExpiring());
    this.every(this.env.STUCK_JOB_INTERVAL_MS, 'stuck detection', () => this.detectStuck());
    // gauges follow the expiry job (off when it is off), at least every 30 s
    if (this.metrics && this.env.EXPIRY_JOB_INTERVAL_MS > 0) {
      this.every(Math.min(GAUGE_INTERVAL_MS, this.env.EXPIRY_JOB_INTERVAL_MS), 'payment gauges', () => this.measureGauges());
    }
  }

  /**
   * Sets `rcp_auth_expiring{shop}` (authorizations, not captured, expiring within the shop's longest warning lead
   * time) and `rcp_payment_operations_stuck` (operations flagged stuck and still pending). Returns the numbers.
   */
  async measureGauges(): Promise<{ expiring: Record<string, number>; stuck: number }> {
    const now = this.clock.now();
    const all = await this.settings.all();
    const lead = (s: PaymentSettings) => Math.max(0, ...s.expiryWarningLeadDays);
    const leadByShop = Object.fromEntries([...all.byShop].map(([shop, s]) => [shop, lead(s)]));
    const rows: { shop_id: string; n: string }[] = await this.dataSource.query(
      `SELECT shop_id, count(*) AS n FROM orders
        WHERE deleted_at IS NULL AND payment_tag = 'オーソリ済' AND auth_expires_at > $1
          AND auth_expires_at <= $1 + make_interval(days => COALESCE(($2::jsonb ->> shop_id)::int, $3))
        GROUP BY shop_id`,
      [now, JSON.stringify(leadByShop), lead(all.defaults)],
    );
    const expiring: Record<string, number> = {};
    for (const r of rows) expiring[r.shop_id] = Number(r.n);
    const [{ n: stuck }]: { n: string }[] = await this.dataSource.query(
      `SELECT count(*) AS n FROM orders WHERE deleted_at IS NULL AND pending_operation_id IS NOT NULL AND pending_stuck_reported_at IS NOT NULL`,
    );
    if (this.metrics) {
      for (const shop of new Set([...this.gaugedShops, ...Object.keys(expiring)])) {
        this.metrics.setAuthExpiring(shop, expiring[shop] ?? 0);
        this.gaugedShops.add(shop);
      }
      this.metrics.setPaymentOperationsStuck(Number(stuck));
    }
    return { expiring, stuck: Number(stuck) };
  }

  onApplicationShutdown(): void {
    this.timers.forEach((t) => clearInterval(t));
  }

  private every(ms: number, name: string, job: () => Promise<unknown>): void {
    if (ms <= 0) return;
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      job()
        .catch((err) => this.logger.error(`${name} failed: ${(err as Error).message}`))
        .finally(() => (running = false));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private settingsFor(all: { defaults: PaymentSettings; byShop: Map<string, PaymentSettings> }, shopId: string): PaymentSettings {
    return all.byShop.get(shopId) ?? all.defaults;
  }

  /** Sends AuthExpiring for authorizations within a lead time of their expiry; returns how many were sent. */
  async warnExpiring(): Promise<number> {
    const now = this.clock.now();
    const all = await this.settings.all();
    const maxLead = Math.max(0, ...all.defaults.expiryWarningLeadDays, ...[...all.byShop.values()].flatMap((s) => s.expiryWarningLeadDays));
    if (maxLead === 0) return 0;
    const candidates = await this.dataSource.manager
      .createQueryBuilder(OrderEntity, 'o')
      .where(`o.deleted_at IS NULL AND o.payment_tag = 'オーソリ済' AND o.auth_expires_at IS NOT NULL AND o.auth_operation_id IS NOT NULL`)
      .andWhere('o.auth_expires_at > :now AND o.auth_expires_at <= :horizon', { now, horizon: new Date(now.getTime() + maxLead * DAY_MS) })
      .orderBy('o.auth_expires_at', 'ASC')
      .take(BATCH)
      .getMany();
    let sent = 0;
    for (const order of candidates) {
      const leads = this.settingsFor(all, order.shopId).expiryWarningLeadDays;
      const msLeft = (order.authExpiresAt as Date).getTime() - now.getTime();
      const due = leads.filter((d) => msLeft <= d * DAY_MS);
      if (due.length === 0) continue;
      const claimed = await this.dataSource.transaction(async (m) => {
        const rows: { lead_days: number }[] = await m.query(
          `INSERT INTO auth_expiry_warnings (order_id, auth_operation_id, lead_days, sent_at)
           SELECT $1, $2, d, $3 FROM unnest($4::int[]) AS d
           ON CONFLICT DO NOTHING RETURNING lead_days`,
          [order.id, order.authOperationId, now, due],
        );
        if (rows.length === 0) return false;
        // Several lead times passed at once (e.g. the service was down): one warning, the most urgent.
        await this.outbox.add(m, [
          createEnvelope(
            AuthExpiring,
            {
              orderNumber: order.orderNumber,
              authorizedAt: (order.authorizedAt as Date).toISOString(),
              expiresAt: (order.authExpiresAt as Date).toISOString(),
              daysLeft: Math.max(0, Math.floor(msLeft / DAY_MS)),
              amount: order.authorizedAmount ?? order.billedAmount,
            },
            { shopId: order.shopId, occurredAt: now },
          ),
        ]);
        return true;
      });
      if (claimed) sent++;
    }
    if (sent > 0) this.logger.log(`sent ${sent} AuthExpiring warning(s)`);
    return sent;
  }

  /** Flags operations in progress longer than the shop's limit with PaymentStuck (once per operation). */
  async detectStuck(): Promise<number> {
    const now = this.clock.now();
    const all = await this.settings.all();
    const minMinutes = Math.min(all.defaults.stuckAfterMinutes, ...[...all.byShop.values()].map((s) => s.stuckAfterMinutes));
    const candidates = await this.dataSource.manager
      .createQueryBuilder(OrderEntity, 'o')
      .where('o.deleted_at IS NULL AND o.pending_operation_id IS NOT NULL AND o.pending_stuck_reported_at IS NULL')
      .andWhere('o.pending_since <= :cutoff', { cutoff: new Date(now.getTime() - minMinutes * 60_000) })
      .orderBy('o.pending_since', 'ASC')
      .take(BATCH)
      .getMany();
    let flagged = 0;
    for (const order of candidates) {
      const limitMs = this.settingsFor(all, order.shopId).stuckAfterMinutes * 60_000;
      const since = order.pendingSince as Date;
      if (now.getTime() - since.getTime() < limitMs) continue;
      const claimed = await this.dataSource.transaction(async (m) => {
        const [, affected] = await m.query(
          `UPDATE orders SET pending_stuck_reported_at = $1
           WHERE id = $2 AND pending_operation_id = $3 AND pending_stuck_reported_at IS NULL`,
          [now, order.id, order.pendingOperationId],
        );
        if (!affected) return false;
        await this.outbox.add(m, [
          createEnvelope(
            PaymentStuck,
            {
              orderNumber: order.orderNumber,
              operation: order.pendingOperation!,
              operationId: order.pendingOperationId!,
              since: since.toISOString(),
              ageSeconds: Math.floor((now.getTime() - since.getTime()) / 1000),
              detectedBy: 'order-service',
            },
            { shopId: order.shopId, occurredAt: now },
          ),
        ]);
        return true;
      });
      if (claimed) flagged++;
    }
    if (flagged > 0) this.logger.warn(`${flagged} payment operation(s) stuck: check the card API settings`);
    return flagged;
  }
}
