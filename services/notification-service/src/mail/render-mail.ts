import { AuthExpiringV1, EventEnvelope, PaymentRequestDeadLetteredV1, PaymentResultV1, PaymentStuckV1 } from '@rcp/contracts';
import { DEAD_LETTER_ADVICE, ERROR_CLASS_LABEL, EXPIRING_ADVICE, Locale, OPERATION_LABEL, STUCK_ADVICE, resultAdvice } from './advice';
import { formatDurationJa, formatJst } from './jst';

export interface RenderedMail {
  subject: string;
  text: string;
}

interface EventBlock {
  title: string;
  orderLabel: string;
  lines: [string, string][];
  advice: string;
}

const TITLES: Record<string, Record<Locale, string>> = {
  AuthFailed: { ja: 'オーソリエラー', en: 'Authorization failed' },
  CaptureFailed: { ja: '売上請求エラー', en: 'Capture failed' },
  AuthCancelFailed: { ja: 'オーソリ取消エラー', en: 'Authorization cancel failed' },
  CaptureCancelFailed: { ja: '売上請求取消エラー', en: 'Capture cancel failed' },
  PaymentRequestDeadLettered: { ja: '要対応: 決済処理の停止', en: 'Action needed: payment request parked' },
  PaymentStuck: { ja: '処理遅延: 処理中のまま', en: 'Operation stuck in progress' },
  AuthExpiring: { ja: 'オーソリ有効期限間近', en: 'Authorization expiring' },
};

const L = {
  shop: { ja: 'ショップ', en: 'Shop' },
  order: { ja: '受注番号', en: 'Order number' },
  operation: { ja: '処理', en: 'Operation' },
  occurred: { ja: '発生日時', en: 'Occurred' },
  code: { ja: '楽天エラーコード', en: 'Rakuten error code' },
  ccs: { ja: 'カード会社コード', en: 'Card company code' },
  message: { ja: '楽天メッセージ', en: 'Rakuten message' },
  errorClass: { ja: 'エラー分類', en: 'Error class' },
  requestId: { ja: 'リクエストID', en: 'Request id' },
  reason: { ja: '理由', en: 'Reason' },
  attempts: { ja: '試行回数', en: 'Attempts' },
  parkedIn: { ja: '退避先', en: 'Parked in' },
  since: { ja: '開始日時', en: 'Started' },
  age: { ja: '経過時間', en: 'Elapsed' },
  authorizedAt: { ja: 'オーソリ日時', en: 'Authorized' },
  expiresAt: { ja: '有効期限', en: 'Expires' },
  daysLeft: { ja: '残り日数', en: 'Days left' },
  amount: { ja: '金額', en: 'Amount' },
  advice: { ja: '■ 対応方法', en: '■ What to do' },
  eventId: { ja: 'イベントID', en: 'Event id' },
} satisfies Record<string, Record<Locale, string>>;

const none = '-';
const yen = (n: number | null | undefined) => (n == null ? none : `${n.toLocaleString('ja-JP')}円`);

function operationLabel(op: string, locale: Locale): string {
  return OPERATION_LABEL[op]?.[locale] ?? op;
}

