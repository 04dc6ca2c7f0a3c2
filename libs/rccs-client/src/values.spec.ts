import { buildEsaAuthKey } from './esa';
import { secretScrubber } from './secrets';
import { formatSearchDate, parseRccsDateTime, parseRccsInt } from './values';

describe('values', () => {
  it('parses +09:00 timestamps, assumes JST without offset, rejects garbage', () => {
    expect(parseRccsDateTime('2018-05-31T10:10:14+09:00')?.toISOString()).toBe('2018-05-31T01:10:14.000Z');
    expect(parseRccsDateTime('2018-05-31T10:10:14')?.toISOString()).toBe('2018-05-31T01:10:14.000Z');
    expect(parseRccsDateTime('2018-05-31T10:10:14.5Z')?.toISOString()).toBe('2018-05-31T10:10:14.500Z');
    expect(parseRccsDateTime('yesterday')).toBeUndefined();
    expect(parseRccsDateTime('2018-13-01T00:00:00+09:00')).toBeUndefined();
  });

  it('parses 32-bit ints only', () => {
    expect(parseRccsInt('-1')).toBe(-1);
    expect(parseRccsInt('2147483648')).toBeUndefined();
    expect(parseRccsInt('1.5')).toBeUndefined();
  });

  it('formats search dates; a Date becomes its JST calendar date', () => {
    expect(formatSearchDate('2024-01-08')).toBe('2024-01-08');
    expect(formatSearchDate('2024-02-30')).toBeUndefined();
    expect(formatSearchDate(new Date('2024-01-07T15:30:00Z'))).toBe('2024-01-08');
    expect(formatSearchDate(new Date('invalid'))).toBeUndefined();
  });

  it('builds an ESA key', () => {
    expect(buildEsaAuthKey('secret', 'license')).toBe(`ESA ${Buffer.from('secret:license').toString('base64')}`);
    expect(() => buildEsaAuthKey('', 'x')).toThrow(TypeError);
  });

  it('scrubs a secret in raw and XML-escaped form', () => {
    const scrub = secretScrubber('a&b<KEY>1234');
    const out = scrub('x a&b<KEY>1234 y a&amp;b&lt;KEY&gt;1234 z');
    expect(out).not.toContain('KEY');
    expect(out).toMatch(/^x \*+34 y \*+34 z$/);
  });
});
