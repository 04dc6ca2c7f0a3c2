import { z } from 'zod';
import { envBoolean, envInt, envUrl, parseEnv } from '@rcp/config';
import {
  cardStatusCodesSchema,
  codesSchema,
  declineRuleSchema,
  faultRuleSchema,
  jsonEnv,
  kindCodesSchema,
  optionalJsonEnv,
  shopSchema,
  transitionsSchema,
} from './schemas';

export const DEFAULT_SIMULATOR_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/rcp_simulator';
export const DEFAULT_SHOPS = [{ shopUrl: 'demo-shop', userName: 'demo-user', authKey: 'demo-auth-key' }];
/** 受注番号: shop id, order date, 8–10 digit serial (spec §2.4). */
export const DEFAULT_ORDER_NUMBER_PATTERN = '^\\d{6}-\\d{8}-\\d{8,10}$';

const regexText = z.string().refine(
  (v) => {
    try {
      new RegExp(v);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a valid regular expression' },
);

/** Environment of the simulator, validated once at boot (every bad variable is named, values never echoed). */
export const simulatorEnvSchema = z.object({
  SIM_PORT: envInt(3003, 0, 65535),
  SIM_HOST: z.string().min(1).default('0.0.0.0'),
  SIM_PUBLIC_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || URL.canParse(v), { message: 'must be a valid URL' }),
  SIMULATOR_DATABASE_URL: envUrl(DEFAULT_SIMULATOR_DATABASE_URL),
  SIM_DB_POOL_SIZE: envInt(10, 1, 200),
  SIM_DB_SYNCHRONOUS_COMMIT: envBoolean(false),
  SIM_DB_PREPARED_STATEMENTS: envBoolean(true),
  SIM_STORE: z.enum(['postgres', 'memory']).default('postgres'),
  SIM_PROCESSING_DELAY_MS: envInt(30_000, 0, 24 * 3600_000),
  SIM_PROCESSING_JITTER_MS: envInt(0, 0, 3600_000),
  SIM_SHOPS: jsonEnv(z.array(shopSchema), JSON.stringify(DEFAULT_SHOPS)),
  SIM_AUTO_PROVISION: envBoolean(true),
  SIM_AUTH_VALIDITY_DAYS: envInt(60, 0, 3650),
  SIM_SALES_CANCEL_WINDOW_DAYS: envInt(0, 0, 3650),
  SIM_RATE_LIMIT_PER_SECOND: envInt(0, 0, 1_000_000),
  SIM_DECLINE_RULES: jsonEnv(z.array(declineRuleSchema), '[]'),
  SIM_FAULTS: jsonEnv(z.array(faultRuleSchema), '[]'),
  SIM_RANDOM_SEED: z.coerce.number().int().optional(),
  SIM_STRICT_ORDER: envBoolean(false),
  SIM_STRICT_UNKNOWN_ELEMENTS: envBoolean(false),
  SIM_STRICT_SOAP_ACTION: envBoolean(false),
  SIM_ACCEPT_ESA: envBoolean(true),
  SIM_MAX_ORDERS_PER_REQUEST: envInt(100, 1, 100_000),
  SIM_MAX_IDS_PER_RESULT_QUERY: envInt(100, 1, 100_000),
  SIM_REQUEST_ID_TTL_MS: envInt(24 * 3600_000, 1),
  SIM_RESULT_ALL_MAX_DAYS: envInt(63, 1, 3650),
  SIM_RESULT_ALL_MAX_ROWS: envInt(10_000, 1, 1_000_000),
  SIM_RESULT_ALL_ROWS: z.enum(['latest', 'all']).default('latest'),
  SIM_RESULT_ALL_TO_DATE: z.enum(['inclusive', 'exclusive']).default('inclusive'),
  SIM_MAX_BODY_BYTES: envInt(1024 * 1024, 1024, 64 * 1024 * 1024),
  SIM_ADMIN_ALLOW_REMOTE: envBoolean(false),
  SIM_CARD_STATUS_CODES: optionalJsonEnv(cardStatusCodesSchema),
  SIM_KIND_CODES: optionalJsonEnv(kindCodesSchema),
  SIM_TRANSITIONS: optionalJsonEnv(transitionsSchema),
  SIM_CODES: optionalJsonEnv(codesSchema),
  SIM_INFERRED_TRANSITIONS: envBoolean(true),
  SIM_WARN_ON_ITEM_ERRORS: envBoolean(false),
  SIM_REJECT_WHILE_IN_PROGRESS: envBoolean(true),
  SIM_REJECT_OVER_ORDER_TOTAL: envBoolean(false),
  SIM_ORDER_NUMBER_PATTERN: regexText.default(DEFAULT_ORDER_NUMBER_PATTERN),
  SIM_PAY_TYPES: z
    .string()
    .default('0,1,2,3,4')
    .refine((v) => /^\s*-?\d+(\s*,\s*-?\d+)*\s*$/.test(v), { message: 'must be a comma-separated list of integers' })
    .transform((v) => v.split(',').map((n) => Number(n.trim()))),
  SIM_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type SimulatorEnv = z.infer<typeof simulatorEnvSchema>;

/** Runtime-adjustable behaviour (admin `PUT /admin/settings`); starts from the environment. */
export interface RuntimeSettings {
  processingDelayMs: number;
  processingJitterMs: number;
  autoProvision: boolean;
  authValidityDays: number;
  /** 0 = salesCancel has no deadline. */
  salesCancelWindowDays: number;
  /** Requests per second per shop before the system-busy code (0 = unlimited). */
  rateLimitPerSecond: number;
  strictOrder: boolean;
  strictUnknownElements: boolean;
  strictSoapAction: boolean;
  acceptEsa: boolean;
  warnOnItemErrors: boolean;
  rejectWhileInProgress: boolean;
  rejectOverOrderTotal: boolean;
}

export interface SimulatorConfig {
  port: number;
  host: string;
  publicUrl?: string;
  store: 'postgres' | 'memory';
  databaseUrl: string;
  dbPoolSize: number;
  dbSynchronousCommit: boolean;
  /** Recurring statements as prepared statements (off behind a transaction-pooling proxy). */
  dbPreparedStatements: boolean;
  shops: z.infer<typeof shopSchema>[];
  declineRules: z.infer<typeof declineRuleSchema>[];
  faults: z.infer<typeof faultRuleSchema>[];
  randomSeed?: number;
  settings: RuntimeSettings;
  limits: {
    maxOrdersPerRequest: number;
    maxIdsPerResultQuery: number;
    requestIdTtlMs: number;
    resultAllMaxDays: number;
    resultAllMaxRows: number;
    maxBodyBytes: number;
  };
  resultAllRows: 'latest' | 'all';
  resultAllToDate: 'inclusive' | 'exclusive';
  adminAllowRemote: boolean;
  cardStatusCodes?: z.infer<typeof cardStatusCodesSchema>;
  kindCodes?: z.infer<typeof kindCodesSchema>;
  transitions?: z.infer<typeof transitionsSchema>;
  codes?: z.infer<typeof codesSchema>;
  inferredTransitions: boolean;
  orderNumberPattern: string;
  payTypes: number[];
  logLevel: SimulatorEnv['SIM_LOG_LEVEL'];
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): SimulatorConfig {
  const e = parseEnv(simulatorEnvSchema, env);
  return {
    port: e.SIM_PORT,
    host: e.SIM_HOST,
    publicUrl: e.SIM_PUBLIC_URL || undefined,
    store: e.SIM_STORE,
    databaseUrl: e.SIMULATOR_DATABASE_URL,
    dbPoolSize: e.SIM_DB_POOL_SIZE,
    dbSynchronousCommit: e.SIM_DB_SYNCHRONOUS_COMMIT,
    dbPreparedStatements: e.SIM_DB_PREPARED_STATEMENTS,
    shops: e.SIM_SHOPS,
    declineRules: e.SIM_DECLINE_RULES,
    faults: e.SIM_FAULTS,
    randomSeed: e.SIM_RANDOM_SEED,
    settings: {
      processingDelayMs: e.SIM_PROCESSING_DELAY_MS,
      processingJitterMs: e.SIM_PROCESSING_JITTER_MS,
      autoProvision: e.SIM_AUTO_PROVISION,
      authValidityDays: e.SIM_AUTH_VALIDITY_DAYS,
      salesCancelWindowDays: e.SIM_SALES_CANCEL_WINDOW_DAYS,
      rateLimitPerSecond: e.SIM_RATE_LIMIT_PER_SECOND,
      strictOrder: e.SIM_STRICT_ORDER,
      strictUnknownElements: e.SIM_STRICT_UNKNOWN_ELEMENTS,
      strictSoapAction: e.SIM_STRICT_SOAP_ACTION,
      acceptEsa: e.SIM_ACCEPT_ESA,
      warnOnItemErrors: e.SIM_WARN_ON_ITEM_ERRORS,
      rejectWhileInProgress: e.SIM_REJECT_WHILE_IN_PROGRESS,
      rejectOverOrderTotal: e.SIM_REJECT_OVER_ORDER_TOTAL,
    },
    limits: {
      maxOrdersPerRequest: e.SIM_MAX_ORDERS_PER_REQUEST,
      maxIdsPerResultQuery: e.SIM_MAX_IDS_PER_RESULT_QUERY,
      requestIdTtlMs: e.SIM_REQUEST_ID_TTL_MS,
      resultAllMaxDays: e.SIM_RESULT_ALL_MAX_DAYS,
      resultAllMaxRows: e.SIM_RESULT_ALL_MAX_ROWS,
      maxBodyBytes: e.SIM_MAX_BODY_BYTES,
    },
    resultAllRows: e.SIM_RESULT_ALL_ROWS,
    resultAllToDate: e.SIM_RESULT_ALL_TO_DATE,
    adminAllowRemote: e.SIM_ADMIN_ALLOW_REMOTE,
    cardStatusCodes: e.SIM_CARD_STATUS_CODES,
    kindCodes: e.SIM_KIND_CODES,
    transitions: e.SIM_TRANSITIONS,
    codes: e.SIM_CODES,
    inferredTransitions: e.SIM_INFERRED_TRANSITIONS,
    orderNumberPattern: e.SIM_ORDER_NUMBER_PATTERN,
    payTypes: e.SIM_PAY_TYPES,
    logLevel: e.SIM_LOG_LEVEL,
  };
}
