import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { API_KEY_HASH_PATTERN } from '@rcp/contracts';

/** `rcp_<keyId: 12 url-safe chars>_<secret: 32 random bytes, base64url = 43 chars>`. Fixed lengths make `_` inside the parts unambiguous. */
export const API_KEY_PATTERN = /^rcp_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$/;

/** A key split into its public id and its secret. */
export interface ParsedApiKey {
  keyId: string;
  secret: string;
}

/** A freshly generated key: `key` is shown to its owner once; only `secretHash` is stored. */
export interface GeneratedApiKey extends ParsedApiKey {
  key: string;
  secretHash: string;
}

/** Splits a presented key; null when it is not of the form `rcp_<keyId>_<secret>`. */
export function parseApiKey(presented: string | undefined | null): ParsedApiKey | null {
  if (typeof presented !== 'string' || presented.length > 100) return null;
  const m = API_KEY_PATTERN.exec(presented);
  return m ? { keyId: m[1], secret: m[2] } : null;
}

/**
 * SHA-256 of the secret, base64url. A single fast hash is enough: the secret is 256 random bits, so there is no
 * dictionary to try and a slow hash (bcrypt/argon2) would only cost CPU on every request.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** Constant-time comparison of a presented secret with a stored hash. False for a malformed stored hash. */
export function verifySecret(secret: string, storedHash: string): boolean {
  if (!API_KEY_HASH_PATTERN.test(storedHash)) return false;
  const expected = Buffer.from(storedHash, 'base64url');
  const given = createHash('sha256').update(secret, 'utf8').digest();
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Generates a new key (crypto-random id and secret). */
export function generateApiKey(): GeneratedApiKey {
  const keyId = randomBytes(9).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, secret, key: `rcp_${keyId}_${secret}`, secretHash: hashSecret(secret) };
}
