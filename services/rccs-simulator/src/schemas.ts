import { z } from 'zod';
import { DECLINE_CATALOGUE } from './domain/codes';
import { FAULT_TYPES } from './domain/faults';
import { ASYNC_OPERATIONS, CARD_STATES, OPERATIONS } from './domain/types';

/** Schemas shared by the environment (JSON variables) and the admin API. */

const regex = z.string().refine(
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

export const shopSchema = z
  .object({
    shopUrl: z.string().min(1).max(200),
    userName: z.string().min(1).max(200),
    authKey: z.string().min(1).max(1000),
    serviceSecret: z.string().min(1).optional(),
    licenseKey: z.string().min(1).optional(),
  })
  .strict();

export const declineOutcomeSchema = z
  .object({
    code: z
      .string()
      .refine((c) => c in DECLINE_CATALOGUE, { message: `must be one of ${Object.keys(DECLINE_CATALOGUE).join(', ')}` })
      .optional(),
    errorCode: z.string().min(1).optional(),
    ccsErrorCode: z.string().optional(),
    ccsErrorCodeDetail: z.string().nullable().optional(),
    message: z.string().optional(),
    statusEffect: z.enum(['error', 'unchanged']).optional(),
  })
  .strict();

export const orderDeclineSchema = declineOutcomeSchema.extend({ operations: z.array(z.enum(ASYNC_OPERATIONS)).min(1).optional() }).strict();

export const declineRuleSchema = declineOutcomeSchema
  .extend({
    id: z.string().min(1).max(100).optional(),
    operations: z.array(z.enum(ASYNC_OPERATIONS)).min(1).optional(),
    shopUrl: z.string().optional(),
    orderNumbers: z.array(z.string()).optional(),
    orderNumberPattern: regex.optional(),
    minAmount: z.number().int().optional(),
    maxAmount: z.number().int().optional(),
    helpItemPattern: regex.optional(),
    payTypes: z.array(z.number().int()).optional(),
    count: z.number().int().min(0).optional(),
  })
  .strict();

export const faultRuleSchema = z
  .object({
    id: z.string().min(1).max(100).optional(),
    type: z.enum(FAULT_TYPES),
    operations: z.array(z.enum(OPERATIONS)).min(1).optional(),
    shopUrl: z.string().optional(),
    orderNumbers: z.array(z.string()).optional(),
    orderNumberPattern: regex.optional(),
    rate: z.number().min(0).max(1).optional(),
    count: z.number().int().min(0).optional(),
    delayMs: z.number().int().min(0).max(3_600_000).optional(),
    phase: z.enum(['before', 'after']).optional(),
    errorCode: z.string().min(1).optional(),
    message: z.string().optional(),
    faultString: z.string().optional(),
    stuckStatus: z.union([z.literal(1), z.literal(2)]).optional(),
  })
  .strict()
  .refine((f) => f.type !== 'delay' || f.delayMs !== undefined, { message: 'a delay fault needs delayMs', path: ['delayMs'] });

export const cardStateSchema = z.enum(CARD_STATES);

export const cardStatusCodesSchema = z.partialRecord(z.enum(CARD_STATES), z.number().int());

export const kindCodesSchema = z.object({ authori: z.number().int(), authoriCancel: z.number().int(), sales: z.number().int(), salesCancel: z.number().int() }).partial().strict();

export const transitionsSchema = z.partialRecord(z.enum(ASYNC_OPERATIONS), z.array(z.enum(CARD_STATES)));

const codeEntrySchema = z.object({ errorCode: z.string().min(1), message: z.string(), ccsErrorCode: z.string() }).partial().strict();
export const codesSchema = z
  .object({
    ok: codeEntrySchema,
    warning: codeEntrySchema,
    auth: codeEntrySchema,
    requestId: codeEntrySchema,
    parameter: codeEntrySchema,
    orderNotFound: codeEntrySchema,
    status: codeEntrySchema,
    authExpired: codeEntrySchema,
    system: codeEntrySchema,
  })
  .partial()
  .strict();

/** JSON inside an environment variable, validated by `schema`. */
export function jsonEnv<T extends z.ZodType>(schema: T, defaultValue: string) {
  return z
    .string()
    .default(defaultValue)
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** Parses a JSON env value without the env wrapper, for optional variables. */
export function optionalJsonEnv<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === '') return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema.optional());
}