export function renderEventBlock(e: EventEnvelope, locale: Locale): EventBlock {
  const title = TITLES[e.type]?.[locale] ?? e.type;
  const base: [string, string][] = [
    [L.shop[locale], e.shopId],
  ];
  const occurred: [string, string] = [L.occurred[locale], formatJst(e.occurredAt)];
  switch (e.type) {
    case 'PaymentRequestDeadLettered': {
      const d = e.data as PaymentRequestDeadLetteredV1;
      return {
        title,
        orderLabel: d.orderNumbers.join(', '),
        lines: [
          ...base,
          [L.order[locale], d.orderNumbers.join(', ') || none],
          [L.operation[locale], operationLabel(d.operation, locale)],
          occurred,
          [L.reason[locale], d.reason],
          [L.attempts[locale], String(d.attempts)],
          [L.parkedIn[locale], d.parkedIn],
        ],
        advice: DEAD_LETTER_ADVICE[locale],
      };
    }
    case 'PaymentStuck': {
      const d = e.data as PaymentStuckV1;
      return {
        title,
        orderLabel: d.orderNumber,
        lines: [
          ...base,
          [L.order[locale], d.orderNumber],
          [L.operation[locale], operationLabel(d.operation, locale)],
          [L.since[locale], formatJst(d.since)],
          [L.age[locale], locale === 'ja' ? formatDurationJa(d.ageSeconds) : `${Math.round(d.ageSeconds / 60)} min`],
          ...(d.rccsRequestId ? [[L.requestId[locale], String(d.rccsRequestId)] as [string, string]] : []),
        ],
        advice: STUCK_ADVICE[locale],
      };
    }
    case 'AuthExpiring': {
      const d = e.data as AuthExpiringV1;
      return {
        title,
        orderLabel: d.orderNumber,
        lines: [
          ...base,
          [L.order[locale], d.orderNumber],
          [L.authorizedAt[locale], formatJst(d.authorizedAt)],
          [L.expiresAt[locale], formatJst(d.expiresAt)],
          [L.daysLeft[locale], String(d.daysLeft)],
          [L.amount[locale], yen(d.amount)],
        ],
        advice: EXPIRING_ADVICE[locale],
      };
    }
    default: {
      const d = e.data as PaymentResultV1;
      return {
        title,
        orderLabel: d.orderNumber,
        lines: [
          ...base,
          [L.order[locale], d.orderNumber],
          [L.operation[locale], operationLabel(d.operation, locale)],
          occurred,
          [L.code[locale], d.errorCode ?? none],
          [L.ccs[locale], d.ccsErrorCode ?? none],
          [L.message[locale], d.message ?? none],
          [L.errorClass[locale], d.errorClass ? `${ERROR_CLASS_LABEL[d.errorClass][locale]} (${d.errorClass})` : none],
          ...(d.amount != null ? [[L.amount[locale], yen(d.amount)] as [string, string]] : []),
          ...(d.rccsRequestId ? [[L.requestId[locale], String(d.rccsRequestId)] as [string, string]] : []),
        ],
        advice: resultAdvice(e.type, d.errorClass ?? null, locale),
      };
    }
  }
}

function blockText(block: EventBlock, e: EventEnvelope, locale: Locale): string {
  return [
    `【${block.title}】`,
    ...block.lines.map(([k, v]) => `${k}: ${v}`),
    '',
    L.advice[locale],
    block.advice,
    '',
    `${L.eventId[locale]}: ${e.id}`,
  ].join('\n');
}

const INTRO: Record<Locale, string> = {
  ja: '楽天カード決済で対応が必要な事象が発生しました。',
  en: 'Something in your Rakuten card payments needs attention.',
};

const FOOTER: Record<Locale, string> = {
  ja: '-- \nこのメールは楽天カード決済連携システムから自動送信されています。',
  en: '-- \nSent automatically by the Rakuten card payment integration.',
};

/** The mail for one event, or a digest of several (same shop or several). */
export function renderMail(events: EventEnvelope[], locale: Locale): RenderedMail {
  if (events.length === 0) throw new Error('renderMail needs at least one event');
  if (events.length === 1) {
    const e = events[0];
    const block = renderEventBlock(e, locale);
    return {
      subject: `[RCP] 【${block.title}】${e.shopId} ${locale === 'ja' ? '受注番号' : 'order'} ${block.orderLabel}`,
      text: [INTRO[locale], '', blockText(block, e, locale), '', FOOTER[locale]].join('\n'),
    };
  }
  const shops = [...new Set(events.map((e) => e.shopId))].join(', ');
  const first = formatJst(events.reduce((a, e) => (e.occurredAt < a ? e.occurredAt : a), events[0].occurredAt));
  const last = formatJst(events.reduce((a, e) => (e.occurredAt > a ? e.occurredAt : a), events[0].occurredAt));
  const blocks = events.map((e) => blockText(renderEventBlock(e, locale), e, locale));
  const subject =
    locale === 'ja' ? `[RCP] 【まとめ】${shops} 要対応の通知 ${events.length}件` : `[RCP] [Digest] ${shops}: ${events.length} notifications`;
  const summary =
    locale === 'ja'
      ? `${first} ～ ${last} の間に ${events.length} 件の事象が発生しました。`
      : `${events.length} events between ${first} and ${last}.`;
  const index = events.map((e, i) => {
    const b = renderEventBlock(e, locale);
    return `${i + 1}. ${b.title} ${b.orderLabel}`;
  });
  return {
    subject,
    text: [INTRO[locale], summary, '', ...index, '', ...blocks.flatMap((b) => ['==========', b, '']), FOOTER[locale]].join('\n'),
  };
}
