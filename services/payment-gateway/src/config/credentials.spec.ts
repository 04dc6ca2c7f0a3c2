import type { DataSource } from 'typeorm';
import { ConfiguredCredentialsProvider, StoredCredentialsProvider } from './credentials';

/** Fake DataSource: `shop_credentials` holds `shops` (no keyring, so stored rows never open); records the statements. */
function fakeDb(shops: string[]) {
  const statements: string[] = [];
  const db = {
    query: async (sql: string, params: unknown[] = []) => {
      statements.push(sql);
      if (/SELECT shop_id FROM shop_credentials/.test(sql)) return shops.map((shop_id) => ({ shop_id }));
      return shops.includes(params[0] as string) ? [{ shop_url: 'x', user_name: 'x', auth_key: 'x' }] : [];
    },
  } as unknown as DataSource;
  return { db, statements };
}

describe('StoredCredentialsProvider.shopIds', () => {
  const dev = new ConfiguredCredentialsProvider([{ shopId: 'dev-shop', shopUrl: 'u', userName: 'n', authKey: 'k' }]);

  it('reads shop_credentials at most once per cacheMs, not on every background pass', async () => {
    let now = 0;
    const { db, statements } = fakeDb(['a', 'b']);
    const provider = new StoredCredentialsProvider(db, undefined, dev, 5000, () => now);
    for (let i = 0; i < 10; i++) expect(await provider.shopIds()).toEqual(['a', 'b', 'dev-shop']);
    expect(statements).toHaveLength(1);
    now = 5001;
    await provider.shopIds();
    expect(statements).toHaveLength(2);
  });

  it('reads again after ShopCredentialsUpdated (invalidate) and lists at once a shop it served meanwhile', async () => {
    const shops = ['a'];
    const { db, statements } = fakeDb(shops);
    const provider = new StoredCredentialsProvider(db, undefined, new ConfiguredCredentialsProvider([]), 5000, () => 0);
    expect(await provider.shopIds()).toEqual(['a']);
    shops.push('b');
    provider.invalidate('b');
    expect(await provider.shopIds()).toEqual(['a', 'b']);
    expect(statements).toHaveLength(2);

    // a source that knows a shop its cached list does not show yet
    const late = { forShop: async (id: string) => (id === 'late' ? { shopUrl: 'u', userName: 'n', authKey: 'k' } : undefined), shopIds: async () => [] };
    const other = fakeDb([]);
    const lateProvider = new StoredCredentialsProvider(other.db, undefined, late as unknown as ConfiguredCredentialsProvider, 5000, () => 0);
    expect(await lateProvider.shopIds()).toEqual([]);
    expect(await lateProvider.forShop('late')).toBeDefined();
    expect(await lateProvider.shopIds()).toEqual(['late']);
    expect(other.statements.filter((q) => /SELECT shop_id FROM/.test(q))).toHaveLength(1);
  });

  it('does not cache with cacheMs 0', async () => {
    const { db, statements } = fakeDb(['a']);
    const provider = new StoredCredentialsProvider(db, undefined, dev, 0, () => 0);
    await provider.shopIds();
    await provider.shopIds();
    expect(statements).toHaveLength(2);
  });
});
