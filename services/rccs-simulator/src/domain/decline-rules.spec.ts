import { DeclineRules } from './decline-rules';

const ctx = { op: 'authori' as const, shopUrl: 'shop-a', orderNumber: '123456-20240105-00000123', amount: 5000, helpItem: null, payType: 0 };

describe('DeclineRules', () => {
  it('matches on amount ranges (inclusive) for authori by default', () => {
    const rules = new DeclineRules([{ minAmount: 100_000, code: 'G55' }]);
    expect(rules.match({ ...ctx, amount: 99_999 })).toBeUndefined();
    expect(rules.match({ ...ctx, amount: 100_000 })).toEqual({ code: 'G55' });
    expect(rules.match({ ...ctx, op: 'sales', amount: 200_000 })).toBeUndefined();
  });

  it('matches order-number patterns, exact numbers, shops, help items and pay types', () => {
    const rules = new DeclineRules([
      { id: 'pattern', orderNumberPattern: '-0000099\\d$', code: 'G12' },
      { id: 'exact', orderNumbers: ['123456-20240105-00000500'], code: 'G56' },
      { id: 'shop', shopUrl: 'shop-b', code: 'G30' },
      { id: 'help', helpItemPattern: '^decline$', code: 'G42' },
      { id: 'pay', payTypes: [2], code: 'G54' },
    ]);
    expect(rules.match({ ...ctx, orderNumber: '123456-20240105-00000991' })).toEqual({ code: 'G12' });
    expect(rules.match({ ...ctx, orderNumber: '123456-20240105-00000500' })).toEqual({ code: 'G56' });
    expect(rules.match({ ...ctx, shopUrl: 'shop-b' })).toEqual({ code: 'G30' });
    expect(rules.match({ ...ctx, helpItem: 'decline' })).toEqual({ code: 'G42' });
    expect(rules.match({ ...ctx, payType: 2 })).toEqual({ code: 'G54' });
    expect(rules.match(ctx)).toBeUndefined();
  });

  it('applies the first matching rule and returns only outcome fields', () => {
    const rules = new DeclineRules([
      { id: 'first', operations: ['sales'], errorCode: 'RCCS_E22-899', message: 'x', statusEffect: 'unchanged' },
      { id: 'second', operations: ['sales'], code: 'G12' },
    ]);
    expect(rules.match({ ...ctx, op: 'sales' })).toEqual({ errorCode: 'RCCS_E22-899', message: 'x', statusEffect: 'unchanged' });
  });

  it('fires a counted rule only that many times and records firings', () => {
    const rules = new DeclineRules([{ id: 'once', count: 1, code: 'G55' }]);
    expect(rules.match(ctx)).toBeDefined();
    expect(rules.match(ctx)).toBeUndefined();
    expect(rules.list()[0]).toMatchObject({ id: 'once', count: 0, fired: 1 });
  });

  it('does not let callers mutate its rules through list() and refuses duplicate ids', () => {
    const rules = new DeclineRules([{ id: 'a', code: 'G55' }]);
    rules.list()[0].minAmount = 10 ** 9;
    expect(rules.match(ctx)).toBeDefined();
    expect(() => rules.add({ id: 'a' })).toThrow(/already exists/);
    expect(rules.remove('a')).toBe(true);
    expect(rules.match(ctx)).toBeUndefined();
  });
});
