import { actorLabel, canAccessShop, hasRole, scopeWithin, shopFilter } from './principal';

describe('roles and shop scope', () => {
  it('orders roles viewer < operator < admin', () => {
    expect(hasRole('viewer', 'viewer')).toBe(true);
    expect(hasRole('viewer', 'operator')).toBe(false);
    expect(hasRole('operator', 'operator')).toBe(true);
    expect(hasRole('operator', 'admin')).toBe(false);
    expect(hasRole('admin', 'viewer')).toBe(true);
  });

  it('lets a shop-scoped key reach only its shops, and "*" rules only with an every-shop key', () => {
    const a = { shops: ['shop-a'] };
    const all = { shops: ['*'] };
    expect(canAccessShop(a, 'shop-a')).toBe(true);
    expect(canAccessShop(a, 'shop-b')).toBe(false);
    expect(canAccessShop(a, '*')).toBe(false);
    expect(canAccessShop(all, 'shop-b')).toBe(true);
    expect(canAccessShop(all, '*')).toBe(true);
    expect(shopFilter(a)).toEqual(['shop-a']);
    expect(shopFilter(all)).toBeUndefined();
  });

  it('never lets a key issue or manage a wider key', () => {
    expect(scopeWithin(['shop-a'], ['shop-a', 'shop-b'])).toBe(true);
    expect(scopeWithin(['shop-a', 'shop-c'], ['shop-a', 'shop-b'])).toBe(false);
    expect(scopeWithin(['*'], ['shop-a'])).toBe(false);
    expect(scopeWithin(['*'], ['*'])).toBe(true);
    expect(scopeWithin(['shop-z'], ['*'])).toBe(true);
  });

  it('labels the actor with the key id and an optional sub-actor', () => {
    expect(actorLabel({ keyId: 'abcdefghijkl' })).toBe('key:abcdefghijkl');
    expect(actorLabel({ keyId: 'abcdefghijkl' }, 'yamada')).toBe('key:abcdefghijkl/yamada');
    expect(actorLabel({ keyId: 'abcdefghijkl' }, 'x'.repeat(100)).length).toBeLessThanOrEqual(100);
  });
});
