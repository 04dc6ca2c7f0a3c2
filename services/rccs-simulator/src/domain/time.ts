/** JST (UTC+9, no daylight saving) formatting and parsing: the API's dates always carry `+09:00`. */

const JST_OFFSET_MS = 9 * 3600_000;
const DAY_MS = 86_400_000;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `YYYY-MM-DDThh:mm:ss+09:00` */
export function formatJst(date: Date): string {
  const j = new Date(date.getTime() + JST_OFFSET_MS);
  return (
    `${j.getUTCFullYear()}-${pad(j.getUTCMonth() + 1)}-${pad(j.getUTCDate())}` +
    `T${pad(j.getUTCHours())}:${pad(j.getUTCMinutes())}:${pad(j.getUTCSeconds())}+09:00`
  );
}

/** Midnight JST of the day `date` falls on (the API's "event date"). */
export function jstMidnight(date: Date): Date {
  const shifted = date.getTime() + JST_OFFSET_MS;
  return new Date(shifted - (((shifted % DAY_MS) + DAY_MS) % DAY_MS) - JST_OFFSET_MS);
}

/** Start (00:00 JST) of a `YYYY-MM-DD` day; undefined when the text is not a real date. */
export function parseJstDay(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const utc = Date.UTC(y, mo - 1, d);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  return new Date(utc - JST_OFFSET_MS);
}

/** `yyMMddHHmmssSSS` in JST: the leading 15 digits of a transaction id (spec §2.4). */
export function jstStamp15(date: Date): string {
  const j = new Date(date.getTime() + JST_OFFSET_MS);
  return (
    pad(j.getUTCFullYear() % 100) +
    pad(j.getUTCMonth() + 1) +
    pad(j.getUTCDate()) +
    pad(j.getUTCHours()) +
    pad(j.getUTCMinutes()) +
    pad(j.getUTCSeconds()) +
    pad(j.getUTCMilliseconds(), 3)
  );
}

export const DAY_IN_MS = DAY_MS;
