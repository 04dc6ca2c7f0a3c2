import { jsonDepth } from './http-security';

describe('jsonDepth', () => {
  it('counts nesting of objects and arrays, ignoring brackets inside strings and escapes', () => {
    expect(jsonDepth(Buffer.from('{"a":1}'))).toBe(1);
    expect(jsonDepth(Buffer.from('{"a":[{"b":[1]}]}'))).toBe(4);
    expect(jsonDepth(Buffer.from('{"a":"[[[[{{{{\\"]]]"}'))).toBe(1);
    expect(jsonDepth(Buffer.from('"plain"'))).toBe(0);
  });

  it('stops scanning once past the limit', () => {
    const deep = Buffer.from('['.repeat(5000) + ']'.repeat(5000));
    expect(jsonDepth(deep, 32)).toBe(33);
    expect(jsonDepth(deep)).toBe(5000);
  });
});
