import type { CodeEvidence } from './error-codes';

/** A labelled code value with its evidence level (spec §0). */
export interface CodeTableEntry {
  readonly value: number;
  readonly labelJa: string;
  readonly labelEn: string;
  readonly evidence: CodeEvidence;
}

/** Request processing status (`UiRCCSRequestStatusModel.status`, §6.2). */
export enum RccsRequestStatusCode {
  /** Request id issued, no asynchronous call registered yet. */
  Issued = 0,
  /** Accepted / queued (受付) [I]. */
  Accepted = 1,
  /** Processing (処理中) [I]. */
  Processing = 2,
  /** Completed (処理完了) — results final [O]. */
  Completed = 3,
}

/** Labels of {@link RccsRequestStatusCode}. */
export const REQUEST_STATUS_TABLE: readonly CodeTableEntry[] = [
  { value: 0, labelJa: '未使用', labelEn: 'Issued, not used', evidence: 'I' },
  { value: 1, labelJa: '受付', labelEn: 'Accepted', evidence: 'I' },
  { value: 2, labelJa: '処理中', labelEn: 'Processing', evidence: 'I' },
  { value: 3, labelJa: '処理完了', labelEn: 'Completed', evidence: 'O' },
];

/** Status values after which results are final; only `3` [O]. Configurable per call of {@link isRequestComplete}. */
export const DEFAULT_FINAL_REQUEST_STATUSES: readonly number[] = [RccsRequestStatusCode.Completed];

/** True when a request's processing is finished (default: status 3); anything else → keep polling. */
export function isRequestComplete(
  status: number | null | undefined,
  finalStatuses: readonly number[] = DEFAULT_FINAL_REQUEST_STATUSES,
): boolean {
  return status !== null && status !== undefined && finalStatuses.includes(status);
}

/**
 * True when getRCCSResult shows that an asynchronous call was registered for the id (`kind ≠ 0` or
 * `count > 0`, spec §10.4) — do not resubmit then. `false` for an issued-but-unused id (status 0 / kind 0).
 */
export function wasRequestRegistered(entry: { kind: number | null; count: number | null; status: number | null }): boolean {
  return (entry.kind ?? 0) !== 0 || (entry.count ?? 0) > 0 || (entry.status ?? 0) > 0;
}

/** Operation recorded for a request id (`kind`, §6.3). Only 0 and 1 have evidence; 2–4 are [U]. */
export type RccsKindOperation = 'none' | 'authori' | 'authoriCancel' | 'sales' | 'salesCancel';

/** Candidate `kind` mapping in card-status family order (simulator default): 2 sales, 3 authoriCancel, 4 salesCancel [U]. */
export const KIND_TABLE_CARD_STATUS_ORDER: Readonly<Record<number, RccsKindOperation>> = {
  0: 'none',
  1: 'authori',
  2: 'sales',
  3: 'authoriCancel',
  4: 'salesCancel',
};

/** Candidate `kind` mapping in API-document order: 2 authoriCancel, 3 sales, 4 salesCancel [U]. */
export const KIND_TABLE_DOCUMENT_ORDER: Readonly<Record<number, RccsKindOperation>> = {
  0: 'none',
  1: 'authori',
  2: 'authoriCancel',
  3: 'sales',
  4: 'salesCancel',
};

/** Default `kind` mapping. Do not base decisions on it: the gateway knows what it submitted per request id. */
export const DEFAULT_KIND_TABLE = KIND_TABLE_CARD_STATUS_ORDER;

/** Card status values (§6.4, working hypothesis: tens digit = operation family, units = 1 busy / 2 done / 3 error). */
export enum RccsCardStatus {
  NoFilter = -1,
  NotAuthorised = 1,
  AuthoriProcessing = 11,
  Authorised = 12,
  AuthoriError = 13,
  SalesProcessing = 21,
  Billed = 22,
  SalesError = 23,
  AuthoriCancelProcessing = 31,
  AuthoriCancelled = 32,
  AuthoriCancelError = 33,
  SalesCancelProcessing = 41,
  SalesCancelled = 42,
  SalesCancelError = 43,
}

/** Japanese labels of card statuses with their evidence. Treat as configuration (§6.4). */
export const CARD_STATUS_TABLE: readonly CodeTableEntry[] = [
  { value: -1, labelJa: '指定なし', labelEn: 'No filter (search only)', evidence: 'C' },
  { value: 1, labelJa: '未オーソリ', labelEn: 'Not authorised', evidence: 'I' },
  { value: 11, labelJa: 'オーソリ処理中', labelEn: 'Authorisation in progress', evidence: 'U' },
  { value: 12, labelJa: 'オーソリ済', labelEn: 'Authorised', evidence: 'O' },
  { value: 13, labelJa: 'オーソリエラー', labelEn: 'Authorisation error', evidence: 'O' },
  { value: 21, labelJa: '売上請求処理中', labelEn: 'Billing in progress', evidence: 'U' },
  { value: 22, labelJa: '売上請求済', labelEn: 'Billed', evidence: 'I' },
  { value: 23, labelJa: '売上請求エラー', labelEn: 'Billing error', evidence: 'I' },
  { value: 31, labelJa: 'オーソリ取消処理中', labelEn: 'Authorisation cancel in progress', evidence: 'U' },
  { value: 32, labelJa: 'オーソリ取消済', labelEn: 'Authorisation cancelled', evidence: 'I' },
  { value: 33, labelJa: 'オーソリ取消エラー', labelEn: 'Authorisation cancel error', evidence: 'I' },
  { value: 41, labelJa: '売上請求取消処理中', labelEn: 'Bill cancel in progress', evidence: 'U' },
  { value: 42, labelJa: '売上請求取消済', labelEn: 'Bill cancelled', evidence: 'O' },
  { value: 43, labelJa: '売上請求取消エラー', labelEn: 'Bill cancel error', evidence: 'I' },
];

/** Pay types (§6.5). Only 0 is confirmed; 1–4 come from the successor API [I]. */
export enum RccsPayType {
  Lump = 0,
  Revolving = 1,
  Installments = 2,
  Other = 3,
  BonusLump = 4,
}

/** Japanese labels of pay types. */
export const PAY_TYPE_TABLE: readonly CodeTableEntry[] = [
  { value: 0, labelJa: '一括払い', labelEn: 'Lump sum', evidence: 'C' },
  { value: 1, labelJa: 'リボ払い', labelEn: 'Revolving', evidence: 'I' },
  { value: 2, labelJa: '分割払い', labelEn: 'Installments', evidence: 'I' },
  { value: 3, labelJa: 'その他払い', labelEn: 'Other', evidence: 'I' },
  { value: 4, labelJa: 'ボーナス一括払い', labelEn: 'Bonus lump sum', evidence: 'I' },
];

/** Looks a value up in a code table (default tables above, or the caller's own). */
export function codeLabel(table: readonly CodeTableEntry[], value: number | null | undefined): CodeTableEntry | undefined {
  return value === null || value === undefined ? undefined : table.find((e) => e.value === value);
}
