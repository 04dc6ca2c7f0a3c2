import { StatementNamer } from './prepared-statements';

describe('StatementNamer', () => {
  it('names a text from its minUses-th run on, always with the same name', () => {
    const namer = new StatementNamer({ minUses: 3 });
    expect(namer.nameOf('SELECT $1')).toBeUndefined();
    expect(namer.nameOf('SELECT $1')).toBeUndefined();
    const name = namer.nameOf('SELECT $1');
    expect(name).toMatch(/^rcp_\d+$/);
    expect(namer.nameOf('SELECT $1')).toBe(name);
    expect(namer.nameOf('SELECT $2')).toBeUndefined();
  });

  it('gives different texts different names and stops naming at maxStatements', () => {
    const namer = new StatementNamer({ minUses: 1, maxStatements: 2 });
    const a = namer.nameOf('a');
    const b = namer.nameOf('b');
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(a).not.toBe(b);
    expect(namer.nameOf('c')).toBeUndefined();
    expect(namer.nameOf('a')).toBe(a);
    expect(namer.size).toBe(2);
  });

  it('forgets the counts of one-off texts beyond maxTracked', () => {
    const namer = new StatementNamer({ minUses: 2, maxTracked: 2 });
    namer.nameOf('x');
    namer.nameOf('y');
    namer.nameOf('z'); // counts start over: x's first run is forgotten
    expect(namer.nameOf('x')).toBeUndefined();
    expect(namer.nameOf('x')).toBeDefined();
  });
});
