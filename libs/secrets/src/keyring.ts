import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Format version of a sealed token. */
const TOKEN_VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** Key ids appear inside tokens (dot-separated) and in `id:key` lists: no dots, colons, commas or spaces. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

const B64URL = /^[A-Za-z0-9_-]+$/;

/** Any problem with a keyring or a sealed token. Messages never contain key material, plaintext or the token. */
export class SecretsError extends Error {
  override readonly name = 'SecretsError';
}

/** One AES-256 key of a ring. */
export interface KeyringKey {
  /** Public identifier stored with every ciphertext it produced. */
  readonly id: string;
  /** 32 bytes. */
  readonly key: Buffer;
}

/**
 * AES-256-GCM keyring. The first key is the current one (used by {@link Keyring.seal}); every key opens what it
 * sealed, so a ring `new,old` keeps old ciphertext readable until it has been re-sealed ({@link Keyring.needsRotation}).
 *
 * Token: `v1.<keyId>.<iv b64url>.<tag b64url>.<ciphertext b64url>`, a random 12-byte IV per seal, the caller's
 * associated data (e.g. `shop:<id>|field:<name>`) bound in, so a token copied to another shop or field fails to open.
 */
export class Keyring {
  private readonly keys: Map<string, Buffer>;
  readonly currentKeyId: string;

  constructor(keys: readonly KeyringKey[]) {
    if (keys.length === 0) throw new SecretsError('a keyring needs at least one key');
    this.keys = new Map();
    for (const [i, k] of keys.entries()) {
      if (!KEY_ID_PATTERN.test(k.id)) throw new SecretsError(`key #${i + 1}: the id must match ${KEY_ID_PATTERN.source}`);
      if (k.key.length !== KEY_BYTES) throw new SecretsError(`key "${k.id}": must be exactly ${KEY_BYTES} bytes (got ${k.key.length})`);
      if (this.keys.has(k.id)) throw new SecretsError(`key "${k.id}": duplicate key id`);
      this.keys.set(k.id, Buffer.from(k.key));
    }
    this.currentKeyId = keys[0]!.id;
  }

