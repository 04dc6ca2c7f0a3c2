import { Batcher } from './batcher';

describe('Batcher', () => {
  it('flushes a full batch at once and keeps per-item results in order', async () => {
    const flushes: string[][] = [];
    const b = new Batcher<string, string>({ maxSize: 3, maxWaitMs: 10_000 }, async (_k, items) => {
      flushes.push(items);
      return items.map((i) => `done:${i}`);
    });
    const results = await Promise.all(['a', 'b', 'c'].map((i) => b.add('shop|auth', i)));
    expect(results).toEqual(['done:a', 'done:b', 'done:c']);
    expect(flushes).toEqual([['a', 'b', 'c']]);
  });

  it('flushes a partial batch after maxWaitMs and keeps keys apart', async () => {
    const flushes: [string, string[]][] = [];
    const b = new Batcher<string, number>({ maxSize: 10, maxWaitMs: 20 }, async (k, items) => {
      flushes.push([k, items]);
      return items.map(() => 1);
    });
    await Promise.all([b.add('s1|auth', 'x'), b.add('s2|auth', 'y'), b.add('s1|auth', 'z')]);
    expect(flushes).toEqual(
      expect.arrayContaining([
        ['s1|auth', ['x', 'z']],
        ['s2|auth', ['y']],
      ]),
    );
    expect(flushes).toHaveLength(2);
  });

  it('splits more items than maxSize into several batches', async () => {
    const sizes: number[] = [];
    const b = new Batcher<number, number>({ maxSize: 2, maxWaitMs: 5 }, async (_k, items) => {
      sizes.push(items.length);
      return items;
    });
    const out = await Promise.all([1, 2, 3, 4, 5].map((i) => b.add('k', i)));
    expect(out).toEqual([1, 2, 3, 4, 5]);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2);
    expect(sizes.reduce((a, c) => a + c, 0)).toBe(5);
  });

  it('rejects every item of a failed flush', async () => {
    const b = new Batcher<string, string>({ maxSize: 2, maxWaitMs: 5 }, async () => {
      throw new Error('api down');
    });
    const r = await Promise.allSettled([b.add('k', 'a'), b.add('k', 'b')]);
    expect(r.map((x) => x.status)).toEqual(['rejected', 'rejected']);
  });

  it('flushes waiting items on close and refuses new ones', async () => {
    const b = new Batcher<string, string>({ maxSize: 10, maxWaitMs: 60_000 }, async (_k, items) => items);
    const pending = b.add('k', 'a');
    await b.close();
    await expect(pending).resolves.toBe('a');
    await expect(b.add('k', 'b')).rejects.toThrow(/shutting down/);
  });
});
