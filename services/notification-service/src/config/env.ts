import { envBoolean, envInt, envUrl, parseEnv } from '@rcp/config';
import { authEnvShape } from '@rcp/auth';
import { z } from 'zod';

const delayList = (defaultValue: string) =>
  z
    .string()
    .default(defaultValue)
    .refine((v) => /^\d+(,\d+)*$/.test(v.replace(/\s/g, '')), { message: 'must be a comma-separated list of milliseconds' })
    .transform((v) => v.replace(/\s/g, '').split(',').map(Number));

export const notificationEnvSchema = z.object({
  NOTIFY_PORT: envInt(3002, 0, 65535),
  NOTIFY_DATABASE_URL: envUrl('postgres://postgres@127.0.0.1:5432/rcp_notifications'),
  /** Recurring statements as prepared statements; false behind a transaction-pooling proxy (PgBouncer). */
  NOTIFY_DB_PREPARED_STATEMENTS: envBoolean(true),
  RABBITMQ_URL: envUrl('amqp://guest:guest@127.0.0.1:5672'),
  EXCHANGE: z.string().min(1).default('rakuten.payments'),
  /** Prefix of exchange and queue names (tests isolate themselves with it). */
  MESSAGING_NAME_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]*$/, 'letters, digits, _ . - only').default(''),
  SMTP_URL: envUrl('smtp://127.0.0.1:2525'),
  MAIL_FROM: z.string().min(3).default('楽天カード決済通知 <notify@localhost>'),
  /** Waits between delivery attempts; attempts = list length + 1, then the delivery is parked. */
  NOTIFY_RETRY_DELAYS_MS: delayList('5000,30000,120000,600000,1800000'),
  NOTIFY_WEBHOOK_TIMEOUT_MS: envInt(10_000, 100, 120_000),
  NOTIFY_SMTP_TIMEOUT_MS: envInt(15_000, 100, 120_000),
  NOTIFY_WORKER_POLL_MS: envInt(1000, 10, 60_000),
  NOTIFY_WORKER_BATCH: envInt(20, 1, 500),
  /** How long a claimed delivery stays invisible to other workers (crash recovery). */
  NOTIFY_CLAIM_LEASE_MS: envInt(60_000, 1000, 3_600_000),
  NOTIFY_DEDUP_WINDOW_SECONDS: envInt(600, 0, 30 * 86_400),
  NOTIFY_CONSUMER_PREFETCH: envInt(20, 1, 1000),
  NOTIFY_CONSUMER_RETRY_DELAYS_MS: delayList('1000,5000,30000'),
  NOTIFY_CONSUMER_MAX_ATTEMPTS: envInt(5, 1, 100),
  NOTIFY_SHUTDOWN_TIMEOUT_MS: envInt(10_000, 0, 120_000),
  /** Boot fails, naming RabbitMQ, when the consumer is not connected within this time. */
  NOTIFY_BROKER_CONNECT_TIMEOUT_MS: envInt(60_000, 1000, 600_000),
  /** RCP_BOOTSTRAP_ADMIN_KEY, CORS_ORIGINS, RATE_LIMIT_MAX, RATE_LIMIT_WINDOW_MS, API_KEY_CACHE_TTL_MS (libs/auth). */
  ...authEnvShape,
});

export type NotificationEnv = z.infer<typeof notificationEnvSchema>;

export function loadNotificationEnv(env: NodeJS.ProcessEnv = process.env): NotificationEnv {
  return parseEnv(notificationEnvSchema, env);
}

/** Attempts allowed before a delivery is parked. */
export function maxDeliveryAttempts(env: Pick<NotificationEnv, 'NOTIFY_RETRY_DELAYS_MS'>): number {
  return env.NOTIFY_RETRY_DELAYS_MS.length + 1;
}
