import * as iconv from 'iconv-lite';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { MAX_AMOUNT_YEN, ORDER_NUMBER_PATTERN, ORDER_STATUSES, OrderStatus } from '@rcp/contracts';
import type { NewOrder } from '../orders/usecases/create-order';

/** Fields an order CSV can fill. */
export const CSV_FIELDS = [
  'orderNumber',
  'status',
  'cardStatus',
  'orderedAt',
  'paymentMethod',
  'totalAmount',
  'billedAmount',
  'pointsUsed',
  'couponsUsed',
] as const;
export type CsvField = (typeof CSV_FIELDS)[number];

/** Header names (after removing suffixes like "(-99999=無効値)") accepted for each field. */
export type CsvHeaderMapping = Record<CsvField, string[]>;

/** RMS order export header names. */
export const DEFAULT_CSV_MAPPING: CsvHeaderMapping = {
  orderNumber: ['受注番号'],
  status: ['受注ステータス'],
  cardStatus: ['カード決済ステータス'],
  orderedAt: ['注文日時'],
  paymentMethod: ['決済方法'],
  totalAmount: ['合計金額'],
  billedAmount: ['請求金額'],
  pointsUsed: ['ポイント利用額'],
  couponsUsed: ['クーポン利用額'],
};

const REQUIRED: CsvField[] = ['orderNumber', 'orderedAt', 'paymentMethod', 'billedAmount'];

/** RMS status names mapped to ours; our own names map to themselves. */
const STATUS_ALIASES: Record<string, OrderStatus> = {
  注文確認待ち: '未確認',
  楽天処理中: '未確認',
  発送待ち: '出荷待ち',
  発送済: '出荷済',
  発送済み: '出荷済',
  キャンセル確定: 'キャンセル',
  ...Object.fromEntries(ORDER_STATUSES.map((s) => [s, s])),
};

const mappingSchema = z
  .object(Object.fromEntries(CSV_FIELDS.map((f) => [f, z.array(z.string().min(1)).min(1).optional()])) as Record<CsvField, z.ZodOptional<z.ZodArray<z.ZodString>>>)
  .strict();

/** Reads a mapping override (JSON object field → header names) on top of the defaults. */
export function parseCsvMapping(json: string | undefined): CsvHeaderMapping {
  if (!json) return DEFAULT_CSV_MAPPING;
  const parsed = mappingSchema.parse(JSON.parse(json));
  return { ...DEFAULT_CSV_MAPPING, ...(Object.fromEntries(Object.entries(parsed).filter(([, v]) => v)) as Partial<CsvHeaderMapping>) };
}

export interface CsvRow {
  line: number;
  order: NewOrder;
  warnings: string[];
}

export interface CsvRejection {
  line: number;
  orderNumber?: string;
  reason: string;
}

export interface CsvParseResult {
  encoding: 'utf-8' | 'shift_jis';
  rows: CsvRow[];
  rejected: CsvRejection[];
}

/** Thrown when the file as a whole cannot be read (no header, missing required columns). */
export class CsvFileError extends Error {}

/** Decodes UTF-8 (with or without BOM) or Shift_JIS (cp932). */
export function decodeCsv(buffer: Buffer): { text: string; encoding: CsvParseResult['encoding'] } {
  if (buffer.length >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) {
    return { text: buffer.subarray(3).toString('utf8'), encoding: 'utf-8' };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(buffer), encoding: 'utf-8' };
  } catch {
    return { text: iconv.decode(buffer, 'cp932'), encoding: 'shift_jis' };
  }
}

/** Header text without an "(...)" suffix and surrounding spaces, e.g. `請求金額(-99999=無効値)` → `請求金額`. */
export function normalizeHeader(header: string): string {
  return header
    .replace(/^\uFEFF/, '')
    .replace(/[（(][^）)]*[）)]\s*$/, '')
    .trim();
}

