import { z } from 'zod';

/** Thrown at boot when the environment does not satisfy a service's schema; names every bad variable. */
export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n  - ${problems.join('\n  - ')}`);
    this.name = 'InvalidEnvironmentError';
  }
}

/**
 * Validates `env` (default `process.env`) against a zod object schema once, at boot.
 * Every problem is reported at once, by variable name; values are never echoed (they may be secrets).
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new InvalidEnvironmentError(problems);
}

/** Boolean environment variable: accepts true/false/1/0/yes/no/on/off (case-insensitive). */
export const envBoolean = (defaultValue: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', 'TRUE', 'FALSE', 'True', 'False'])
    .default(defaultValue ? 'true' : 'false')
    .transform((v) => ['true', '1', 'yes', 'on'].includes(v.toLowerCase()));

/** Integer environment variable with optional bounds. */
export const envInt = (defaultValue: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(defaultValue);

/** URL environment variable (amqp://, postgres://, http://...). */
export const envUrl = (defaultValue: string) =>
  z
    .string()
    .default(defaultValue)
    .refine((v) => URL.canParse(v), { message: 'must be a valid URL' });
