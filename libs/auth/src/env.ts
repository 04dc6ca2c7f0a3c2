import { envInt } from '@rcp/config';
import { z } from 'zod';
import { parseApiKey } from './api-key';

/**
 * Environment variables of the auth layer; spread into a service's zod schema (`z.object({ ...own, ...authEnvShape })`).
 * Values are never echoed in errors.
 */
export const authEnvShape = {
  /** A full key (`rcp_<12>_<43>`) accepted by every service as role admin on every shop. Optional. */
  RCP_BOOTSTRAP_ADMIN_KEY: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || parseApiKey(v) !== null, {
      message: 'must be an API key of the form rcp_<12 url-safe chars>_<43 url-safe chars> (e.g. one printed by order-service at first start)',
    }),
  /** Comma-separated origins allowed by CORS (e.g. `https://console.example.jp`); empty = CORS closed. */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .refine((list) => list.every((o) => /^https?:\/\/[^/\s]+$/.test(o)), { message: 'must be a comma-separated list of origins like https://console.example.jp (no path)' }),
  /** Requests per window per API key. */
  RATE_LIMIT_MAX: envInt(600, 1, 1_000_000),
  RATE_LIMIT_WINDOW_MS: envInt(60_000, 1000, 3_600_000),
  /** How long a key lookup is cached (ms): a revocation takes effect within this time on every replica. */
  API_KEY_CACHE_TTL_MS: envInt(3000, 0, 60_000),
};

export type AuthEnv = {
  RCP_BOOTSTRAP_ADMIN_KEY?: string;
  CORS_ORIGINS: string[];
  RATE_LIMIT_MAX: number;
  RATE_LIMIT_WINDOW_MS: number;
  API_KEY_CACHE_TTL_MS: number;
};
