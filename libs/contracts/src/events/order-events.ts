import { IsDateString, IsIn, IsInt, IsOptional, IsUUID, Min } from 'class-validator';
import { defineEvent } from '../contract';
import { IsOrderNumber, IsShortText, IsYen } from '../fields';
import { IsPaymentOperation, PaymentOperation } from './payment-requests';

/** 受注ステータス: the order status the operator sees. */
export const ORDER_STATUSES = ['未確認', '出荷待ち', '出荷済', '完了', '保留', 'キャンセル'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** 状態区分タグ: the payment tag of a card order. */
export const PAYMENT_TAGS = [
  '未オーソリ',
  'オーソリ中',
  'オーソリ済',
  'オーソリエラー',
  '売上請求中',
  '売上請求済',
  '売上請求エラー',
  'オーソリ取消中',
  '売上請求取消中',
  '取消エラー',
  'オーソリ不要',
] as const;
export type PaymentTag = (typeof PAYMENT_TAGS)[number];

/** Body of {@link OrderReceived}: a new order from a shop system or an import. */
export class OrderReceivedV1 {
  @IsOrderNumber() orderNumber!: string;
  @IsDateString({ strict: true }) orderedAt!: string;
  /** 決済方法, e.g. `クレジットカード`; only card orders are handled by the card API. */
  @IsShortText(100) paymentMethod!: string;
  /** 合計金額 (before points and coupons), yen. */
  @IsYen() totalAmount!: number;
  /** 請求金額: what the card is charged, yen. 0 means no authorization is needed. */
  @IsYen() billedAmount!: number;
  @IsOptional() @IsYen() pointsUsed?: number;
  @IsOptional() @IsYen() couponsUsed?: number;
}

/** Body of {@link OrderShipped}. */
export class OrderShippedV1 {
  @IsOrderNumber() orderNumber!: string;
  @IsDateString({ strict: true }) shippedAt!: string;
}

/** Body of {@link OrderStatusChanged}. */
export class OrderStatusChangedV1 {
  @IsOrderNumber() orderNumber!: string;
  @IsOptional() @IsIn(ORDER_STATUSES as unknown as string[]) from!: OrderStatus | null;
  @IsIn(ORDER_STATUSES as unknown as string[]) to!: OrderStatus;
  @IsShortText(200) cause!: string;
  @IsShortText(100) actor!: string;
}

/** Body of {@link PaymentTagChanged}. */
export class PaymentTagChangedV1 {
  @IsOrderNumber() orderNumber!: string;
  @IsOptional() @IsIn(PAYMENT_TAGS as unknown as string[]) from!: PaymentTag | null;
  @IsIn(PAYMENT_TAGS as unknown as string[]) to!: PaymentTag;
  @IsShortText(200) cause!: string;
  @IsShortText(100) actor!: string;
  @IsOptional() @IsUUID() operationId?: string;
}

/** Body of {@link AuthExpiring}. */
export class AuthExpiringV1 {
  @IsOrderNumber() orderNumber!: string;
  @IsDateString({ strict: true }) authorizedAt!: string;
  @IsDateString({ strict: true }) expiresAt!: string;
  @IsInt() daysLeft!: number;
  @IsYen() amount!: number;
}

/** Body of {@link PaymentStuck}. */
export class PaymentStuckV1 {
  @IsOrderNumber() orderNumber!: string;
  @IsPaymentOperation() operation!: PaymentOperation;
  @IsOptional() @IsUUID() operationId?: string;
  @IsOptional() @IsInt() @Min(1) rccsRequestId?: number;
  /** When the operation started, ISO-8601 UTC. */
  @IsDateString({ strict: true }) since!: string;
  @IsInt() @Min(0) ageSeconds!: number;
  /** Which component noticed: `payment-gateway` or `order-service`. */
  @IsShortText(50) detectedBy!: string;
}

export const OrderReceived = defineEvent({
  type: 'OrderReceived',
  version: 1,
  routingKey: 'order.received',
  category: 'order',
  payload: OrderReceivedV1,
  description: 'A new order. Published by shop systems (consumed by order-service) and by order-service for orders created over HTTP or CSV.',
});
export const OrderShipped = defineEvent({
  type: 'OrderShipped',
  version: 1,
  routingKey: 'order.shipped',
  category: 'order',
  payload: OrderShippedV1,
  description: 'The warehouse shipped the order. Consumed by order-service (moves it to 出荷済, may trigger auto-capture).',
});
export const OrderStatusChanged = defineEvent({
  type: 'OrderStatusChanged',
  version: 1,
  routingKey: 'order.status.changed',
  category: 'order',
  payload: OrderStatusChangedV1,
  description: 'The order status (受注ステータス) changed. Published by order-service.',
});
export const PaymentTagChanged = defineEvent({
  type: 'PaymentTagChanged',
  version: 1,
  routingKey: 'order.payment-tag.changed',
  category: 'order',
  payload: PaymentTagChangedV1,
  description: 'The payment tag (状態区分タグ) changed. Published by order-service.',
});
export const AuthExpiring = defineEvent({
  type: 'AuthExpiring',
  version: 1,
  routingKey: 'order.auth.expiring',
  category: 'order',
  payload: AuthExpiringV1,
  description: 'An authorization will lapse soon (validity default 60 days); capture or re-authorize. Published by order-service.',
});
export const PaymentStuck = defineEvent({
  type: 'PaymentStuck',
  version: 1,
  routingKey: 'payment.operation.stuck',
  category: 'order',
  payload: PaymentStuckV1,
  description: 'An operation is still in progress after the configured time (default 1 h): check the card API settings.',
});