/** Parses an order CSV; every bad row is reported with its line number and reason, good rows are returned. */
export function parseOrderCsv(buffer: Buffer, mapping: CsvHeaderMapping = DEFAULT_CSV_MAPPING): CsvParseResult {
  const { text, encoding } = decodeCsv(buffer);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { relax_column_count: true, skip_empty_lines: true, info: true, bom: true }) as unknown as typeof records;
  } catch (err) {
    throw new CsvFileError(`the file is not valid CSV: ${(err as Error).message}`);
  }
  if (records.length === 0) throw new CsvFileError('the file is empty (a header row is required)');
  const headers = records[0].record.map(normalizeHeader);
  const column = new Map<CsvField, number>();
  for (const field of CSV_FIELDS) {
    const index = headers.findIndex((h) => mapping[field].includes(h));
    if (index >= 0) column.set(field, index);
  }
  const missing = REQUIRED.filter((f) => !column.has(f));
  if (missing.length > 0) {
    throw new CsvFileError(`missing required column(s): ${missing.map((f) => `${mapping[f][0]} (${f})`).join(', ')}`);
  }
  const rows: CsvRow[] = [];
  const rejected: CsvRejection[] = [];
  const seen = new Set<string>();
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    const cell = (f: CsvField) => {
      const i = column.get(f);
      return i === undefined ? undefined : (record[i] ?? '').trim();
    };
    const orderNumber = cell('orderNumber') ?? '';
    const problems: string[] = [];
    const warnings: string[] = [];
    if (!ORDER_NUMBER_PATTERN.test(orderNumber)) problems.push(`受注番号 "${orderNumber}" must look like 338459-20180531-00000703`);
    else if (seen.has(orderNumber)) problems.push(`受注番号 ${orderNumber} appears more than once in the file`);
    const orderedAt = parseJstDate(cell('orderedAt') ?? '');
    if (!orderedAt) problems.push(`注文日時 "${cell('orderedAt')}" is not a date (e.g. 2024-05-31 12:34:56)`);
    const paymentMethod = cell('paymentMethod') ?? '';
    if (!paymentMethod) problems.push('決済方法 is empty');
    else if (paymentMethod.length > 100) problems.push('決済方法 is longer than 100 characters');
    const amounts: Partial<Record<'totalAmount' | 'billedAmount' | 'pointsUsed' | 'couponsUsed', number | null>> = {};
    for (const f of ['totalAmount', 'billedAmount', 'pointsUsed', 'couponsUsed'] as const) {
      const raw = cell(f);
      const label = mapping[f][0];
      const parsed = parseAmount(raw);
      if (parsed === 'invalid') problems.push(`${label} "${raw}" is not a whole yen amount between 0 and ${MAX_AMOUNT_YEN}`);
      else amounts[f] = parsed;
    }
    if (amounts.billedAmount === null && !problems.some((p) => p.startsWith(mapping.billedAmount[0]))) {
      problems.push(`${mapping.billedAmount[0]} has no value (empty or -99999)`);
    }
    let status: OrderStatus | undefined;
    const rawStatus = cell('status');
    if (rawStatus) {
      status = STATUS_ALIASES[rawStatus];
      if (!status) warnings.push(`受注ステータス "${rawStatus}" is unknown; imported as 未確認`);
    }
    if (problems.length > 0) {
      rejected.push({ line, ...(orderNumber ? { orderNumber } : {}), reason: problems.join('; ') });
      continue;
    }
    seen.add(orderNumber);
    const billed = amounts.billedAmount as number;
    const points = amounts.pointsUsed ?? null;
    const coupons = amounts.couponsUsed ?? null;
    rows.push({
      line,
      warnings,
      order: {
        orderNumber,
        orderedAt: orderedAt as Date,
        paymentMethod,
        billedAmount: billed,
        totalAmount: amounts.totalAmount ?? billed + (points ?? 0) + (coupons ?? 0),
        pointsUsed: points,
        couponsUsed: coupons,
        status: status ?? '未確認',
      },
    });
  }
  return { encoding, rows, rejected };
}

/** Parses a yen amount: "1,234", "1234円", "¥1234"; empty or -99999 (無効値) → null. */
export function parseAmount(raw: string | undefined): number | null | 'invalid' {
  if (raw === undefined) return null;
  const cleaned = raw.replace(/[,，\s円¥￥]/g, '');
  if (cleaned === '' || cleaned === '-99999') return null;
  if (!/^\d+$/.test(cleaned)) return 'invalid';
  const n = Number(cleaned);
  return n <= MAX_AMOUNT_YEN ? n : 'invalid';
}

/** Parses `YYYY-MM-DD[ HH:MM[:SS]]` or `YYYY/M/D ...` as JST; ISO strings with a zone keep it. */
export function parseJstDate(raw: string): Date | null {
  const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(raw.trim());
  if (m) {
    const [, y, mo, d, h = '0', mi = '0', s = '0'] = m;
    const date = new Date(Date.UTC(+y, +mo - 1, +d, +h - 9, +mi, +s));
    const check = new Date(date.getTime() + 9 * 3_600_000);
    if (check.getUTCFullYear() !== +y || check.getUTCMonth() !== +mo - 1 || check.getUTCDate() !== +d || +h > 23 || +s > 59 || +mi > 59) return null;
    return date;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(raw.trim())) {
    const date = new Date(raw.trim());
    return Number.isNaN(date.getTime()) ? null : date;
  }
  return null;
}
