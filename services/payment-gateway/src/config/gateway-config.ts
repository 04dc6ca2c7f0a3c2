import { z } from 'zod';
import { envBoolean, envInt, envUrl, parseEnv } from '@rcp/config';
import { authEnvShape } from '@rcp/auth';
import { CONNECTION_CHECK_OUTCOMES, type ConnectionCheckOutcome } from '@rcp/contracts';
import { Keyring, keyringEnvVar, optionalKeyring } from '@rcp/secrets';

const shopSchema = z.object({
  shopId: z.string().min(1),
  shopUrl: z.string().min(1),
  userName: z.string().min(1),
  authKey: z.string().min(1),
});
export type ShopCredentialsConfig = z.infer<typeof shopSchema>;

const shopsJson = z
  .string()
  .default('[]')
  .transform((text, ctx) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of {shopId, shopUrl, userName, authKey}' });
      return z.NEVER;
    }
    const result = z.array(shopSchema).safeParse(parsed);
    if (!result.success) {
      // never echo the value: it contains auth keys
      ctx.addIssue({ code: 'custom', message: `must be a JSON array of {shopId, shopUrl, userName, authKey} (${result.error.issues.map((i) => i.path.join('.')).join(', ')})` });
      return z.NEVER;
    }
    return result.data;
  });

const intList = (defaults: number[]) =>
  z
    .string()
    .default(defaults.join(','))
    .transform((text, ctx) => {
      const values = text.split(',').map((s) => Number(s.trim()));
      if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v <= 0)) {
        ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of positive integers (ms)' });
        return z.NEVER;
      }
      return values;
    });

/** Request-level codes of getRCCSRequestId → connection-check outcome (the simulator and the spec: one 認証エラー code). */
export const DEFAULT_CHECK_CODE_OUTCOMES: Record<string, ConnectionCheckOutcome> = { 'RCCS_E01-001': 'wrong-credentials' };

const checkCodeOutcomes = z
  .string()
  .optional()
  .transform((text, ctx) => {
    if (!text) return DEFAULT_CHECK_CODE_OUTCOMES;
    const parsed = z.record(z.string().min(1), z.enum(CONNECTION_CHECK_OUTCOMES)).safeParse((() => {
      try {
        return JSON.parse(text);
      } catch {
        return undefined;
      }
    })());
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: `must be a JSON object {"<errorCode>": "${CONNECTION_CHECK_OUTCOMES.join('|')}"}` });
      return z.NEVER;
    }
    return { ...DEFAULT_CHECK_CODE_OUTCOMES, ...parsed.data };
  });

