import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EventEnvelope } from '@rcp/contracts';
import { DataSource } from 'typeorm';
import { CLOCK, Clock } from '../clock';
import { NOTIFICATION_ENV } from '../config/tokens';
import { NotificationEnv, maxDeliveryAttempts } from '../config/env';
import { NotificationRule } from '../entities/notification-rule.entity';
import { renderMail } from '../mail/render-mail';
import { WEBHOOK_HEADERS, signWebhook } from '../webhooks/sign-webhook';
import { nextRetryDelayMs } from './backoff';
import { DeliveryError } from './delivery-error';
import { MAIL_SENDER, MailSender } from './mail-sender';
import { WEBHOOK_SENDER, WebhookSender } from './webhook-sender';

interface ClaimedRow {
  id: string;
  rule_id: string | null;
  channel: 'email' | 'webhook';
  target: string;
  events: EventEnvelope[];
  locale: 'ja' | 'en';
  attempts: number;
}

/**
 * Sends due deliveries. Claims a batch with FOR UPDATE SKIP LOCKED (so replicas never share a row) and pushes
 * next_attempt_at one lease ahead, so a crash mid-send only delays the delivery. Outcomes are fenced by the
 * attempt number: a worker whose lease expired cannot overwrite a newer attempt.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(DeliveryWorker.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(MAIL_SENDER) private readonly mail: MailSender,
    @Inject(WEBHOOK_SENDER) private readonly webhooks: WebhookSender,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(NOTIFICATION_ENV) private readonly env: NotificationEnv,
  ) {}

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.mail.close();
  }

  /** One pass: claim due deliveries and attempt them. Returns how many were attempted. */
  async runOnce(): Promise<number> {
    const rows = await this.claim();
    await Promise.all(rows.map((row) => this.attempt(row)));
    return rows.length;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then((n) => this.schedule(n >= this.env.NOTIFY_WORKER_BATCH ? 0 : this.env.NOTIFY_WORKER_POLL_MS))
        .catch((err: unknown) => {
          this.log.error(`delivery poll failed: ${(err as Error).message}`);
          this.schedule(this.env.NOTIFY_WORKER_POLL_MS);
        });
    }, delayMs);
  }

  private async claim(): Promise<ClaimedRow[]> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + this.env.NOTIFY_CLAIM_LEASE_MS);
    const [rows] = (await this.dataSource.query(
      `UPDATE delivery d SET attempts = d.attempts + 1, digest_open = false, last_attempt_at = $1,
              next_attempt_at = $2, updated_at = $1
       WHERE d.id IN (SELECT id FROM delivery WHERE status IN ('pending', 'failed') AND next_attempt_at <= $1
                      ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING d.id, d.rule_id, d.channel, d.target, d.events, d.locale, d.attempts`,
      [now, leaseUntil, this.env.NOTIFY_WORKER_BATCH],
    )) as [ClaimedRow[], number];
    return rows;
  }

  private async attempt(row: ClaimedRow): Promise<void> {
    try {
      if (row.channel === 'email') await this.sendMail(row);
      else await this.sendWebhook(row);
      await this.finish(row, `status = 'sent', sent_at = $3, next_attempt_at = NULL, last_error = NULL`, []);
    } catch (err) {
      const failure = err instanceof DeliveryError ? err : new DeliveryError(`internal error: ${(err as Error).message}`);
      const delay = failure.permanent ? null : nextRetryDelayMs(row.attempts, this.env.NOTIFY_RETRY_DELAYS_MS);
      if (delay === null) {
        const why = failure.permanent ? 'permanent failure' : `${row.attempts}/${maxDeliveryAttempts(this.env)} attempts failed`;
        this.log.warn(`delivery ${row.id} (${row.channel}) parked: ${why}: ${failure.message}`);
        await this.finish(row, `status = 'parked', parked_at = $3, next_attempt_at = NULL, last_error = $4`, [failure.message]);
      } else {
        const next = new Date(this.clock.now().getTime() + delay);
        await this.finish(row, `status = 'failed', next_attempt_at = $4, last_error = $5`, [next, failure.message]);
      }
    }
  }

  private async finish(row: ClaimedRow, set: string, params: unknown[]): Promise<void> {
    const now = this.clock.now();
    await this.dataSource.query(
      `UPDATE delivery SET ${set}, updated_at = $3 WHERE id = $1 AND attempts = $2 AND status IN ('pending', 'failed')`,
      [row.id, row.attempts, now, ...params],
    );
  }

  private async sendMail(row: ClaimedRow): Promise<void> {
    const { subject, text } = renderMail(row.events, row.locale);
    await this.mail.send({ to: row.target, subject, text, messageId: `<${row.id}@rcp-notification-service>` });
  }

  private async sendWebhook(row: ClaimedRow): Promise<void> {
    const rule = row.rule_id ? await this.dataSource.getRepository(NotificationRule).findOneBy({ id: row.rule_id }) : null;
    const endpoint = rule?.webhooks.find((w) => w.url === row.target);
    if (!endpoint) throw new DeliveryError('the endpoint is no longer configured in any rule (secret unavailable)', true);
    const event = row.events[0];
    const body = JSON.stringify(event);
    const timestamp = Math.floor(this.clock.now().getTime() / 1000);
    await this.webhooks.post(row.target, body, {
      [WEBHOOK_HEADERS.timestamp]: String(timestamp),
      [WEBHOOK_HEADERS.signature]: signWebhook(endpoint.secret, timestamp, body),
      [WEBHOOK_HEADERS.eventId]: event.id,
      [WEBHOOK_HEADERS.eventType]: event.type,
      [WEBHOOK_HEADERS.deliveryId]: row.id,
    });
  }
}
