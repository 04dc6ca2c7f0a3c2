import { IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { defineEvent } from '../contract';
import { IsOrderNumber, IsShortText, IsYen } from '../fields';

/**
 * Fields common to every payment request. `operationId` is the requester's idempotency key for one
 * operation on one order: the gateway performs each operationId at most once and echoes it in the result.
 */
export class PaymentRequestBase {
  /** Idempotency key of this operation (UUID chosen by the requester). */
  @IsUUID() operationId!: string;
  @IsOrderNumber() orderNumber!: string;
  /** Who asked (operator id, `system:auto-capture`, ...), for the audit trail. */
  @IsOptional() @IsShortText(100) requestedBy?: string;
}

/** Body of {@link AuthRequested}. */
export class AuthRequestedV1 extends PaymentRequestBase {
  /** Amount to authorize (請求額), integer yen. 0 is answered with AuthFailed, never sent to the card API. */
  @IsYen() amount!: number;
  /** 支払方法: 0 = 一括払い (lump sum). */
  @IsInt() @Min(0) @Max(99) payType!: number;
  /** Free memo (ヘルプ項目) echoed back by Rakuten. */
  @IsOptional() @IsShortText(100) helpItem?: string;
}

/** Body of {@link AuthCancelRequested}, {@link CaptureCancelRequested}. */
export class CancelRequestedV1 extends PaymentRequestBase {}

/** Body of {@link CaptureRequested}. */
export class CaptureRequestedV1 extends PaymentRequestBase {
  /** The authorized amount the requester expects to bill; the gateway refuses a mismatch. */
  @IsYen() amount!: number;
}

/** Body of {@link CardStatusRequested}. */
export class CardStatusRequestedV1 extends PaymentRequestBase {}

/** Kinds of card-API operation, as carried in results. */
export const PAYMENT_OPERATIONS = ['auth', 'auth-cancel', 'capture', 'capture-cancel', 'card-status'] as const;
export type PaymentOperation = (typeof PAYMENT_OPERATIONS)[number];
export const IsPaymentOperation = () => IsIn(PAYMENT_OPERATIONS as unknown as string[]);

export const AuthRequested = defineEvent({
  type: 'AuthRequested',
  version: 1,
  routingKey: 'payment.auth.requested',
  category: 'request',
  payload: AuthRequestedV1,
  description: 'Authorize (オーソリ) an order for an amount. Published by order-service or any internal system; consumed by payment-gateway.',
});

export const AuthCancelRequested = defineEvent({
  type: 'AuthCancelRequested',
  version: 1,
  routingKey: 'payment.auth-cancel.requested',
  category: 'request',
  payload: CancelRequestedV1,
  description: 'Cancel the authorization (オーソリ取消) of an order. Consumed by payment-gateway.',
});

export const CaptureRequested = defineEvent({
  type: 'CaptureRequested',
  version: 1,
  routingKey: 'payment.capture.requested',
  category: 'request',
  payload: CaptureRequestedV1,
  description: 'Capture / bill (売上請求) an authorized order. Consumed by payment-gateway.',
});

export const CaptureCancelRequested = defineEvent({
  type: 'CaptureCancelRequested',
  version: 1,
  routingKey: 'payment.capture-cancel.requested',
  category: 'request',
  payload: CancelRequestedV1,
  description: 'Cancel the capture (売上請求取消) of an order. Consumed by payment-gateway.',
});

export const CardStatusRequested = defineEvent({
  type: 'CardStatusRequested',
  version: 1,
  routingKey: 'payment.card-status.requested',
  category: 'request',
  payload: CardStatusRequestedV1,
  description: "Ask what Rakuten currently has for an order (カード請求状況確認). Answered with CardStatusReported.",
});
