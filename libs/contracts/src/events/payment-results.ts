import { IsArray, IsBoolean, IsDateString, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, MaxLength, Min, ArrayMaxSize } from 'class-validator';
import { defineEvent } from '../contract';
import { IsOrderNumber, IsShortText, IsYen, ORDER_NUMBER_PATTERN } from '../fields';
import { IsPaymentOperation, PaymentOperation } from './payment-requests';

/** Our classification of a Rakuten error: what should happen next. */
export const ERROR_CLASSES = ['retryable', 'buyer-action', 'operator-action'] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/**
 * The outcome of one card-API operation on one order, with Rakuten's fields as returned.
 * Rakuten fields are null when the operation never reached the card API (e.g. a 0-yen authorization).
 */
export class PaymentResultV1 {
  /** The operationId of the request this answers. */
  @IsUUID() operationId!: string;
  @IsOrderNumber() orderNumber!: string;
  @IsPaymentOperation() operation!: PaymentOperation;
  /** Card-API request id (getRCCSRequestId) the operation was submitted under. */
  @IsOptional() @IsInt() @Min(1) rccsRequestId!: number | null;
  /** Card status after the operation (spec §6.4), e.g. 12 = オーソリ済. */
  @IsOptional() @IsInt() cardStatus!: number | null;
  /** Per-order API result code, e.g. `RCCS_N00-000`, `RCCS_E22-822`. */
  @IsOptional() @IsShortText(32) errorCode!: string | null;
  /** Card-company code, e.g. `000000`, `210G55`. */
  @IsOptional() @IsShortText(16) ccsErrorCode!: string | null;
  /** Rakuten's message (Japanese) or our reason when the card API was not called. */
  @IsOptional() @IsShortText(1000) message!: string | null;
  @IsOptional() @IsShortText(16) approvalNumber!: string | null;
  @IsOptional() @IsShortText(64) transactionId!: string | null;
  /** Amount Rakuten reports (yen). */
  @IsOptional() @IsYen() amount!: number | null;
  /** Our classification of the error; null on success. */
  @IsOptional() @IsIn(ERROR_CLASSES as unknown as string[]) errorClass!: ErrorClass | null;
  /** When Rakuten registered the result (regDate), or when we decided, ISO-8601 UTC. */
  @IsDateString({ strict: true }) processedAt!: string;
}

/** Body of {@link CardStatusReported}: what Rakuten currently has for the order. */
export class CardStatusReportV1 {
  @IsUUID() operationId!: string;
  @IsOrderNumber() orderNumber!: string;
  /** False when Rakuten has no card result for the order. */
  @IsBoolean() found!: boolean;
  @IsOptional() @IsInt() cardStatus!: number | null;
  @IsOptional() @IsYen() amount!: number | null;
  @IsOptional() @IsShortText(32) errorCode!: string | null;
  @IsOptional() @IsShortText(16) ccsErrorCode!: string | null;
  @IsOptional() @IsShortText(1000) message!: string | null;
  @IsOptional() @IsShortText(32) brandName!: string | null;
  /** Masked card number as Rakuten returns it, `****-****-****-1234`. */
  @IsOptional() @IsString() @Matches(/^[*\d -]{0,24}$/) @MaxLength(24) cardNo!: string | null;
  @IsDateString({ strict: true }) checkedAt!: string;
}

/** Body of {@link PaymentRequestDeadLettered}. */
export class PaymentRequestDeadLetteredV1 {
  /** operationIds of the requests given up on. */
  @IsArray() @ArrayMaxSize(1000) @IsUUID('all', { each: true }) operationIds!: string[];
  @IsArray() @ArrayMaxSize(1000) @Matches(ORDER_NUMBER_PATTERN, { each: true }) orderNumbers!: string[];
  @IsPaymentOperation() operation!: PaymentOperation;
  /** Why we gave up (last error, without secrets). */
  @IsShortText(2000) reason!: string;
  @IsInt() @Min(0) attempts!: number;
  /** Where the message was parked. */
  @IsShortText(200) parkedIn!: string;
}

const result = (type: string, routingKey: string, description: string) =>
  defineEvent({ type, version: 1, routingKey, category: 'result', payload: PaymentResultV1, description });

export const AuthCompleted = result('AuthCompleted', 'payment.auth.completed', 'The order is authorized (オーソリ済). Published by payment-gateway.');
export const AuthFailed = result(
  'AuthFailed',
  'payment.auth.failed',
  'Authorization declined or refused (オーソリエラー), with Rakuten codes and our errorClass. Published by payment-gateway.',
);
export const AuthCancelCompleted = result('AuthCancelCompleted', 'payment.auth-cancel.completed', 'Authorization cancelled (back to 未オーソリ).');
export const AuthCancelFailed = result('AuthCancelFailed', 'payment.auth-cancel.failed', 'Cancelling the authorization failed (取消エラー).');
export const CaptureCompleted = result('CaptureCompleted', 'payment.capture.completed', 'The order is billed (売上請求済).');
export const CaptureFailed = result('CaptureFailed', 'payment.capture.failed', 'Capture failed (売上請求エラー), e.g. an expired authorization.');
export const CaptureCancelCompleted = result('CaptureCancelCompleted', 'payment.capture-cancel.completed', 'Capture cancelled (back to 未オーソリ).');
export const CaptureCancelFailed = result('CaptureCancelFailed', 'payment.capture-cancel.failed', 'Cancelling the capture failed (取消エラー).');

export const CardStatusReported = defineEvent({
  type: 'CardStatusReported',
  version: 1,
  routingKey: 'payment.card-status.reported',
  category: 'result',
  payload: CardStatusReportV1,
  description: "Rakuten's current view of an order (card status, amount, error message). Published by payment-gateway.",
});

export const PaymentRequestDeadLettered = defineEvent({
  type: 'PaymentRequestDeadLettered',
  version: 1,
  routingKey: 'payment.request.dead-lettered',
  category: 'result',
  payload: PaymentRequestDeadLetteredV1,
  description: 'The gateway gave up on a request after its retries and parked it; an operator must look. Published by payment-gateway.',
});
