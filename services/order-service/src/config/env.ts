import { z } from 'zod';
import { parseCsvMapping } from '../import/csv-orders';
import { envBoolean, envInt, envUrl, parseEnv } from '@rcp/config';
import { authEnvShape } from '@rcp/auth';
import { keyringEnvVar } from '@rcp/secrets';

const leadDays = z
  .string()
  .default('7,1')
  .transform((v, ctx) => {
    const days = v.split(',').map((s) => Number(s.trim()));
    if (days.some((d) => !Number.isInteger(d) || d < 1 || d > 365)) {
      ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of whole days between 1 and 365, e.g. 7,1' });
      return z.NEVER;
    }
    return [...new Set(days)].sort((a, b) => b - a);
  });

/** Environment of order-service, validated at boot (every bad variable is named). */
export const orderEnvSchema = z.object({
  ORDER_PORT: envInt(3000, 0, 65535),
  ORDER_DATABASE_URL: envUrl('postgres://postgres@127.0.0.1:5432/rcp_orders'),
  /** Recurring statements as prepared statements; false behind a transaction-pooling proxy (PgBouncer). */
  ORDER_DB_PREPARED_STATEMENTS: envBoolean(true),
  RABBITMQ_URL: envUrl('amqp://guest:guest@127.0.0.1:5672'),
  EXCHANGE: z.string().min(1).default('rakuten.payments'),
  /** Prefix for exchange and queue names (test isolation); empty in production. */
  MESSAGING_NAME_PREFIX: z.string().default(''),
  ORDER_QUEUE: z.string().min(1).default('order-service'),
  /**
   * Unacknowledged events at a time. The consumer's throughput is this many over the time an event takes from
   * delivery to acknowledgement; the default is twice the default `ORDER_INBOX_GROUP_MAX`, so both group
   * transactions can run full — raise the two together.
   */
  ORDER_PREFETCH: envInt(100, 1, 1000),
  /** Inbox group commit: consumed events that wait for a transaction share one, up to this many; 1 = one per event. */
  ORDER_INBOX_GROUP_MAX: envInt(50, 1, 1000),
  OUTBOX_POLL_INTERVAL_MS: envInt(500, 10, 60_000),
  /** 0 disables the periodic job (tests run jobs explicitly). */
  EXPIRY_JOB_INTERVAL_MS: envInt(10 * 60_000, 0),
  STUCK_JOB_INTERVAL_MS: envInt(60_000, 0),
  JSON_BODY_LIMIT: z.string().default('1mb'),
  CSV_BODY_LIMIT: z.string().default('10mb'),
  /** JSON object overriding CSV header names per field, e.g. {"billedAmount":["請求金額","ご請求額"]}. */
  CSV_HEADER_MAPPING: z
    .string()
    .optional()
    .refine((v) => v === undefined || isMapping(v), { message: 'must be a JSON object of field → array of header names' }),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEFAULT_USE_CARD_API: envBoolean(true),
  DEFAULT_AUTO_PROGRESS: envBoolean(false),
  DEFAULT_AUTO_CAPTURE: envBoolean(false),
  DEFAULT_AUTO_REAUTHORIZE: envBoolean(false),
  DEFAULT_AUTO_AUTHORIZE: envBoolean(false),
  DEFAULT_CAPTURE_REQUIRES_SHIPMENT: envBoolean(true),
  DEFAULT_AUTH_VALIDITY_DAYS: envInt(60, 1, 365),
  DEFAULT_EXPIRY_WARNING_LEAD_DAYS: leadDays,
  DEFAULT_STUCK_AFTER_MINUTES: envInt(60, 1, 7 * 24 * 60),
  /** At-rest keyring of shop credentials: "<keyId>:<base64 32 bytes>[,<old keyId>:<...>]" (first = current), or a file. */
  CREDENTIALS_ENCRYPTION_KEYS: keyringEnvVar('CREDENTIALS_ENCRYPTION', 'inline'),
  CREDENTIALS_ENCRYPTION_KEYS_FILE: keyringEnvVar('CREDENTIALS_ENCRYPTION', 'file'),
  /** Transport keyring shared only with payment-gateway (ShopCredentialsUpdated payloads). */
  CREDENTIALS_TRANSPORT_KEYS: keyringEnvVar('CREDENTIALS_TRANSPORT', 'inline'),
  CREDENTIALS_TRANSPORT_KEYS_FILE: keyringEnvVar('CREDENTIALS_TRANSPORT', 'file'),
  /** How long POST /shops/:shopId/connection-check waits for the gateway's answer before 202. */
  CONNECTION_CHECK_WAIT_MS: envInt(10_000, 0, 60_000),
  /** RCP_BOOTSTRAP_ADMIN_KEY, CORS_ORIGINS, RATE_LIMIT_MAX, RATE_LIMIT_WINDOW_MS, API_KEY_CACHE_TTL_MS (libs/auth). */
  ...authEnvShape,
});

function isMapping(v: string): boolean {
  try {
    parseCsvMapping(v);
    return true;
  } catch {
    return false;
  }
}

export type OrderEnv = z.infer<typeof orderEnvSchema>;

export function parseOrderEnv(env: NodeJS.ProcessEnv = process.env): OrderEnv {
  return parseEnv(orderEnvSchema, env);
}

export const ORDER_ENV = Symbol('ORDER_ENV');
