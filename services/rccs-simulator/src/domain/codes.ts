import type { AsyncOperation, CardState, DeclineOutcome } from './types';

/** A result code with its message; `ccsErrorCode` is what goes into per-order rows with this code. */
export interface CodeEntry {
  errorCode: string;
  message: string;
  ccsErrorCode: string;
}

/**
 * Result codes the simulator emits. Only `ok` and the G55 decline are real Rakuten values (spec §8.2);
 * every other code is a placeholder from spec §8.4 and can be replaced with `SIM_CODES`.
 */
export const DEFAULT_CODES = {
  ok: { errorCode: 'RCCS_N00-000', message: '正常終了', ccsErrorCode: '000000' },
  warning: { errorCode: 'RCCS_W00-000', message: 'エラーあり', ccsErrorCode: '' },
  auth: { errorCode: 'RCCS_E01-001', message: '認証エラー', ccsErrorCode: '' },
  requestId: { errorCode: 'RCCS_E02-001', message: 'リクエストIDエラー', ccsErrorCode: '' },
  parameter: { errorCode: 'RCCS_E03-001', message: 'パラメータエラー', ccsErrorCode: '' },
  orderNotFound: { errorCode: 'RCCS_E21-001', message: '受注番号エラー', ccsErrorCode: '' },
  status: { errorCode: 'RCCS_E21-002', message: 'ステータスエラー', ccsErrorCode: '' },
  authExpired: { errorCode: 'RCCS_E21-003', message: 'オーソリ期限切れ', ccsErrorCode: '' },
  billCancelExpired: { errorCode: 'RCCS_E21-004', message: '売上請求取消期限切れ', ccsErrorCode: '' },
  system: { errorCode: 'RCCS_E99-999', message: 'システムエラー', ccsErrorCode: '' },
} satisfies Record<string, CodeEntry>;

export type CodeKey = keyof typeof DEFAULT_CODES;
export type CodeTable = Record<CodeKey, CodeEntry>;

/** `RCCS_E22-822` / `210G55` is observed (spec §8.2); the other pairs are placeholders in the same shape. */
export const LIMIT_EXCEEDED_MESSAGE = '限度額オーバー：R-Card Plus クレジットサポートセンターへお問合せください。';

/** Card-company decline catalogue, keyed by the Japanese card-network "G" code (spec §8.3). */
export const DECLINE_CATALOGUE: Record<string, { errorCode: string; ccsErrorCode: string; message: string }> = {
  G12: { errorCode: 'RCCS_E22-801', ccsErrorCode: '210G12', message: 'カード取扱不可：カード会社へお問合せください。' },
  G30: { errorCode: 'RCCS_E22-802', ccsErrorCode: '210G30', message: '保留判定：カード会社へお問合せください。' },
  G42: { errorCode: 'RCCS_E22-803', ccsErrorCode: '210G42', message: '暗証番号誤り：カード会社へお問合せください。' },
  G54: { errorCode: 'RCCS_E22-804', ccsErrorCode: '210G54', message: '利用回数オーバー：カード会社へお問合せください。' },
  G55: { errorCode: 'RCCS_E22-822', ccsErrorCode: '210G55', message: LIMIT_EXCEEDED_MESSAGE },
  G56: { errorCode: 'RCCS_E22-805', ccsErrorCode: '210G56', message: '無効カード：カード会社へお問合せください。' },
  G60: { errorCode: 'RCCS_E22-806', ccsErrorCode: '210G60', message: '事故カード：カード会社へお問合せください。' },
  G61: { errorCode: 'RCCS_E22-807', ccsErrorCode: '210G61', message: '無効カード：カード会社へお問合せください。' },
  G65: { errorCode: 'RCCS_E22-808', ccsErrorCode: '210G65', message: '会員番号エラー：カード会社へお問合せください。' },
  G83: { errorCode: 'RCCS_E22-809', ccsErrorCode: '210G83', message: '有効期限エラー：カード会社へお問合せください。' },
  G97: { errorCode: 'RCCS_E22-897', ccsErrorCode: '210G97', message: '当該要求拒否：カード会社へお問合せください。' },
  G98: { errorCode: 'RCCS_E22-898', ccsErrorCode: '210G98', message: '当該自社対象業務エラー：カード会社へお問合せください。' },
  G99: { errorCode: 'RCCS_E22-899', ccsErrorCode: '210G99', message: '接続要求自社受付拒否：カード会社へお問合せください。' },
};

/** The limit-exceeded decline (the only decline seen in real traffic). */
export const LIMIT_EXCEEDED: DeclineOutcome = { code: 'G55' };

export interface ResolvedDecline {
  errorCode: string;
  ccsErrorCode: string;
  ccsErrorCodeDetail: string | null;
  message: string;
  statusEffect: 'error' | 'unchanged';
}

export function resolveDecline(outcome: DeclineOutcome): ResolvedDecline {
  const base = (outcome.code && DECLINE_CATALOGUE[outcome.code]) || DECLINE_CATALOGUE.G55;
  return {
    errorCode: outcome.errorCode ?? base.errorCode,
    ccsErrorCode: outcome.ccsErrorCode ?? base.ccsErrorCode,
    ccsErrorCodeDetail: outcome.ccsErrorCodeDetail ?? null,
    message: outcome.message ?? base.message,
    statusEffect: outcome.statusEffect ?? 'error',
  };
}

/** Wire codes of the card states: the working hypothesis of spec §6.4 (tens = operation family, units = 1/2/3). */
export const DEFAULT_CARD_STATUS_CODES: Record<CardState, number> = {
  unauthorized: 1,
  authorizing: 11,
  authorized: 12,
  authError: 13,
  billing: 21,
  billed: 22,
  billingError: 23,
  authCancelling: 31,
  authCancelled: 32,
  authCancelError: 33,
  billCancelling: 41,
  billCancelled: 42,
  billCancelError: 43,
};

/** `kind` per operation: default is the card-status family order so that kind = tens digit of cardStatus (spec §6.3). */
export const DEFAULT_KIND_CODES: Record<AsyncOperation, number> = {
  authori: 1,
  sales: 2,
  authoriCancel: 3,
  salesCancel: 4,
};

/** Two-way mapping between card states and their wire codes. */
export class CardStatusCodes {
  private readonly byCode = new Map<number, CardState>();

  constructor(readonly codes: Record<CardState, number> = DEFAULT_CARD_STATUS_CODES) {
    for (const [state, code] of Object.entries(codes) as [CardState, number][]) {
      if (this.byCode.has(code)) throw new Error(`card status code ${code} is assigned twice`);
      this.byCode.set(code, state);
    }
  }

  code(state: CardState): number {
    return this.codes[state];
  }

  state(code: number): CardState | undefined {
    return this.byCode.get(code);
  }
}
