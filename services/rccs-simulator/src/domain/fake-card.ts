import { createHash } from 'node:crypto';
import type { OrderRecord } from './types';

const BRANDS = ['VISA', 'MasterCard', 'JCB', 'VISA', 'JCB', 'AMEX', 'Diners', 'MasterCard'];
const OWNERS = ['TARO RAKUTEN', 'HANAKO SATO', 'ICHIRO SUZUKI', 'YUKI TANAKA', 'KENJI WATANABE', 'AKIKO ITO', 'HIROSHI YAMAMOTO', 'MAI NAKAMURA'];

export const DEFAULT_COMPANY_NAME = '楽天カード';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The card fields of an order, derived only from its number: the same order always gets the same fake card. */
export function fakeCard(orderNumber: string): Pick<OrderRecord, 'brandName' | 'cardNo' | 'ownerName' | 'expYM' | 'companyName'> {
  const h = digest(orderNumber);
  const last4 = String(h.readUInt16BE(0) % 10000).padStart(4, '0');
  return {
    brandName: BRANDS[h[2] % BRANDS.length],
    cardNo: `****-****-****-${last4}`,
    ownerName: OWNERS[h[3] % OWNERS.length],
    expYM: `${2027 + (h[4] % 6)}/${String(1 + (h[5] % 12)).padStart(2, '0')}`,
    companyName: DEFAULT_COMPANY_NAME,
  };
}

/** A new order in 未オーソリ with a fake card, as auto-provisioning creates it. */
export function provisionOrder(orderNumber: string, shopUrl: string, now: Date, autoProvisioned = true): OrderRecord {
  return {
    orderNumber,
    shopUrl,
    ...fakeCard(orderNumber),
    cardImstCount: 0,
    payType: 0,
    amount: null,
    creditLimit: null,
    forcedDecline: null,
    rulesExempt: false,
    cardState: 'unauthorized',
    authorizedAt: null,
    authorizedAmount: null,
    approvalNumber: null,
    billedAt: null,
    pending: null,
    autoProvisioned,
    createdAt: now,
    updatedAt: now,
  };
}

/** A 7-digit approval number, deterministic per (order, request), never `0000000`. */
export function approvalNumber(orderNumber: string, requestId: number): string {
  const n = digest(`${orderNumber}#${requestId}`).readUInt32BE(0) % 9_999_999;
  return String(n + 1).padStart(7, '0');
}
