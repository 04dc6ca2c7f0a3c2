import { ErrorClass } from '@rcp/contracts';

export type Locale = 'ja' | 'en';
type Text = Record<Locale, string>;

const CHECK_SETTINGS: Text = {
  ja: '設定 > 楽天API設定(カード)の店舗URL・ユーザID・認証キーを見直し、「接続確認」で正常にログインできることを確認してください。',
  en: 'Review the card API settings (shop URL, user id, auth key) and run the connection check (接続確認) until it logs in successfully.',
};

const RETRYABLE: Text = {
  ja: '一時的なエラーのため、システムが自動で再試行します。解消しない場合は、時間をおいて再度実行してください。',
  en: 'A temporary error: the system retries automatically. If it persists, run the operation again later.',
};

const AUTH_BUYER: Text = {
  ja: [
    '注文者に楽天のマイページでクレジットカード情報の修正(限度額の確認など)を依頼し、修正後に再度オーソリを実行してください。',
    'カード情報の書換のみ(支払方法の変更なし)の場合、受注の修正は不要です。',
    '注文者が支払方法を変更した場合は、受注を手動で修正するか、受注を削除して受注CSVで再取込してください(楽天上の変更は自動では反映されません)。',
  ].join('\n'),
  en: [
    'Ask the buyer to fix their card on Rakuten (e.g. credit limit), then authorize again.',
    'If only the card details changed, no other change to the order is needed.',
    'If the buyer changed the payment method, edit the order or delete it and re-import it from the order CSV (changes on Rakuten are not reflected automatically).',
  ].join('\n'),
};

const AUTH_OPERATOR: Text = {
  ja: '「楽天API連携」タブでエラー内容を確認してください。設定や受注内容(金額など)に問題がある可能性があります。' + CHECK_SETTINGS.ja,
  en: 'Check the error on the order’s API log. The settings or the order (e.g. amount) may be wrong. ' + CHECK_SETTINGS.en,
};

const CAPTURE_BUYER: Text = {
  ja: '注文者のカード情報に問題がある可能性があります。注文者に連絡し、カード情報の変更や支払方法の変更を確認・対処してください。',
  en: 'The buyer’s card may have a problem. Contact the buyer and agree a card update or a change of payment method.',
};

const CAPTURE_OPERATOR: Text = {
  ja: [
    '「楽天API連携」タブでエラー内容を確認し、必要に応じて注文者に連絡してください。',
    'オーソリから2ヶ月以上経過している場合はオーソリが無効です。オーソリを取り消してから再度オーソリし、売上請求してください。',
  ].join('\n'),
  en: [
    'Check the error on the order’s API log and contact the buyer where needed.',
    'An authorization older than two months is invalid: cancel it, authorize again, then capture.',
  ].join('\n'),
};

const CANCEL_FAILED: Text = {
  ja: '「楽天API連携」タブでエラー内容を確認し、「R状況確認」で楽天側の現在のカード状況を確かめてから、再度取消を実行してください。',
  en: 'Check the error on the order’s API log, check Rakuten’s current card status (R状況確認), then run the cancellation again.',
};

/** What to do next for a failed card operation, chosen by event type and errorClass. */
export function resultAdvice(type: string, errorClass: ErrorClass | null, locale: Locale): string {
  if (errorClass === 'retryable') return RETRYABLE[locale];
  switch (type) {
    case 'AuthFailed':
      return (errorClass === 'buyer-action' ? AUTH_BUYER : AUTH_OPERATOR)[locale];
    case 'CaptureFailed':
      return (errorClass === 'buyer-action' ? CAPTURE_BUYER : CAPTURE_OPERATOR)[locale];
    default:
      return errorClass === 'buyer-action' ? `${CANCEL_FAILED[locale]}\n${CAPTURE_BUYER[locale]}` : CANCEL_FAILED[locale];
  }
}

export const DEAD_LETTER_ADVICE: Text = {
  ja: [
    '自動再試行の上限に達したため、この要求の処理を停止しました(自動では再開しません)。',
    'オペレーターが原因(下記の理由)を確認・解消し、「R状況確認」で楽天側の状態を確かめてから、パーキングロットのメッセージを再投入(replay)してください。',
  ].join('\n'),
  en: [
    'Automatic retries are exhausted and processing of this request has stopped (it will not resume by itself).',
    'An operator must check and fix the cause (reason below), check Rakuten’s current status, then replay the parked message.',
  ].join('\n'),
};

export const STUCK_ADVICE: Text = {
  ja: '1時間以上「処理中」のまま変わっていません。' + CHECK_SETTINGS.ja,
  en: 'The operation has been in progress for over an hour. ' + CHECK_SETTINGS.en,
};

export const EXPIRING_ADVICE: Text = {
  ja: '有効期限までに売上請求してください。期限までに売上請求できない場合は、オーソリを取り消してから再度オーソリしてください(期限切れのオーソリでは売上請求できません)。',
  en: 'Capture before the authorization expires. If you cannot, cancel the authorization and authorize again (an expired authorization cannot be captured).',
};

export const ERROR_CLASS_LABEL: Record<ErrorClass, Text> = {
  retryable: { ja: '一時的なエラー(自動再試行)', en: 'temporary (retried automatically)' },
  'buyer-action': { ja: '注文者の対応が必要', en: 'buyer action needed' },
  'operator-action': { ja: '店舗(オペレーター)の対応が必要', en: 'operator action needed' },
};

export const OPERATION_LABEL: Record<string, Text> = {
  auth: { ja: 'オーソリ', en: 'authorization' },
  'auth-cancel': { ja: 'オーソリ取消', en: 'authorization cancel' },
  capture: { ja: '売上請求', en: 'capture' },
  'capture-cancel': { ja: '売上請求取消', en: 'capture cancel' },
  'card-status': { ja: 'カード請求状況確認', en: 'card status check' },
};
