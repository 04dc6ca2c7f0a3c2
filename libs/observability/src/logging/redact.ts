/** Replacement of every redacted value. */
export const REDACTED = '[REDACTED]';

/** Key names treated as secrets (case-insensitive) by {@link redactSecrets}. */
export const SECRET_KEYS: readonly string[] = Object.freeze([
  'authKey',
  'auth_key',
  'password',
  'passwd',
  'secret',
  'clientSecret',
  'client_secret',
  'apiKey',
  'api_key',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
]);

/**
 * pino `redact` paths used by {@link createLogger} / `loggerModule`: secret keys at the top level and one or two
 * levels deep, HTTP authorization/cookie headers of pino-http's `req`/`res` serializers.
 */
export const REDACT_PATHS: readonly string[] = Object.freeze([
  ...['authKey', 'password', 'secret', 'apiKey', 'clientSecret', 'accessToken', 'refreshToken'].flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
  'authorization',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
]);

const KEYS = SECRET_KEYS.map((k) => k.replace(/[-_]/g, '[-_]?')).join('|');
/** `<authKey>…</authKey>`, also namespaced (`<ns:authKey attr="…">`). */
const XML = new RegExp(`<((?:[\\w.-]+:)?(?:${KEYS}))(\\s[^>]*)?>[\\s\\S]*?</\\1\\s*>`, 'gi');
/** `"authKey":"…"` / `'authKey': '…'` / `authKey=…` / `authKey: …` (JSON, JS, query strings, form bodies, free text). */
const KEY_VALUE = new RegExp(
  `(["']?)\\b(${KEYS})\\1(\\s*[:=]\\s*)("(?:[^"\\\\]|\\\\.)*"|'(?:[^'\\\\]|\\\\.)*'|[^\\s&,;<>"'}\\]]+)`,
  'gi',
);
/** `Authorization: Bearer xyz`, `Basic …`. */
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/g;
/** Cheap pre-filter: only strings mentioning a secret-ish word are rewritten. */
const MAYBE_SECRET = new RegExp(`${KEYS}|bearer|basic`, 'i');

/**
 * Masks secrets in free text: XML elements (`<authKey>…</authKey>` → `<authKey>[REDACTED]</authKey>`),
 * key/value pairs in JSON, query strings, form bodies and prose (`authKey=…`, `"authKey":"…"`, `password: …`)
 * and `Bearer`/`Basic` credentials. Key names: {@link SECRET_KEYS}. Safe on any string; returns it unchanged
 * when nothing matches.
 */
export function redactSecrets(text: string): string {
  if (!text || !MAYBE_SECRET.test(text)) return text;
  return text
    .replace(XML, (_m, tag: string, attrs: string | undefined) => `<${tag}${attrs ?? ''}>${REDACTED}</${tag}>`)
    .replace(KEY_VALUE, (_m, q: string, key: string, sep: string, value: string) => {
      const quote = value.startsWith('"') ? '"' : value.startsWith("'") ? "'" : '';
      return `${q}${key}${q}${sep}${quote}${REDACTED}${quote}`;
    })
    .replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${REDACTED}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Returns `value` with {@link redactSecrets} applied to every string inside plain objects/arrays (up to `depth`
 * levels) and every value under a secret key replaced by {@link REDACTED}. Copies only what changes.
 */
export function redactDeep<T>(value: T, depth = 6): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (depth <= 0) return value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const r = redactDeep(v, depth - 1);
      if (r !== v) changed = true;
      return r;
    });
    return (changed ? out : value) as T;
  }
  if (!isPlainObject(value)) return value;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const r = SECRET_KEY_SET.has(k.toLowerCase()) && v !== undefined && v !== null ? REDACTED : redactDeep(v, depth - 1);
    if (r !== v) {
      out ??= { ...value };
      out[k] = r;
    }
  }
  return (out ?? value) as T;
}

const SECRET_KEY_SET = new Set([...SECRET_KEYS.map((k) => k.toLowerCase()), 'authorization', 'cookie', 'x-api-key']);
