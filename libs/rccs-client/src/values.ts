/** JST offset; Japan has no daylight saving time. */
const JST_OFFSET_MS = 9 * 60 * 60 * 1000;

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Parses an RCCS `dateTime` (`YYYY-MM-DDThh:mm:ss+09:00` [C]) into a `Date`. A value without offset is taken
 * as JST [I]. Returns `undefined` when the text is not a valid timestamp.
 */
export function parseRccsDateTime(text: string): Date | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (!m) return undefined;
  const offset = m[8] ?? '+09:00';
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}${offset}`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return undefined;
  // Reject rollovers such as 2024-02-31 that Date would silently accept.
  const local = new Date(date.getTime() + offsetMs(offset));
  if (local.getUTCDate() !== Number(m[3]) || local.getUTCMonth() + 1 !== Number(m[2])) return undefined;
  return date;
}

function offsetMs(offset: string): number {
  if (offset === 'Z') return 0;
  const sign = offset[0] === '-' ? -1 : 1;
  return sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6))) * 60_000;
}

/** Parses a decimal `int` (32-bit signed, as in the WSDL). Returns `undefined` when it is not one. */
export function parseRccsInt(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+-]?\d{1,10}$/.test(t)) return undefined;
  const n = Number(t);
  return n >= -2147483648 && n <= 2147483647 ? n : undefined;
}

/**
 * Formats a search date (`YYYY-MM-DD` [C]). A string must already be `YYYY-MM-DD`; a `Date` is converted to
 * its calendar date in JST. Returns `undefined` for invalid input.
 */
export function formatSearchDate(value: string | Date): string | undefined {
  if (typeof value === 'string') {
    if (!DATE_ONLY.test(value)) return undefined;
    const d = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value ? value : undefined;
  }
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) return undefined;
  return new Date(value.getTime() + JST_OFFSET_MS).toISOString().slice(0, 10);
}

/** True when `n` fits the WSDL's 32-bit `int`. */
export function isRccsInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= -2147483648 && n <= 2147483647;
}
