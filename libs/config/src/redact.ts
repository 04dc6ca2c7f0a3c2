/** Field names whose values are secrets wherever they appear (logs, errors, events, API responses). */
export const SECRET_KEYS = ['authKey', 'password', 'secret', 'apiKey', 'authorization', 'token', 'encryptionKey'] as const;

/** Masks a secret for display: keeps at most the last 2 characters, e.g. `********ab`. Empty stays empty. */
export function maskSecret(value: string | undefined | null): string {
  if (!value) return '';
  return '*'.repeat(Math.max(4, value.length - 2)) + (value.length > 6 ? value.slice(-2) : '');
}

/** Replaces the password in a URL (database or broker) with `***` so it can be logged. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}
