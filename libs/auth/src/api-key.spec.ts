import * as crypto from 'node:crypto';
import { API_KEY_PATTERN, generateApiKey, hashSecret, parseApiKey, verifySecret } from './api-key';

describe('API key codec', () => {
  it('generates rcp_<12>_<43> keys whose stored hash verifies and which never repeat', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).toMatch(API_KEY_PATTERN);
    expect(a.key).toBe(`rcp_${a.keyId}_${a.secret}`);
    expect(a.keyId).toHaveLength(12);
    expect(a.secret).toHaveLength(43);
    expect(a.secretHash).toBe(crypto.createHash('sha256').update(a.secret).digest('base64url'));
    expect(a.secretHash).not.toContain(a.secret);
    expect(b.key).not.toBe(a.key);
    expect(parseApiKey(a.key)).toEqual({ keyId: a.keyId, secret: a.secret });
    expect(verifySecret(a.secret, a.secretHash)).toBe(true);
    expect(verifySecret(b.secret, a.secretHash)).toBe(false);
  });

  it('parses ids and secrets that contain "_" and "-" by their fixed lengths', () => {
    const keyId = 'ab_-cd_-ef_-';
    const secret = `${'_'.repeat(21)}-${'x'.repeat(21)}`;
    expect(parseApiKey(`rcp_${keyId}_${secret}`)).toEqual({ keyId, secret });
  });

  it.each([
    ['empty', ''],
    ['no prefix', 'abc_def'],
    ['wrong prefix', `rcq_${'a'.repeat(12)}_${'b'.repeat(43)}`],
    ['short secret', `rcp_${'a'.repeat(12)}_${'b'.repeat(42)}`],
    ['long id', `rcp_${'a'.repeat(13)}_${'b'.repeat(43)}`],
    ['bad characters', `rcp_${'a'.repeat(12)}_${'b'.repeat(42)}=`],
    ['whitespace', ` rcp_${'a'.repeat(12)}_${'b'.repeat(43)}`],
    ['huge', 'rcp_' + 'a'.repeat(10_000)],
  ])('rejects a malformed key (%s)', (_, key) => {
    expect(parseApiKey(key)).toBeNull();
  });

  it('rejects non-strings and malformed stored hashes', () => {
    expect(parseApiKey(undefined)).toBeNull();
    expect(parseApiKey(null)).toBeNull();
    expect(verifySecret('x', 'not-a-hash')).toBe(false);
    expect(verifySecret('x', '')).toBe(false);
  });

  it('compares hashes with crypto.timingSafeEqual', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const spy = jest.spyOn(require('node:crypto') as typeof crypto, 'timingSafeEqual');
    const k = generateApiKey();
    verifySecret(k.secret, hashSecret(k.secret));
    verifySecret('wrong', hashSecret(k.secret));
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
  });
});
