import { formatJst, jstMidnight, jstStamp15, parseJstDay } from './time';

describe('JST time helpers', () => {
  it('formats instants in JST with the +09:00 offset', () => {
    expect(formatJst(new Date('2018-05-31T01:10:14Z'))).toBe('2018-05-31T10:10:14+09:00');
    expect(formatJst(new Date('2023-12-31T15:00:00Z'))).toBe('2024-01-01T00:00:00+09:00');
  });

  it('finds midnight of the JST day', () => {
    expect(formatJst(jstMidnight(new Date('2018-05-31T16:30:00Z')))).toBe('2018-06-01T00:00:00+09:00');
    expect(formatJst(jstMidnight(new Date('2018-05-31T14:59:59Z')))).toBe('2018-05-31T00:00:00+09:00');
  });

  it('parses search dates as JST days and rejects impossible ones', () => {
    expect(parseJstDay('2024-01-06')?.toISOString()).toBe('2024-01-05T15:00:00.000Z');
    expect(parseJstDay('2024-02-30')).toBeUndefined();
    expect(parseJstDay('yesterday')).toBeUndefined();
  });

  it('stamps transaction ids with yyMMddHHmmssSSS in JST', () => {
    expect(jstStamp15(new Date('2018-05-31T01:09:46.388Z'))).toBe('180531100946388');
  });
});