  /**
   * Parses `"<keyId>:<base64 of 32 bytes>,<keyId>:<...>"` (first = current; base64 or base64url; whitespace and
   * newlines between entries allowed). `source` names where the text came from in error messages.
   */
  static parse(text: string, source = 'keyring'): Keyring {
    const entries = text
      .split(/[,\n]/)
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (entries.length === 0) throw new SecretsError(`${source}: no keys (expected "<keyId>:<base64 32 bytes>[,<keyId>:<...>]")`);
    const keys = entries.map((entry, i) => {
      const colon = entry.indexOf(':');
      if (colon <= 0) throw new SecretsError(`${source}: entry #${i + 1} must look like "<keyId>:<base64 32 bytes>"`);
      const id = entry.slice(0, colon);
      const material = entry.slice(colon + 1).trim();
      if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(material)) throw new SecretsError(`${source}: key "${safeId(id)}" is not base64`);
      return { id, key: Buffer.from(material.replace(/-/g, '+').replace(/_/g, '/'), 'base64') };
    });
    try {
      return new Keyring(keys);
    } catch (err) {
      throw new SecretsError(`${source}: ${(err as Error).message}`);
    }
  }

  /**
   * Reads `<PREFIX>_KEYS` or, when unset, the file named by `<PREFIX>_KEYS_FILE` (a mounted secret with the same
   * content). Throws a {@link SecretsError} naming the variable when neither is set or the content is invalid.
   */
  static fromEnv(prefix: string, env: NodeJS.ProcessEnv = process.env): Keyring {
    const inline = env[`${prefix}_KEYS`];
    const file = env[`${prefix}_KEYS_FILE`];
    if (inline && inline.trim()) return Keyring.parse(inline, `${prefix}_KEYS`);
    if (file && file.trim()) {
      let text: string;
      try {
        text = readFileSync(file.trim(), 'utf8');
      } catch (err) {
        throw new SecretsError(`${prefix}_KEYS_FILE: cannot read ${file.trim()} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      return Keyring.parse(text, `${prefix}_KEYS_FILE`);
    }
    throw new SecretsError(`${prefix}_KEYS (or ${prefix}_KEYS_FILE) is required: "<keyId>:<base64 32 bytes>[,<old keyId>:<...>]"`);
  }

  /** A fresh `"<keyId>:<base64 32 random bytes>"` entry, e.g. for development keyrings. */
  static generateEntry(keyId: string): string {
    if (!KEY_ID_PATTERN.test(keyId)) throw new SecretsError(`the key id must match ${KEY_ID_PATTERN.source}`);
    return `${keyId}:${randomBytes(KEY_BYTES).toString('base64')}`;
  }

  /** Ids of every key, current first. */
  keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /** Encrypts `plaintext` under the current key with `aad` bound in. */
  seal(plaintext: string, aad: string): string {
    const key = this.keys.get(this.currentKeyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [TOKEN_VERSION, this.currentKeyId, b64url(iv), b64url(tag), b64url(ct)].join('.');
  }

  /**
   * Decrypts a token sealed by any key of the ring with the same `aad`. A malformed token, an unknown key id, a
   * changed byte anywhere or another `aad` → {@link SecretsError} (which never echoes the token).
   */
  open(token: string, aad: string): string {
    const parts = parseToken(token);
    const key = this.keys.get(parts.keyId);
    if (!key) throw new SecretsError(`sealed value uses key "${parts.keyId}", which is not in the keyring (keys: ${this.keyIds().join(', ')})`);
    try {
      const decipher = createDecipheriv(ALGORITHM, key, parts.iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(parts.tag);
      return Buffer.concat([decipher.update(parts.ct), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretsError('sealed value failed authentication: it was tampered with, or belongs to another record/field');
    }
  }

  /** True when `token` was sealed by a key other than the current one (re-seal it). */
  needsRotation(token: string): boolean {
    return parseToken(token).keyId !== this.currentKeyId;
  }

  /** Opens with any key and seals again under the current key; returns the token unchanged when already current. */
  reseal(token: string, aad: string): string {
    if (!this.needsRotation(token)) return token;
    return this.seal(this.open(token, aad), aad);
  }
}

/** Key id of a sealed token (throws {@link SecretsError} for a malformed token). */
export function sealedKeyId(token: string): string {
  return parseToken(token).keyId;
}

/** True when `value` has the shape of a sealed token. */
export function isSealed(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    parseToken(value);
    return true;
  } catch {
    return false;
  }
}

function parseToken(token: string): { keyId: string; iv: Buffer; tag: Buffer; ct: Buffer } {
  if (typeof token !== 'string') throw new SecretsError('sealed value is not a string');
  const parts = token.split('.');
  if (parts.length !== 5 || parts[0] !== TOKEN_VERSION) throw new SecretsError(`sealed value is malformed (expected ${TOKEN_VERSION}.<keyId>.<iv>.<tag>.<ciphertext>)`);
  const [, keyId, iv, tag, ct] = parts as [string, string, string, string, string];
  if (!KEY_ID_PATTERN.test(keyId)) throw new SecretsError('sealed value is malformed (key id)');
  if (![iv, tag].every((p) => B64URL.test(p)) || !(ct === '' || B64URL.test(ct))) throw new SecretsError('sealed value is malformed (not base64url)');
  const ivBuf = Buffer.from(iv, 'base64url');
  const tagBuf = Buffer.from(tag, 'base64url');
  if (ivBuf.length !== IV_BYTES || tagBuf.length !== TAG_BYTES) throw new SecretsError('sealed value is malformed (iv/tag length)');
  const ctBuf = Buffer.from(ct, 'base64url');
  // canonical encoding only: a changed character in the unused low bits of the last base64 digit is tampering too
  if (b64url(ivBuf) !== iv || b64url(tagBuf) !== tag || b64url(ctBuf) !== ct) throw new SecretsError('sealed value is malformed (non-canonical base64url)');
  return { keyId, iv: ivBuf, tag: tagBuf, ct: ctBuf };
}

function b64url(b: Buffer): string {
  return b.toString('base64url');
}

function safeId(id: string): string {
  return KEY_ID_PATTERN.test(id) ? id : '<invalid id>';
}
