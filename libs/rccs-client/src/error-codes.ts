import { CCS_SUCCESS_CODE, RCCS_SUCCESS_CODE } from './namespaces';

/**
 * What the gateway should do with an outcome.
 * - `success`: done.
 * - `retryable`: transient on Rakuten's / the card company's side; the same operation may be retried later
 *   (for asynchronous operations: with a new request id, after checking the old one).
 * - `buyer-action`: card declined; do not retry automatically — the buyer must act (other card, contact the
 *   card company).
 * - `operator-action`: configuration, data or state problem; a person must look at it. Also the default for
 *   unknown codes.
 */
export type Classification = 'success' | 'retryable' | 'buyer-action' | 'operator-action';

/** Evidence level of a table entry (spec §0); `placeholder` = simulator placeholder code (§8.4), not Rakuten's. */
export type CodeEvidence = 'C' | 'O' | 'I' | 'U' | 'placeholder';

/** One row of {@link RCCS_ERROR_CODES}. */
export interface ErrorCodeEntry {
  /** `rccs`: API `errorCode` (request or item level); `ccs`: card-company `ccsErrorCode`. */
  readonly scope: 'rccs' | 'ccs';
  /** The code, or the prefix/suffix it is matched by. */
  readonly code: string;
  /** `exact` (default), `prefix` (e.g. `RCCS_E22-8` for `RCCS_E22-8xx`) or `suffix` (e.g. `G55` for `210G55`). */
  readonly match: 'exact' | 'prefix' | 'suffix';
  readonly classification: Classification;
  /** Rakuten's / the card network's Japanese message. */
  readonly messageJa: string;
  readonly messageEn?: string;
  readonly evidence: CodeEvidence;
}

/**
 * Classification table of request-level `RCCS_*` codes and card-company codes (spec §8.2–§8.4).
 * Data, not code: the gateway may pass its own table (e.g. once Rakuten's real codes are known).
 * Exact matches win over prefix/suffix matches; longer patterns win over shorter ones.
 */
export const RCCS_ERROR_CODES: readonly ErrorCodeEntry[] = [
  // API result codes (§8.2)
  { scope: 'rccs', code: 'RCCS_N00-000', match: 'exact', classification: 'success', messageJa: '正常終了', messageEn: 'Success', evidence: 'C' },
  { scope: 'rccs', code: 'RCCS_N', match: 'prefix', classification: 'success', messageJa: '正常終了', messageEn: 'Normal (N severity)', evidence: 'I' },
  { scope: 'rccs', code: 'RCCS_E22-822', match: 'exact', classification: 'buyer-action', messageJa: '限度額オーバー：R-Card Plus クレジットサポートセンターへお問合せください。', messageEn: 'Declined: credit limit exceeded', evidence: 'O' },
  { scope: 'rccs', code: 'RCCS_W00-000', match: 'exact', classification: 'success', messageJa: 'エラーあり', messageEn: 'Request processed with per-order errors; decide per order', evidence: 'I' },
  { scope: 'rccs', code: 'RCCS_W', match: 'prefix', classification: 'success', messageJa: 'エラーあり', messageEn: 'Warning: request processed; decide per order', evidence: 'I' },
  // Simulator placeholder codes (§8.4) — not Rakuten codes
  { scope: 'rccs', code: 'RCCS_E01-001', match: 'exact', classification: 'operator-action', messageJa: '認証エラー', messageEn: 'Authentication failed (check shop credentials)', evidence: 'placeholder' },
  { scope: 'rccs', code: 'RCCS_E02-001', match: 'exact', classification: 'operator-action', messageJa: 'リクエストIDエラー', messageEn: 'Request id unknown, expired, foreign or already used', evidence: 'placeholder' },
  { scope: 'rccs', code: 'RCCS_E03-001', match: 'exact', classification: 'operator-action', messageJa: 'パラメータエラー', messageEn: 'Invalid parameters', evidence: 'placeholder' },
  { scope: 'rccs', code: 'RCCS_E21-001', match: 'exact', classification: 'operator-action', messageJa: '受注番号エラー', messageEn: 'Order not found or not a card order', evidence: 'placeholder' },
  { scope: 'rccs', code: 'RCCS_E21-002', match: 'exact', classification: 'operator-action', messageJa: 'ステータスエラー', messageEn: 'Operation not allowed in the current card status', evidence: 'placeholder' },
  { scope: 'rccs', code: 'RCCS_E21-003', match: 'exact', classification: 'operator-action', messageJa: 'オーソリ期限切れ', messageEn: 'Authorisation expired: cancel and authorise again', evidence: 'placeholder' },
  { scope: 'rccs', code: 'RCCS_E22-8', match: 'prefix', classification: 'buyer-action', messageJa: 'カード会社エラー', messageEn: 'Declined by the card company', evidence: 'placeholder' },
  { scope: 'rccs', code: 'RCCS_E99-999', match: 'exact', classification: 'retryable', messageJa: 'システムエラー', messageEn: 'System error (transient)', evidence: 'placeholder' },
  // Card-company codes (§8.3)
  { scope: 'ccs', code: CCS_SUCCESS_CODE, match: 'exact', classification: 'success', messageJa: '正常', messageEn: 'OK', evidence: 'O' },
  { scope: 'ccs', code: '210G55', match: 'exact', classification: 'buyer-action', messageJa: '限度額オーバー', messageEn: 'Credit limit exceeded', evidence: 'O' },
  { scope: 'ccs', code: 'G12', match: 'suffix', classification: 'buyer-action', messageJa: '取扱不可', messageEn: 'Card unusable', evidence: 'I' },
  { scope: 'ccs', code: 'G30', match: 'suffix', classification: 'buyer-action', messageJa: '保留判定', messageEn: 'Held by the card company; buyer must contact it', evidence: 'I' },
  { scope: 'ccs', code: 'G42', match: 'suffix', classification: 'buyer-action', messageJa: '暗証番号誤り', messageEn: 'Wrong PIN', evidence: 'I' },
  { scope: 'ccs', code: 'G54', match: 'suffix', classification: 'buyer-action', messageJa: '利用回数オーバー', messageEn: 'Usage count exceeded', evidence: 'I' },
  { scope: 'ccs', code: 'G55', match: 'suffix', classification: 'buyer-action', messageJa: '限度額オーバー', messageEn: 'Credit limit exceeded', evidence: 'I' },
  { scope: 'ccs', code: 'G56', match: 'suffix', classification: 'buyer-action', messageJa: '無効カード', messageEn: 'Invalid card', evidence: 'I' },
  { scope: 'ccs', code: 'G60', match: 'suffix', classification: 'buyer-action', messageJa: '事故カード', messageEn: 'Card reported lost/stolen', evidence: 'I' },
  { scope: 'ccs', code: 'G61', match: 'suffix', classification: 'buyer-action', messageJa: '無効カード', messageEn: 'Invalid card', evidence: 'I' },
  { scope: 'ccs', code: 'G65', match: 'suffix', classification: 'buyer-action', messageJa: '会員番号エラー', messageEn: 'Card number error', evidence: 'I' },
  { scope: 'ccs', code: 'G83', match: 'suffix', classification: 'buyer-action', messageJa: '有効期限エラー', messageEn: 'Expiry date error', evidence: 'I' },
  ...['G95', 'G96', 'G97', 'G98', 'G99'].map(
    (code): ErrorCodeEntry => ({ scope: 'ccs', code, match: 'suffix', classification: 'retryable', messageJa: '業務終了・センター側拒否等', messageEn: 'Card centre closed or refused (possibly transient)', evidence: 'I' }),
  ),
];

