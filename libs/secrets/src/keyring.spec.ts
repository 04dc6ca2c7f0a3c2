import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { keyringEnvVar, optionalKeyring } from './env';
import { isSealed, Keyring, SecretsError, sealedKeyId } from './keyring';

const entry = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const AAD = 'shop:demo-shop|field:authKey';
const SECRET = 'canary-AUTHKEY-7f3a9c';

describe('Keyring', () => {
  it('round-trips with the current key, a random IV each time, and a versioned token', () => {
    const ring = Keyring.parse(entry('k1'));
    const a = ring.seal(SECRET, AAD);
    const b = ring.seal(SECRET, AAD);
    expect(a).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(SECRET);
    expect(ring.open(a, AAD)).toBe(SECRET);
    expect(ring.open(b, AAD)).toBe(SECRET);
    expect(isSealed(a)).toBe(true);
    expect(isSealed(SECRET)).toBe(false);
    expect(sealedKeyId(a)).toBe('k1');
  });

  it('round-trips empty and non-ASCII values', () => {
    const ring = Keyring.parse(entry('k1'));
    expect(ring.open(ring.seal('', AAD), AAD)).toBe('');
    expect(ring.open(ring.seal('認証キー🔑', AAD), AAD)).toBe('認証キー🔑');
  });

  it('fails for a change of ANY character of the token, with a message that does not echo it', () => {
    const ring = Keyring.parse(entry('k1'));
    const token = ring.seal(SECRET, AAD);
    let failures = 0;
    for (let i = 0; i < token.length; i++) {
      const replacement = token[i] === 'A' ? 'B' : token[i] === '.' ? '_' : 'A';
      const tampered = token.slice(0, i) + replacement + token.slice(i + 1);
      try {
        ring.open(tampered, AAD);
      } catch (err) {
        expect(err).toBeInstanceOf(SecretsError);
        expect((err as Error).message).not.toContain(tampered.split('.').pop()!);
        expect((err as Error).message).not.toContain(SECRET);
        failures++;
      }
    }
    expect(failures).toBe(token.length);
  });

  it('fails when a ciphertext byte is flipped', () => {
    const ring = Keyring.parse(entry('k1'));
    const parts = ring.seal(SECRET, AAD).split('.');
    const ct = Buffer.from(parts[4]!, 'base64url');
    for (let i = 0; i < ct.length; i++) {
      const copy = Buffer.from(ct);
      copy[i] = copy[i]! ^ 0x01;
      const tampered = [...parts.slice(0, 4), copy.toString('base64url')].join('.');
      expect(() => ring.open(tampered, AAD)).toThrow(/failed authentication/);
    }
  });

  it('fails with another associated data (other shop or field)', () => {
    const ring = Keyring.parse(entry('k1'));
    const token = ring.seal(SECRET, AAD);
    expect(() => ring.open(token, 'shop:other-shop|field:authKey')).toThrow(SecretsError);
    expect(() => ring.open(token, 'shop:demo-shop|field:userName')).toThrow(/failed authentication/);
  });

  it('rotates: old tokens stay readable with old+new ring, new tokens use the new key', () => {
    const oldEntry = entry('2024a');
    const oldRing = Keyring.parse(oldEntry);
    const oldToken = oldRing.seal(SECRET, AAD);
    const ring = Keyring.parse(`${entry('2025b')},${oldEntry}`);
    expect(ring.currentKeyId).toBe('2025b');
    expect(ring.keyIds()).toEqual(['2025b', '2024a']);
    expect(ring.needsRotation(oldToken)).toBe(true);
    expect(ring.open(oldToken, AAD)).toBe(SECRET);
    const rotated = ring.reseal(oldToken, AAD);
    expect(sealedKeyId(rotated)).toBe('2025b');
    expect(ring.needsRotation(rotated)).toBe(false);
    expect(ring.reseal(rotated, AAD)).toBe(rotated);
    expect(ring.open(rotated, AAD)).toBe(SECRET);
    // the old ring alone cannot read the new token; a ring without the old key cannot read the old one
    expect(() => oldRing.open(rotated, AAD)).toThrow(/not in the keyring/);
    expect(() => Keyring.parse(entry('2025b')).open(oldToken, AAD)).toThrow(/not in the keyring/);
  });

  it('validates keys at construction without echoing key material', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => Keyring.parse(`k1:${short}`, 'X_KEYS')).toThrow(/X_KEYS: key "k1": must be exactly 32 bytes \(got 16\)/);
    try {
      Keyring.parse(`k1:${short}`, 'X_KEYS');
    } catch (err) {
      expect((err as Error).message).not.toContain(short);
    }
    const material = randomBytes(32).toString('base64');
    expect(() => Keyring.parse(`k1:${material},k1:${randomBytes(32).toString('base64')}`)).toThrow(/duplicate key id/);
    expect(() => Keyring.parse(`bad.id:${material}`)).toThrow(/id must match/);
    expect(() => Keyring.parse(material)).toThrow(/entry #1 must look like/);
    expect(() => Keyring.parse('k1:not base64!!')).toThrow(/not base64/);
    expect(() => Keyring.parse(' , ')).toThrow(/no keys/);
    expect(Keyring.parse(`k1:${Buffer.from(material, 'base64').toString('base64url')}`).keyIds()).toEqual(['k1']);
  });

  it('reads <PREFIX>_KEYS, else <PREFIX>_KEYS_FILE, else fails naming both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyring-'));
    try {
      const file = join(dir, 'keys');
      writeFileSync(file, `${entry('filekey')}\n${entry('older')}\n`);
      expect(Keyring.fromEnv('X', { X_KEYS_FILE: file }).keyIds()).toEqual(['filekey', 'older']);
      expect(Keyring.fromEnv('X', { X_KEYS: entry('inline'), X_KEYS_FILE: file }).currentKeyId).toBe('inline');
      expect(() => Keyring.fromEnv('X', {})).toThrow(/X_KEYS \(or X_KEYS_FILE\) is required/);
      expect(() => Keyring.fromEnv('X', { X_KEYS_FILE: join(dir, 'missing') })).toThrow(/X_KEYS_FILE: cannot read .*ENOENT/);
      expect(() => Keyring.fromEnv('X', { X_KEYS: 'k1:AAAA' })).toThrow(/X_KEYS: key "k1": must be exactly 32 bytes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('generates valid entries', () => {
    const ring = Keyring.parse(`${Keyring.generateEntry('dev-1')},${Keyring.generateEntry('dev-0')}`);
    expect(ring.currentKeyId).toBe('dev-1');
    expect(() => Keyring.generateEntry('a:b')).toThrow(SecretsError);
  });
});

describe('keyring env helpers', () => {
  it('validates <PREFIX>_KEYS at boot and names the problem without the value', () => {
    const schema = z.object({ X_KEYS: keyringEnvVar('X', 'inline'), X_KEYS_FILE: keyringEnvVar('X', 'file') });
    expect(schema.safeParse({}).success).toBe(true);
    const good = entry('k1');
    expect(schema.safeParse({ X_KEYS: good }).success).toBe(true);
    const bad = schema.safeParse({ X_KEYS: 'k1:QUJD', X_KEYS_FILE: '/nonexistent/keys' });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual([expect.stringMatching(/^X_KEYS: key "k1": must be exactly 32 bytes/), expect.stringMatching(/^X_KEYS_FILE: cannot read/)]);
    expect(messages.join()).not.toContain('QUJD');
  });

  it('optionalKeyring: undefined when unset, a ring when set', () => {
    expect(optionalKeyring('X', {})).toBeUndefined();
    expect(optionalKeyring('X', { X_KEYS: ' ' })).toBeUndefined();
    expect(optionalKeyring('X', { X_KEYS: entry('k9') })?.currentKeyId).toBe('k9');
  });
});
