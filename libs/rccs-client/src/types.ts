/** The seven RCCSAPI operations [C]. */
export type RccsOperation =
  | 'getRCCSRequestId'
  | 'authori'
  | 'authoriCancel'
  | 'sales'
  | 'salesCancel'
  | 'getRCCSResult'
  | 'getRCCSResultAll';

/** All operation names, in the order of the spec. */
export const RCCS_OPERATIONS: readonly RccsOperation[] = [
  'getRCCSRequestId',
  'authori',
  'authoriCancel',
  'sales',
  'salesCancel',
  'getRCCSResult',
  'getRCCSResultAll',
];

/** The asynchronous operations (each consumes one request id from getRCCSRequestId). */
export type RccsAsyncOperation = 'authori' | 'authoriCancel' | 'sales' | 'salesCancel';

/**
 * Per-shop credentials sent as `userAuthModel` on every call. All three are opaque [C]; `authKey` is the
 * separately issued 認証キー or an ESA key (see {@link buildEsaAuthKey}) — which one Rakuten accepts is [U].
 * `authKey` is a secret: it is masked in every raw exchange and never appears in errors.
 */
export interface RccsCredentials {
  /** 店舗URL slug, e.g. `myshop`. */
  readonly shopUrl: string;
  /** ユーザID. */
  readonly userName: string;
  /** 認証キー (secret). */
  readonly authKey: string;
}

/** One order to authorise (`UiAuthoriRequestModel`). */
export interface AuthoriRequestItem {
  /** 受注番号, e.g. `123456-20240105-00000123`. */
  readonly orderNumber: string;
  /** Amount in integer yen. The server rejects 0 [C seed]; the client only checks it is a safe integer. */
  readonly price: number;
  /** 支払方法 (§6.5); `0` = 一括払い [C]. */
  readonly payType: number;
  /** Free memo (ヘルプ項目), echoed in results. `null`/absent is sent as `xsi:nil`. */
  readonly helpItem?: string | null;
}

/** One order to bill (`UiSalesRequestModel`) or cancel (`UiCancelRequestModel`). */
export interface OrderRequestItem {
  /** 受注番号. */
  readonly orderNumber: string;
  /** Free memo (ヘルプ項目). `null`/absent is sent as `xsi:nil`. */
  readonly helpItem?: string | null;
}

/** Items of `sales`. */
export type SalesRequestItem = OrderRequestItem;
/** Items of `authoriCancel` and `salesCancel`. */
export type CancelRequestItem = OrderRequestItem;

/**
 * Search criteria of getRCCSResultAll (`UiRCCSResultSearchModel`). Dates are `YYYY-MM-DD` strings or `Date`s
 * (a `Date` is converted to its calendar date in JST). Semantics of the range (inclusive end?) are [U].
 */
export interface RccsResultSearch {
  readonly fromDate: string | Date;
  readonly toDate: string | Date;
  /** Card status filter; `-1` (default) = 指定なし [C]. */
  readonly cardStatus?: number;
  /** Pay type filter; absent → empty `<payType/>` = not specified [C]. */
  readonly payType?: number | null;
  readonly brandName?: string | null;
  readonly helpItem?: string | null;
  readonly orderNumber?: string | null;
  readonly ownerName?: string | null;
}

/**
 * Per-order result (`UiRCCSResultModel`, §4.4). Strings are `null` when the server sent `xsi:nil` or omitted
 * them; empty elements are `""`. Dates are parsed from `+09:00` timestamps.
 */
export interface RccsOrderResult {
  readonly approvalNumber: string | null;
  readonly brandName: string | null;
  readonly cardImstCount: number | null;
  readonly cardNo: string | null;
  /** Card status after the operation (§6.4, see {@link CARD_STATUS_TABLE}). */
  readonly cardStatus: number | null;
  /** Card-company code; `000000` = OK. */
  readonly ccsErrorCode: string | null;
  readonly ccsErrorCodeDetail: string | null;
  readonly companyName: string | null;
  /** Per-order API result code; decide per order from this and `ccsErrorCode` ({@link classifyResult}). */
  readonly errorCode: string;
  readonly eventDate: Date | null;
  readonly expYM: string | null;
  readonly helpItem: string | null;
  readonly message: string | null;
  readonly orderNumber: string;
  readonly ownerName: string | null;
  readonly payType: number | null;
  /** Amount in integer yen. */
  readonly price: number | null;
  readonly regDate: Date | null;
  readonly transactionId: string | null;
}

/** Processing status of one request id (`UiRCCSRequestStatusModel`, §4.3). */
export interface RccsRequestStatus {
  readonly requestId: number;
  /** Number of orders in the asynchronous request. */
  readonly count: number | null;
  readonly errorCode: string | null;
  /** Which asynchronous operation used the id (§6.3; mapping [U], do not depend on it). `0` = unused. */
  readonly kind: number | null;
  readonly message: string | null;
  /** Request processing status (§6.2); only `3` is final ({@link isRequestComplete}). */
  readonly status: number | null;
  readonly startDate: Date | null;
  readonly timeStamp: Date | null;
  /** Per-order results (empty while processing). */
  readonly results: RccsOrderResult[];
}

/** Per-order validation error in an asynchronous reply (`UnitErrorModel`, shape [U], OrderAPI default). */
export interface RccsUnitError {
  readonly orderKey: string | null;
  readonly errorCode: string | null;
  readonly message: string | null;
  readonly apiName: string | null;
}

/** Value of a successful getRCCSRequestId. */
export interface RequestIdValue {
  readonly requestId: number;
}

/** Value of an accepted asynchronous call (`UiRCCSReplyModel`; fields beyond errorCode/message are [I]). */
export interface AsyncReplyValue {
  /** Echo of the request id if the server sends one, otherwise `null`. */
  readonly requestId: number | null;
  /** Per-order validation errors if the server sends any. */
  readonly unitErrors: RccsUnitError[];
}

/** Value of getRCCSResult: one entry per known request id. */
export interface RequestResultValue {
  readonly requests: RccsRequestStatus[];
}

/** Value of getRCCSResultAll. */
export interface ResultSearchValue {
  readonly results: RccsOrderResult[];
}
