import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import { maskSecret } from '@rcp/config';
import { isInProgress, visibleCardState } from '../domain/card-state';
import type { CardStatusCodes } from '../domain/codes';
import { DAY_IN_MS } from '../domain/time';
import { ASYNC_OPERATIONS, type OrderRecord, type ResultRecord, type ShopCredentials } from '../domain/types';
import { cardStateSchema, orderDeclineSchema } from '../schemas';

/** Parses `value` with `schema` or answers 400 naming every bad field. */
export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
  });
}

const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), { message: 'must be an ISO-8601 date-time' });
const cardStatus = z.union([z.number().int(), cardStateSchema]);

const orderFields = {
  shopUrl: z.string().min(1).optional(),
  brandName: z.string().min(1).max(50).optional(),
  cardNo: z.string().min(1).max(50).optional(),
  ownerName: z.string().min(1).max(100).optional(),
  expYM: z.string().max(10).optional(),
  companyName: z.string().max(100).optional(),
  cardImstCount: z.number().int().min(0).optional(),
  payType: z.number().int().optional(),
  amount: z.number().int().min(0).nullable().optional(),
  creditLimit: z.number().int().min(0).nullable().optional(),
  cardStatus: cardStatus.optional(),
  authorizedAt: isoDate.nullable().optional(),
  authorizedAmount: z.number().int().min(0).nullable().optional(),
  approvalNumber: z.string().max(20).nullable().optional(),
  billedAt: isoDate.nullable().optional(),
  decline: orderDeclineSchema.nullable().optional(),
  rulesExempt: z.boolean().optional(),
};

export const orderSeedSchema = z.object({ orderNumber: z.string().min(1).max(100), ...orderFields }).strict();
export const orderSeedBodySchema = z.union([orderSeedSchema, z.array(orderSeedSchema).min(1).max(10_000)]);
export const orderPatchSchema = z.object(orderFields).strict();
export type OrderSeed = z.infer<typeof orderSeedSchema>;

export const fixCardSchema = z.object({ creditLimit: z.number().int().min(0).nullable().optional() }).strict().optional();

export const clockSchema = z
  .object({
    set: isoDate.optional(),
    advanceMs: z.number().int().optional(),
    freeze: z.boolean().optional(),
    reset: z.literal(true).optional(),
  })
  .strict();

export const settingsSchema = z
  .object({
    processingDelayMs: z.number().int().min(0).max(24 * 3600_000),
    processingJitterMs: z.number().int().min(0).max(3600_000),
    autoProvision: z.boolean(),
    authValidityDays: z.number().int().min(0).max(3650),
    salesCancelWindowDays: z.number().int().min(0).max(3650),
    rateLimitPerSecond: z.number().int().min(0).max(1_000_000),
    strictOrder: z.boolean(),
    strictUnknownElements: z.boolean(),
    strictSoapAction: z.boolean(),
    acceptEsa: z.boolean(),
    warnOnItemErrors: z.boolean(),
    rejectWhileInProgress: z.boolean(),
    rejectOverOrderTotal: z.boolean(),
  })
  .partial()
  .strict();

const intQuery = (max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(0).max(max);

export const ledgerQuerySchema = z
  .object({
    shopUrl: z.string().optional(),
    orderNumber: z.string().optional(),
    requestId: intQuery().optional(),
    op: z.enum(ASYNC_OPERATIONS).optional(),
    errorCode: z.string().optional(),
    since: isoDate.optional(),
    until: isoDate.optional(),
    limit: intQuery(10_000).default(1000),
    offset: intQuery().default(0),
  })
  .strict();

export const orderQuerySchema = z
  .object({
    shopUrl: z.string().optional(),
    cardStatus: z.union([z.coerce.number().int(), cardStateSchema]).optional(),
    limit: intQuery(10_000).default(1000),
    offset: intQuery().default(0),
  })
  .strict();

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function shopView(s: ShopCredentials) {
  return {
    shopUrl: s.shopUrl,
    userName: s.userName,
    authKey: maskSecret(s.authKey),
    esa: Boolean(s.serviceSecret && s.licenseKey),
  };
}

export function orderView(o: OrderRecord, codes: CardStatusCodes, now: Date, authValidityDays: number) {
  const visible = visibleCardState(o, now);
  return {
    orderNumber: o.orderNumber,
    shopUrl: o.shopUrl,
    brandName: o.brandName,
    cardNo: o.cardNo,
    ownerName: o.ownerName,
    expYM: o.expYM,
    companyName: o.companyName,
    cardImstCount: o.cardImstCount,
    payType: o.payType,
    amount: o.amount,
    creditLimit: o.creditLimit,
    decline: o.forcedDecline,
    rulesExempt: o.rulesExempt,
    cardState: o.cardState,
    cardStatus: codes.code(o.cardState),
    visibleCardState: visible,
    visibleCardStatus: codes.code(visible),
    inProgress: isInProgress(o, now),
    authorizedAt: iso(o.authorizedAt),
    authorizationExpiresAt: o.authorizedAt ? new Date(o.authorizedAt.getTime() + authValidityDays * DAY_IN_MS).toISOString() : null,
    authorizedAmount: o.authorizedAmount,
    approvalNumber: o.approvalNumber,
    billedAt: iso(o.billedAt),
    pending: o.pending ? { requestId: o.pending.requestId, op: o.pending.op, until: iso(o.pending.until) } : null,
    autoProvisioned: o.autoProvisioned,
    createdAt: iso(o.createdAt),
    updatedAt: iso(o.updatedAt),
  };
}

export function ledgerView(r: ResultRecord, codes: CardStatusCodes) {
  return {
    time: iso(r.createdAt),
    completedAt: iso(r.regAt),
    op: r.op,
    requestId: r.requestId,
    seq: r.seq,
    shopUrl: r.shopUrl,
    orderNumber: r.orderNumber,
    amount: r.price,
    payType: r.payType,
    helpItem: r.helpItem,
    errorCode: r.errorCode,
    ccsErrorCode: r.ccsErrorCode,
    message: r.message,
    cardStateBefore: r.stateBefore,
    cardState: r.cardState,
    cardStatusBefore: r.stateBefore ? codes.code(r.stateBefore) : null,
    cardStatus: r.cardState ? codes.code(r.cardState) : null,
    approvalNumber: r.approvalNumber,
    transactionId: r.transactionId,
  };
}