/** Classification used for codes found in no table entry: a person must look at it. */
export const UNKNOWN_CODE_CLASSIFICATION: Classification = 'operator-action';

/** Outcome of {@link classifyResult} / {@link classifyCode}. */
export interface ClassifiedCode {
  readonly classification: Classification;
  readonly messageJa: string | null;
  readonly messageEn?: string;
  /** The table entry that decided, or `null` when the default for unknown codes was applied. */
  readonly entry: ErrorCodeEntry | null;
}

/** Looks one code up in `table` (exact first, then the longest matching prefix/suffix pattern). */
export function findErrorCode(
  scope: 'rccs' | 'ccs',
  code: string,
  table: readonly ErrorCodeEntry[] = RCCS_ERROR_CODES,
): ErrorCodeEntry | undefined {
  const candidates = table.filter((e) => e.scope === scope);
  const exact = candidates.find((e) => e.match === 'exact' && e.code === code);
  if (exact) return exact;
  return candidates
    .filter((e) => (e.match === 'prefix' ? code.startsWith(e.code) : e.match === 'suffix' && code.endsWith(e.code)))
    .sort((a, b) => b.code.length - a.code.length)[0];
}

/** Classifies a single request-level or item-level `RCCS_*` code; unknown → {@link UNKNOWN_CODE_CLASSIFICATION}. */
export function classifyCode(errorCode: string, table: readonly ErrorCodeEntry[] = RCCS_ERROR_CODES): ClassifiedCode {
  return fromEntry(findErrorCode('rccs', errorCode, table));
}

/**
 * Classifies a per-order result from its `errorCode` and `ccsErrorCode` (spec §10.5).
 * 1. `errorCode` classifies as success and `ccsErrorCode` is absent or `000000` → success.
 * 2. A non-OK `ccsErrorCode` found in the table decides (the card company's verdict is the most specific).
 * 3. Otherwise the `errorCode` entry decides; a success `errorCode` with an unknown non-OK card code, or an
 *    unknown `errorCode`, gets the documented default `operator-action`.
 */
export function classifyResult(
  errorCode: string | null | undefined,
  ccsErrorCode?: string | null,
  table: readonly ErrorCodeEntry[] = RCCS_ERROR_CODES,
): ClassifiedCode {
  const rccsEntry = errorCode ? findErrorCode('rccs', errorCode, table) : undefined;
  const ccsOk = !ccsErrorCode || ccsErrorCode === CCS_SUCCESS_CODE;
  if (ccsOk) return fromEntry(rccsEntry);
  const ccsEntry = findErrorCode('ccs', ccsErrorCode, table);
  if (ccsEntry && ccsEntry.classification !== 'success') return fromEntry(ccsEntry);
  if (rccsEntry && rccsEntry.classification !== 'success') return fromEntry(rccsEntry);
  return fromEntry(undefined);
}

function fromEntry(entry: ErrorCodeEntry | undefined): ClassifiedCode {
  if (!entry) return { classification: UNKNOWN_CODE_CLASSIFICATION, messageJa: null, messageEn: 'Unknown code', entry: null };
  return { classification: entry.classification, messageJa: entry.messageJa, messageEn: entry.messageEn, entry };
}

/** True for the request-level success code `RCCS_N00-000` [C]. */
export function isSuccessCode(errorCode: string | null | undefined): boolean {
  return errorCode === RCCS_SUCCESS_CODE;
}
