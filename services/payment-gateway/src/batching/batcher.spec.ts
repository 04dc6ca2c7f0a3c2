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
  it('flushes at once when nothing of the key is in flight (an idle system adds no wait)', async () => {
    const b = new Batcher<string, string>({ maxSize: 100, maxWaitMs: 60_000 }, async (_k, items) => items);
    const started = Date.now();
    await expect(b.add('k', 'a')).resolves.toBe('a');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('collects while a flush of the key is running and sends the collected items as one batch when it ends', async () => {
    const flushes: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = new Batcher<string, string>({ maxSize: 100, maxWaitMs: 60_000 }, async (_k, items) => {
      flushes.push(items);
      if (flushes.length === 1) await gate;
      return items;
    });
    const first = b.add('k', 'a');
    await new Promise((r) => setImmediate(r));
    expect(flushes).toEqual([['a']]);
    const later: Promise<string>[] = [];
    for (const i of ['b', 'c', 'd', 'e']) {
      later.push(b.add('k', i));
      await new Promise((r) => setTimeout(r, 2)); // arrivals spread over several turns
    }
    const other = b.add('other', 'x'); // another key is not held back
    await other;
    expect(flushes).toEqual([['a'], ['x']]);
    expect(b.waiting).toBe(4);
    release();
    await expect(Promise.all([first, ...later])).resolves.toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(flushes).toEqual([['a'], ['x'], ['b', 'c', 'd', 'e']]);
  });

  it('bounds the wait behind a running flush by maxWaitMs and flushes a full batch at once', async () => {
    const flushes: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = new Batcher<string, string>({ maxSize: 3, maxWaitMs: 30 }, async (_k, items) => {
      flushes.push(items);
      if (flushes.length === 1) await gate;
      return items;
    });
    const first = b.add('k', 'a');
    await new Promise((r) => setImmediate(r));
    await expect(b.add('k', 'b')).resolves.toBe('b'); // after ≈ 30 ms although 'a' is still running
    const full = ['c', 'd', 'e'].map((i) => b.add('k', i));
    await expect(Promise.all(full)).resolves.toEqual(['c', 'd', 'e']);
    expect(flushes).toEqual([['a'], ['b'], ['c', 'd', 'e']]);
    release();
    await first;
  });
  it('waits for announced items before a flush at once, so a burst is not split into a lone first item and the rest', async () => {
    const flushes: string[][] = [];
    const b = new Batcher<string, string>({ maxSize: 10, maxWaitMs: 60_000 }, async (_k, items) => {
      flushes.push(items);
      return items;
    });
    const withdrawals = Array.from({ length: 12 }, () => b.announce('k'));
    const results: Promise<string>[] = [];
    for (let i = 0; i < 12; i++) {
      await new Promise((r) => setTimeout(r, 1)); // each item needs its own intake work first
      results.push(b.add('k', `o${i}`));
      withdrawals[i]!();
      withdrawals[i]!(); // idempotent
    }
    await Promise.all(results);
    expect(flushes.map((f) => f.length)).toEqual([10, 2]);
  });

  it('does not wait for an announced item that is withdrawn without being added', async () => {
    const b = new Batcher<string, string>({ maxSize: 10, maxWaitMs: 60_000 }, async (_k, items) => items);
    const withdrawDuplicate = b.announce('k');
    const added = b.add('k', 'a');
    setTimeout(withdrawDuplicate, 5);
    await expect(added).resolves.toBe('a');
    expect(b.waiting).toBe(0);
  });
});
