/** Field names whose values never reach an audit row (case-insensitive, substring match). */
const SECRET_FIELD = /secret|password|passwd|token|authorization|api[-_]?key|auth[-_]?key|credential|cookie|^key$/i;

const MAX_STRING = 200;
const MAX_ARRAY = 50;
const MAX_DEPTH = 5;

/** Looks like one of our API keys anywhere in a string. */
const API_KEY_IN_TEXT = /rcp_[A-Za-z0-9_-]{12}_[A-Za-z0-9_-]{43}/g;

/**
 * A copy of `value` fit for an audit row: secret-named fields become `[redacted]`, API keys inside strings are
 * masked, long strings and arrays are cut, depth is bounded, Buffers become their size.
 */
export function redactForAudit(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (Buffer.isBuffer(value)) return { bytes: value.length };
  if (typeof value === 'string') {
    const masked = value.replace(API_KEY_IN_TEXT, '[redacted]');
    return masked.length > MAX_STRING ? `${masked.slice(0, MAX_STRING)}…(${masked.length} chars)` : masked;
  }
  if (typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[nested]';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ARRAY).map((v) => redactForAudit(v, depth + 1));
    return value.length > MAX_ARRAY ? [...items, `…(${value.length} items)`] : items;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_FIELD.test(k) ? '[redacted]' : redactForAudit(v, depth + 1);
  }
  return out;
}
