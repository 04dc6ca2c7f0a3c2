import type { AsyncOperation, CardState, OrderRecord, RequestRecord, ResultRecord, ShopCredentials } from '../domain/types';

/** Why a request id could not be used for an asynchronous call. */
export type ClaimFailure = 'unknown' | 'foreign' | 'used' | 'expired';

export interface SubmitCommand {
  shopUrl: string;
  requestId: number;
  op: AsyncOperation;
  now: Date;
  /** Ids issued before this instant have expired. */
  issuedAfter: Date;
  itemCount: number;
  acceptedUntil: Date;
  /** null = the request stays in progress (stuck). */
  completeAt: Date | null;
  /** Distinct order numbers the request names. */
  orderNumbers: string[];
  /** Auto-provisioning: the orders to create for the numbers not found (none when absent). */
  provision?: (missingOrderNumbers: string[]) => OrderRecord[];
  /**
   * Decides the outcome from the current orders (locked for the transaction): returns the result rows to
   * record and the orders to write back. May be called more than once if the transaction is retried.
   */
  decide(orders: ReadonlyMap<string, OrderRecord>): { results: ResultRecord[]; changed: OrderRecord[] };
}

export type SubmitResult = { ok: true; results: ResultRecord[] } | { ok: false; reason: ClaimFailure };

export interface ResultSearch {
  shopUrl: string;
  /** regAt >= from */
  from: Date;
  /** regAt < until */
  until: Date;
  /** Only results completed at this instant are visible. */
  now: Date;
  latestPerOrder: boolean;
  brandName?: string;
  cardState?: CardState;
  helpItem?: string;
  orderNumber?: string;
  ownerName?: string;
  payType?: number;
  limit: number;
}

export interface LedgerFilter {
  shopUrl?: string;
  orderNumber?: string;
  requestId?: number;
  op?: AsyncOperation;
  errorCode?: string;
  /** createdAt >= since */
  since?: Date;
  /** createdAt < until */
  until?: Date;
  limit: number;
  offset: number;
}

export interface OrderFilter {
  shopUrl?: string;
  cardState?: CardState;
  limit: number;
  offset: number;
}

/**
 * Persistence port of the simulator. Two drivers: PostgreSQL (the real one: a restart forgets nothing)
 * and memory (unit tests and throwaway runs). Every batch operation is one set-based step per table.
 */
export interface SimulatorStore {
  readonly kind: 'postgres' | 'memory';
  init(): Promise<void>;
  close(): Promise<void>;
  ping(): Promise<boolean>;

  listShops(): Promise<ShopCredentials[]>;
  upsertShop(shop: ShopCredentials): Promise<void>;
  deleteShop(shopUrl: string): Promise<boolean>;

  getSetting<T>(key: string): Promise<T | undefined>;
  setSetting(key: string, value: unknown): Promise<void>;

  issueRequestId(shopUrl: string, now: Date): Promise<number>;
  /** Atomically: claims the request id (single use), provisions, locks the orders, records the outcome. */
  submit(cmd: SubmitCommand): Promise<SubmitResult>;
  /**
   * The given requests that exist, in the order asked, each with its results in item order (one read; results are
   * recorded at submission, so callers show them only once the request is complete).
   */
  getRequests(requestIds: number[]): Promise<RequestWithResults[]>;
  searchResults(query: ResultSearch): Promise<ResultRecord[]>;
  /** Completes a (stuck) request at `at`: its results get that regDate. False when unknown or unused. */
  completeRequest(requestId: number, at: Date): Promise<boolean>;

  upsertOrders(orders: OrderRecord[]): Promise<void>;
  getOrder(orderNumber: string): Promise<OrderRecord | undefined>;
  listOrders(filter: OrderFilter): Promise<OrderRecord[]>;
  deleteOrder(orderNumber: string): Promise<boolean>;

  ledger(filter: LedgerFilter): Promise<ResultRecord[]>;
  /** Forgets orders, requests, results and settings (shops stay; request ids keep increasing). */
  reset(): Promise<void>;
}

/** A request id's record and the results recorded for it. */
export interface RequestWithResults {
  request: RequestRecord;
  results: ResultRecord[];
}

export const FIRST_REQUEST_ID = 200_000_001;