export const gatewayEnvSchema = z.object({
  GATEWAY_PORT: envInt(3001, 0, 65535),
  GATEWAY_DATABASE_URL: envUrl('postgres://postgres@127.0.0.1:5432/rcp_gateway'),
  /** Recurring statements as prepared statements; false behind a transaction-pooling proxy (PgBouncer). */
  GATEWAY_DB_PREPARED_STATEMENTS: envBoolean(true),
  RABBITMQ_URL: envUrl('amqp://guest:guest@127.0.0.1:5672'),
  EXCHANGE: z.string().min(1).default('rakuten.payments'),
  MESSAGING_NAME_PREFIX: z.string().optional(),
  RCCS_ENDPOINT: envUrl('http://127.0.0.1:3003/rccsapi-services/RCCSApiService'),
  RCCS_CONNECT_TIMEOUT_MS: envInt(3000, 1),
  RCCS_RESPONSE_TIMEOUT_MS: envInt(15000, 1),
  /** Orders per asynchronous request (simulator default limit 100, spec §7). */
  GATEWAY_BATCH_MAX_ORDERS: envInt(100, 1, 100),
  GATEWAY_BATCH_MAX_WAIT_MS: envInt(50, 0),
  /** Hold of a batch when the gateway becomes saturated (ms; 0: never hold). See `SaturationLinger`. */
  GATEWAY_BATCH_LINGER_MS: envInt(100, 0, 5000),
  /** Most the hold grows to while the saturation lasts (ms; below GATEWAY_BATCH_LINGER_MS: no growth). */
  GATEWAY_BATCH_LINGER_MAX_MS: envInt(2000, 0, 5000),
  /**
   * Orders a held batch is held for: it goes out once it has this many, however much of the hold is left, so a hold
   * lasts as long as the key's arrival rate needs to fill it (at most GATEWAY_BATCH_LINGER_MAX_MS). 56, not 50: the
   * batches of a saturated gateway are mostly this size, so 2 / target is the floor of its card-API submits per order
   * (≤ 0.05 is the goal; with 50 the holds that end early put it at 0.047–0.051, `docs/performance.md`).
   */
  GATEWAY_BATCH_LINGER_TARGET_ORDERS: envInt(56, 1, 100),
  /**
   * Smoothed event-loop delay (ms) above which the gateway counts as saturated (off again below 2/3 of it). Low on
   * purpose: on a fast machine the gateway's own loop shows only ≈ 1 ms when the CPUs are taken by the database and
   * the other services, and a hold of at most `GATEWAY_BATCH_LINGER_MAX_MS` is small next to the card API's own time.
   */
  GATEWAY_SATURATION_LOOP_DELAY_MS: z.coerce.number().positive().max(1000).default(1),
  /**
   * Unacknowledged requests the gateway takes at once. Held operations count against it (a request is acknowledged
   * once its batch went out), so it bounds them at this less one full batch — room for a target-sized batch on each of
   * several keys; at 250 the bound sent a saturated gateway's batches before their target.
   */
  GATEWAY_PREFETCH: envInt(400, 1),
  GATEWAY_FIRST_POLL_DELAY_MS: envInt(5000, 0),
  GATEWAY_POLL_BACKOFF_FACTOR: z.coerce.number().min(1).default(2),
  GATEWAY_POLL_MAX_DELAY_MS: envInt(60000, 1),
  GATEWAY_POLL_TICK_MS: envInt(200, 10),
  GATEWAY_POLL_IDS_PER_QUERY: envInt(100, 1, 100),
  GATEWAY_RETRY_DELAYS_MS: intList([1000, 10000, 60000]),
  GATEWAY_MAX_ATTEMPTS: envInt(5, 1),
  GATEWAY_CALL_RETRIES: envInt(2, 0, 10),
  GATEWAY_CALL_RETRY_BASE_MS: envInt(200, 1),
  GATEWAY_BREAKER_THRESHOLD: envInt(5, 1),
  GATEWAY_BREAKER_HALF_OPEN_MS: envInt(10000, 1),
  GATEWAY_STUCK_AFTER_MS: envInt(3_600_000, 1),
  GATEWAY_STUCK_CHECK_INTERVAL_MS: envInt(60_000, 10),
  GATEWAY_RECONCILE_INTERVAL_MS: envInt(600_000, 10),
  GATEWAY_RECONCILE_AFTER_MS: envInt(600_000, 0),
  GATEWAY_RESUBMIT_MAX_ATTEMPTS: envInt(5, 1),
  GATEWAY_SHOP_MAX_CONCURRENCY: envInt(4, 1),
  GATEWAY_SHOP_REQUESTS_PER_SECOND: z.coerce.number().positive().default(10),
  GATEWAY_SHOP_BURST: envInt(10, 1),
  GATEWAY_SHOP_SLOT_LINGER_MS: envInt(50, 0),
  GATEWAY_BACKGROUND_ENABLED: envBoolean(true),
  /** Development only: credentials from the environment; shops with stored credentials use those. */
  GATEWAY_SHOPS: shopsJson,
  /** At-rest keyring of the gateway's own credentials copy ("<keyId>:<base64 32 bytes>,…", first = current) or a file. */
  GATEWAY_CREDENTIALS_KEYS: keyringEnvVar('GATEWAY_CREDENTIALS', 'inline'),
  GATEWAY_CREDENTIALS_KEYS_FILE: keyringEnvVar('GATEWAY_CREDENTIALS', 'file'),
  /** Transport keyring shared with order-service only (opens ShopCredentialsUpdated). */
  CREDENTIALS_TRANSPORT_KEYS: keyringEnvVar('CREDENTIALS_TRANSPORT', 'inline'),
  CREDENTIALS_TRANSPORT_KEYS_FILE: keyringEnvVar('CREDENTIALS_TRANSPORT', 'file'),
  GATEWAY_CREDENTIALS_CACHE_MS: envInt(5000, 0, 600_000),
  /** JSON {"<request-level errorCode>": outcome} added to the default {"RCCS_E01-001": "wrong-credentials"}. */
  GATEWAY_CHECK_CODE_OUTCOMES: checkCodeOutcomes,
  GATEWAY_CHECK_TIMEOUT_MS: envInt(10_000, 100, 120_000),
  ...authEnvShape,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;

/** Typed configuration of the gateway, validated once at boot. */
export interface GatewayConfig {
  port: number;
  databaseUrl: string;
  /** Recurring statements as prepared statements. */
  dbPreparedStatements: boolean;
  rabbitUrl: string;
  exchange: string;
  namePrefix?: string;
  rccs: { endpoint: string; connectTimeoutMs: number; responseTimeoutMs: number };
  batch: {
    maxOrders: number;
    maxWaitMs: number;
    /** Linger while saturated; `lingerMs` 0 turns it off. */
    saturation: { lingerMs: number; maxLingerMs: number; onAboveMs: number; offBelowMs: number };
    /** A held batch goes out once it has this many orders (≤ maxOrders). */
    lingerTarget: number;
    /**
     * Most operations waiting in batches at once: the prefetch window less one full batch, so holds never take the
     * consumer's whole window (its messages are acknowledged only once their batch went out).
     */
    maxHeld: number;
  };
  prefetch: number;
  polling: { firstDelayMs: number; backoffFactor: number; maxDelayMs: number; tickMs: number; idsPerQuery: number };
  retry: { delaysMs: number[]; maxAttempts: number; callRetries: number; callRetryBaseMs: number; resubmitMaxAttempts: number };
  breaker: { threshold: number; halfOpenAfterMs: number };
  stuck: { afterMs: number; checkIntervalMs: number };
  reconcile: { intervalMs: number; afterMs: number };
  limits: { maxConcurrency: number; requestsPerSecond: number; burst: number; slotLingerMs: number };
  backgroundEnabled: boolean;
  shops: ShopCredentialsConfig[];
  credentials: {
    /** Gateway at-rest keyring; without it (and the transport keyring) stored credentials are unavailable. */
    atRest?: Keyring;
    transport?: Keyring;
    cacheMs: number;
  };
  connectionCheck: { codeOutcomes: Record<string, ConnectionCheckOutcome>; timeoutMs: number };
  auth: { bootstrapKey?: string; corsOrigins: string[]; rateLimitMax: number; rateLimitWindowMs: number; cacheTtlMs: number };
  logLevel: GatewayEnv['LOG_LEVEL'];
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const e = parseEnv(gatewayEnvSchema, env);
  const prefetch = Math.max(e.GATEWAY_PREFETCH, e.GATEWAY_BATCH_MAX_ORDERS + 1);
  return {
    port: e.GATEWAY_PORT,
    databaseUrl: e.GATEWAY_DATABASE_URL,
    dbPreparedStatements: e.GATEWAY_DB_PREPARED_STATEMENTS,
    rabbitUrl: e.RABBITMQ_URL,
    exchange: e.EXCHANGE,
    namePrefix: e.MESSAGING_NAME_PREFIX || undefined,
    rccs: { endpoint: e.RCCS_ENDPOINT, connectTimeoutMs: e.RCCS_CONNECT_TIMEOUT_MS, responseTimeoutMs: e.RCCS_RESPONSE_TIMEOUT_MS },
    batch: {
      maxOrders: e.GATEWAY_BATCH_MAX_ORDERS,
      maxWaitMs: e.GATEWAY_BATCH_MAX_WAIT_MS,
      saturation: {
        lingerMs: e.GATEWAY_BATCH_LINGER_MS,
        maxLingerMs: Math.max(e.GATEWAY_BATCH_LINGER_MS, e.GATEWAY_BATCH_LINGER_MAX_MS),
        onAboveMs: e.GATEWAY_SATURATION_LOOP_DELAY_MS,
        offBelowMs: (e.GATEWAY_SATURATION_LOOP_DELAY_MS * 2) / 3,
      },
      lingerTarget: Math.min(e.GATEWAY_BATCH_LINGER_TARGET_ORDERS, e.GATEWAY_BATCH_MAX_ORDERS),
      maxHeld: prefetch - e.GATEWAY_BATCH_MAX_ORDERS,
    },
    prefetch,
    polling: {
      firstDelayMs: e.GATEWAY_FIRST_POLL_DELAY_MS,
      backoffFactor: e.GATEWAY_POLL_BACKOFF_FACTOR,
      maxDelayMs: e.GATEWAY_POLL_MAX_DELAY_MS,
      tickMs: e.GATEWAY_POLL_TICK_MS,
      idsPerQuery: e.GATEWAY_POLL_IDS_PER_QUERY,
    },
    retry: {
      delaysMs: e.GATEWAY_RETRY_DELAYS_MS,
      maxAttempts: e.GATEWAY_MAX_ATTEMPTS,
      callRetries: e.GATEWAY_CALL_RETRIES,
      callRetryBaseMs: e.GATEWAY_CALL_RETRY_BASE_MS,
      resubmitMaxAttempts: e.GATEWAY_RESUBMIT_MAX_ATTEMPTS,
    },
    breaker: { threshold: e.GATEWAY_BREAKER_THRESHOLD, halfOpenAfterMs: e.GATEWAY_BREAKER_HALF_OPEN_MS },
    stuck: { afterMs: e.GATEWAY_STUCK_AFTER_MS, checkIntervalMs: e.GATEWAY_STUCK_CHECK_INTERVAL_MS },
    reconcile: { intervalMs: e.GATEWAY_RECONCILE_INTERVAL_MS, afterMs: e.GATEWAY_RECONCILE_AFTER_MS },
    limits: {
      maxConcurrency: e.GATEWAY_SHOP_MAX_CONCURRENCY,
      requestsPerSecond: e.GATEWAY_SHOP_REQUESTS_PER_SECOND,
      burst: e.GATEWAY_SHOP_BURST,
      slotLingerMs: e.GATEWAY_SHOP_SLOT_LINGER_MS,
    },
    backgroundEnabled: e.GATEWAY_BACKGROUND_ENABLED,
    shops: e.GATEWAY_SHOPS,
    credentials: {
      atRest: optionalKeyring('GATEWAY_CREDENTIALS', e as unknown as Record<string, string | undefined>),
      transport: optionalKeyring('CREDENTIALS_TRANSPORT', e as unknown as Record<string, string | undefined>),
      cacheMs: e.GATEWAY_CREDENTIALS_CACHE_MS,
    },
    connectionCheck: { codeOutcomes: e.GATEWAY_CHECK_CODE_OUTCOMES, timeoutMs: e.GATEWAY_CHECK_TIMEOUT_MS },
    auth: {
      bootstrapKey: e.RCP_BOOTSTRAP_ADMIN_KEY,
      corsOrigins: e.CORS_ORIGINS,
      rateLimitMax: e.RATE_LIMIT_MAX,
      rateLimitWindowMs: e.RATE_LIMIT_WINDOW_MS,
      cacheTtlMs: e.API_KEY_CACHE_TTL_MS,
    },
    logLevel: e.LOG_LEVEL,
  };
}
