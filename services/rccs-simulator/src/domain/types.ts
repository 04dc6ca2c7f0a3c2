/** Core vocabulary of the simulator: operations, symbolic card states and the records the store keeps. */

export const ASYNC_OPERATIONS = ['authori', 'authoriCancel', 'sales', 'salesCancel'] as const;
export type AsyncOperation = (typeof ASYNC_OPERATIONS)[number];

export const OPERATIONS = ['getRCCSRequestId', ...ASYNC_OPERATIONS, 'getRCCSResult', 'getRCCSResultAll'] as const;
export type Operation = (typeof OPERATIONS)[number];

export function isAsyncOperation(op: string): op is AsyncOperation {
  return (ASYNC_OPERATIONS as readonly string[]).includes(op);
}

/**
 * Card states by meaning; the numeric wire codes (spec §6.4, mostly inferred) are configuration
 * (`SIM_CARD_STATUS_CODES`), so the store keeps these names, never the numbers.
 */
export const CARD_STATES = [
  'unauthorized', // 1  未オーソリ
  'authorizing', // 11 オーソリ処理中 (display only)
  'authorized', // 12 オーソリ済
  'authError', // 13 オーソリエラー
  'billing', // 21 売上請求 処理中 (display only)
  'billed', // 22 売上請求済
  'billingError', // 23 売上請求エラー
  'authCancelling', // 31 (display only)
  'authCancelled', // 32 オーソリ取消済
  'authCancelError', // 33 オーソリ取消エラー
  'billCancelling', // 41 (display only)
  'billCancelled', // 42 売上請求取消済
  'billCancelError', // 43 売上請求取消エラー
] as const;
export type CardState = (typeof CARD_STATES)[number];

/** What a card-company decline (or any forced item failure) produces. */
export interface DeclineOutcome {
  /** Catalogue key such as `G55`; explicit fields below override the catalogue entry. */
  code?: string;
  errorCode?: string;
  ccsErrorCode?: string;
  ccsErrorCodeDetail?: string | null;
  message?: string;
  /** `error` (default) moves the order to the operation's error state; `unchanged` leaves it as is. */
  statusEffect?: 'error' | 'unchanged';
}

export interface ShopCredentials {
  shopUrl: string;
  userName: string;
  authKey: string;
  /** Optional: with both set (and ESA accepted), `authKey = "ESA " + base64(serviceSecret:licenseKey)` also logs in. */
  serviceSecret?: string;
  licenseKey?: string;
}

export interface PendingOperation {
  requestId: number;
  op: AsyncOperation;
  /** When the owning request completes; null while it is stuck in progress. */
  until: Date | null;
}

export interface OrderRecord {
  orderNumber: string;
  shopUrl: string;
  brandName: string;
  cardNo: string;
  ownerName: string;
  expYM: string;
  companyName: string;
  cardImstCount: number;
  payType: number;
  /** Order total in yen (null = unknown). */
  amount: number | null;
  /** Card credit limit in yen for authorisations (null = unlimited). */
  creditLimit: number | null;
  /** Decline forced on this order's card (until the card is "fixed"). */
  forcedDecline: DeclineOutcome | null;
  /** Set when the buyer "fixed" the card: decline rules no longer apply to this order. */
  rulesExempt: boolean;
  cardState: CardState;
  authorizedAt: Date | null;
  authorizedAmount: number | null;
  approvalNumber: string | null;
  /** When the order was last billed (sales succeeded). */
  billedAt: Date | null;
  pending: PendingOperation | null;
  autoProvisioned: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** One operation applied to one order: a getRCCSResult row and a ledger entry at the same time. */
export interface ResultRecord {
  requestId: number;
  seq: number;
  shopUrl: string;
  op: AsyncOperation;
  orderNumber: string;
  helpItem: string;
  payType: number;
  price: number;
  brandName: string | null;
  cardNo: string | null;
  ownerName: string | null;
  expYM: string | null;
  companyName: string | null;
  cardImstCount: number;
  /** State after the operation (null when the order is unknown). */
  cardState: CardState | null;
  stateBefore: CardState | null;
  approvalNumber: string;
  transactionId: string;
  errorCode: string;
  ccsErrorCode: string;
  ccsErrorCodeDetail: string | null;
  message: string;
  /** When the operation was registered (applied). */
  createdAt: Date;
  /** When its request completes (the wire `regDate`); null while stuck. */
  regAt: Date | null;
}

export interface RequestRecord {
  requestId: number;
  shopUrl: string;
  issuedAt: Date;
  op: AsyncOperation | null;
  usedAt: Date | null;
  itemCount: number;
  /** End of the "accepted" (status 1) phase. */
  acceptedUntil: Date | null;
  /** Completion (status 3) time; null while unused or stuck. */
  completeAt: Date | null;
  stuck: boolean;
}

/** Processing status of a request id (spec §6.2). */
export type RequestStatus = 0 | 1 | 2 | 3;

export function requestStatusAt(r: RequestRecord, now: Date): RequestStatus {
  if (!r.usedAt) return 0;
  const t = now.getTime();
  if (r.completeAt && t >= r.completeAt.getTime()) return 3;
  if (r.acceptedUntil && t < r.acceptedUntil.getTime()) return 1;
  return 2;
}
