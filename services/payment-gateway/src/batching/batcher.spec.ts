import { Batcher, type FlushReason } from './batcher';

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

  describe('with a linger', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    function recording(
      linger: () => number,
      options: { maxSize?: number; maxWaitMs?: number; flushMs?: number; lingerTarget?: number; maxHeld?: number } = {},
    ) {
      const flushes: { at: number; key: string; items: string[] }[] = [];
      const reasons: string[] = [];
      const started = Date.now();
      const { maxSize = 100, maxWaitMs = 50, lingerTarget, maxHeld } = options;
      const onFlush = (key: string, size: number, reason: FlushReason) => reasons.push(`${key}:${size}:${reason}`);
      const b = new Batcher<string, string>({ maxSize, maxWaitMs, linger, lingerTarget, maxHeld, onFlush }, async (key, items) => {
        flushes.push({ at: Date.now() - started, key, items });
        if (options.flushMs) await new Promise((r) => setTimeout(r, options.flushMs));
        return items;
      });
      return { b, flushes, reasons };
    }

    it('holds an idle key\'s first item for the linger and sends what arrived meanwhile with it', async () => {
      const { b, flushes, reasons } = recording(() => 100);
      const results = [b.add('k', 'a')];
      await jest.advanceTimersByTimeAsync(40);
      results.push(b.add('k', 'b'));
      await jest.advanceTimersByTimeAsync(59);
      expect(flushes).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      await expect(Promise.all(results)).resolves.toEqual(['a', 'b']);
      expect(flushes).toEqual([{ at: 100, key: 'k', items: ['a', 'b'] }]);
      expect(reasons).toEqual(['k:2:hold']);
    });

    it('follows the linger function at every decision (0 = at once)', async () => {
      let linger = 100;
      const { b, flushes, reasons } = recording(() => linger);
      const held = b.add('k', 'a');
      await jest.advanceTimersByTimeAsync(10);
      expect(flushes).toEqual([]);
      await jest.advanceTimersByTimeAsync(90);
      await held;
      linger = 0;
      const atOnce = b.add('k', 'b');
      await jest.advanceTimersByTimeAsync(0);
      await atOnce;
      expect(flushes.map((f) => f.items)).toEqual([['a'], ['b']]);
      expect(flushes[1]!.at).toBe(100);
      expect(reasons).toEqual(['k:1:hold', 'k:1:at-once']);
    });

    it('flushes a full batch at once, even while lingering', async () => {
      const { b, flushes, reasons } = recording(() => 1000, { maxSize: 3 });
      const full = ['a', 'b', 'c'].map((i) => b.add('k', i));
      await jest.advanceTimersByTimeAsync(0);
      await expect(Promise.all(full)).resolves.toEqual(['a', 'b', 'c']);
      expect(flushes).toEqual([{ at: 0, key: 'k', items: ['a', 'b', 'c'] }]);
      expect(reasons).toEqual(['k:3:full']);
    });

    it('ends a hold once the batch reached its target size', async () => {
      const { b, flushes, reasons } = recording(() => 1000, { lingerTarget: 3 });
      const results = [b.add('k', 'a')];
      await jest.advanceTimersByTimeAsync(200);
      results.push(b.add('k', 'b'));
      await jest.advanceTimersByTimeAsync(200);
      expect(flushes).toEqual([]);
      results.push(b.add('k', 'c')); // the third: held for 400 ms, not the 1000 the linger allows
      await jest.advanceTimersByTimeAsync(0);
      await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c']);
      expect(flushes).toEqual([{ at: 400, key: 'k', items: ['a', 'b', 'c'] }]);
      expect(reasons).toEqual(['k:3:target']);
    });

    it('sends a batch that reached its target next to a running flush, like a full one', async () => {
      const { b, flushes } = recording(() => 1000, { lingerTarget: 2, flushMs: 500 });
      const first = [b.add('k', 'a'), b.add('k', 'b')]; // at its target at once: flushed at 0, runs until 500
      await jest.advanceTimersByTimeAsync(100);
      const second = [b.add('k', 'c'), b.add('k', 'd')];
      await jest.advanceTimersByTimeAsync(0);
      expect(flushes).toEqual([
        { at: 0, key: 'k', items: ['a', 'b'] },
        { at: 100, key: 'k', items: ['c', 'd'] },
      ]);
      await jest.advanceTimersByTimeAsync(600);
      await Promise.all([...first, ...second]);
    });

    it('keeps the target out of batches formed without a hold', async () => {
      const { b, flushes, reasons } = recording(() => 0, { lingerTarget: 2, maxWaitMs: 50, flushMs: 100 });
      const first = b.add('k', 'a'); // no hold: at once, runs until 100
      await jest.advanceTimersByTimeAsync(10);
      const behind = ['b', 'c', 'd'].map((i) => b.add('k', i)); // wait behind it up to maxWaitMs, together
      await jest.advanceTimersByTimeAsync(0);
      expect(flushes.map((f) => f.items)).toEqual([['a']]);
      await jest.advanceTimersByTimeAsync(50);
      expect(flushes).toEqual([
        { at: 0, key: 'k', items: ['a'] },
        { at: 60, key: 'k', items: ['b', 'c', 'd'] },
      ]);
      expect(reasons).toEqual(['k:1:at-once', 'k:3:wait']);
      await jest.advanceTimersByTimeAsync(200);
      await Promise.all([first, ...behind]);
    });

    it('refuses a target or a bound on held items below one', () => {
      expect(() => new Batcher({ maxSize: 10, maxWaitMs: 0, lingerTarget: 0 }, async (_k, items: string[]) => items)).toThrow('lingerTarget');
      expect(() => new Batcher({ maxSize: 10, maxWaitMs: 0, maxHeld: 0 }, async (_k, items: string[]) => items)).toThrow('maxHeld');
    });

    it('sends the key holding most at once when the items held across keys reach maxHeld', async () => {
      const { b, flushes, reasons } = recording(() => 1000, { maxHeld: 5 });
      const results = [b.add('x', 'x1'), b.add('y', 'y1'), b.add('y', 'y2'), b.add('x', 'x2'), b.add('y', 'y3')];
      await jest.advanceTimersByTimeAsync(0);
      expect(flushes).toEqual([{ at: 0, key: 'y', items: ['y1', 'y2', 'y3'] }]);
      expect(b.waiting).toBe(2);
      results.push(b.add('x', 'x3')); // 3 held: under the bound, 'x' keeps lingering
      await jest.advanceTimersByTimeAsync(999);
      expect(flushes).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(1);
      await expect(Promise.all(results)).resolves.toEqual(['x1', 'y1', 'y2', 'x2', 'y3', 'x3']);
      expect(flushes[1]).toEqual({ at: 1000, key: 'x', items: ['x1', 'x2', 'x3'] });
      expect(b.waiting).toBe(0);
      expect(reasons).toEqual(['y:3:room', 'x:3:hold']);
    });

    it('holds items behind a running flush until the oldest lingered (not just maxWaitMs)', async () => {
      const { b, flushes } = recording(() => 100, { maxWaitMs: 10, flushMs: 30 });
      const first = b.add('k', 'a'); // flushed at 100, runs until 130
      await jest.advanceTimersByTimeAsync(105);
      const second = b.add('k', 'b'); // arrives during that flush
      await jest.advanceTimersByTimeAsync(60); // the flush ended at 130; 'b' has lingered 60 ms
      expect(flushes.map((f) => f.items)).toEqual([['a']]);
      await jest.advanceTimersByTimeAsync(70); // 'b' flushed at 205, done at 235
      await Promise.all([first, second]);
      expect(flushes).toEqual([
        { at: 100, key: 'k', items: ['a'] },
        { at: 205, key: 'k', items: ['b'] },
      ]);
    });

    it('close() sends lingering items at once', async () => {
      const { b, flushes, reasons } = recording(() => 10_000);
      const held = b.add('k', 'a');
      await jest.advanceTimersByTimeAsync(5);
      await b.close();
      await expect(held).resolves.toBe('a');
      expect(flushes).toEqual([{ at: 5, key: 'k', items: ['a'] }]);
      expect(reasons).toEqual(['k:1:close']);
    });

    it('keeps batching when the flush listener throws', async () => {
      const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      const b = new Batcher<string, string>({ maxSize: 2, maxWaitMs: 0, onFlush: () => { throw new Error('metrics down'); } }, async (_k, items) => items);
      const results = [b.add('k', 'a'), b.add('k', 'b')];
      await jest.advanceTimersByTimeAsync(0);
      await expect(Promise.all(results)).resolves.toEqual(['a', 'b']);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('metrics down'));
      warn.mockRestore();
    });
  });
});
