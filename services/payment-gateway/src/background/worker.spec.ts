import { Logger } from '@nestjs/common';
import { BackgroundWorker } from './worker';
import { PollSignal } from '../polling/poll-signal';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A worker over fakes: counts passes (one pollDue per pass) and resubmission runs; answers the due read
 * with `due` (next poll) and `requeuedDue` (next resubmission).
 */
function fakeWorker(due: () => number | null, tickMs = 20, requeuedDue: () => number | null = () => null, maxIdleMs = 10_000) {
  const signal = new PollSignal();
  const passes: number[] = [];
  const resubmissions: number[] = [];
  let dueReads = 0;
  const poller = {
    requeued: 0,
    pollDue: async () => {
      passes.push(Date.now());
      return 0;
    },
    nextDue: async () => {
      dueReads++;
      return { pollMs: due(), requeuedMs: requeuedDue() };
    },
  };
  const worker = new BackgroundWorker(
    { shopIds: async () => ['shop-1'] } as never,
    poller as never,
    { runOnce: async () => resubmissions.push(Date.now()) } as never,
    { runOnce: async () => undefined, measure: async () => undefined } as never,
    { reconcileShop: async () => undefined } as never,
    { tickMs, idsPerQuery: 10, stuckCheckIntervalMs: 60_000, reconcileIntervalMs: 60_000, gaugeIntervalMs: 60_000, maxIdleMs, signal },
  );
  return { worker, signal, passes, resubmissions, poller, dueReads: () => dueReads };
}

describe('BackgroundWorker polling', () => {
  it('polls all its shops with one claim per batch, more batches while they come full, and survives a failing claim', async () => {
    const calls: string[][] = [];
    const answers = [10, 10, 3];
    const warnings: string[] = [];
    const poller = {
      requeued: 0,
      pollDue: async (shopIds: string[], onShopError: (shop: string, err: unknown) => void) => {
        calls.push([...shopIds]);
        if (calls.length === 1) onShopError('shop-2', new Error('getRCCSResult timed out'));
        return answers.shift() ?? 0;
      },
      nextDue: async () => ({ pollMs: null, requeuedMs: null }),
    };
    const worker = new BackgroundWorker(
      { shopIds: async () => ['shop-1', 'shop-2', 'shop-3'] } as never,
      poller as never,
      { runOnce: async () => undefined } as never,
      { runOnce: async () => undefined, measure: async () => undefined } as never,
      { reconcileShop: async () => undefined } as never,
      { tickMs: 20, idsPerQuery: 10, stuckCheckIntervalMs: 60_000, reconcileIntervalMs: 60_000, gaugeIntervalMs: 60_000, maxIdleMs: 10_000, signal: new PollSignal() },
    );
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation((m: unknown) => void warnings.push(String(m)));
    (worker as unknown as { running: boolean }).running = true; // as while started: full batches are followed by more
    await worker.tick();
    expect(calls).toEqual([
      ['shop-1', 'shop-2', 'shop-3'],
      ['shop-1', 'shop-2', 'shop-3'],
      ['shop-1', 'shop-2', 'shop-3'],
    ]);
    expect(warnings).toEqual([expect.stringContaining('polling shop shop-2 failed: ')]);
    poller.pollDue = async () => {
      throw new Error('database down');
    };
    await expect(worker.tick()).resolves.toBeUndefined();
    expect(warnings[1]).toContain('polling failed: ');
    warn.mockRestore();
  });
});

/** Scheduling is about time: the clock is jest's (a loaded CI machine stretches real sleeps of tens of ms). */
describe('BackgroundWorker scheduling', () => {
  const advance = (ms: number) => jest.advanceTimersByTimeAsync(ms);
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('does not tick while idle: one pass, then sleeps (no statements every tickMs)', async () => {
    const { worker, passes, dueReads } = fakeWorker(() => null);
    worker.start();
    await advance(300);
    await worker.stop();
    expect(passes).toHaveLength(1); // a 20 ms tick would have made ≈ 15
    expect(dueReads()).toBe(1);
  });

  it('wakes at once when this process submitted a request due now', async () => {
    const { worker, signal, passes } = fakeWorker(() => null);
    worker.start();
    await advance(50);
    const sent = Date.now();
    signal.notify(0);
    await advance(30);
    await worker.stop();
    expect(passes).toHaveLength(2);
    expect((passes[1] as number) - sent).toBeLessThan(25);
  });

  it('shortens its sleep to a later due time signalled, and remembers a signal that came during a pass', async () => {
    const { worker, signal, passes } = fakeWorker(() => null);
    worker.start();
    await advance(20);
    signal.notify(60);
    await advance(40);
    expect(passes).toHaveLength(1);
    await advance(60);
    expect(passes).toHaveLength(2);
    await worker.stop();
  });

  it('sleeps until the earliest due poll read from the ledger', async () => {
    let first = true;
    const { worker, passes } = fakeWorker(() => {
      const d = first ? 80 : null;
      first = false;
      return d;
    });
    const started = Date.now();
    worker.start();
    await advance(40);
    expect(passes).toHaveLength(1);
    await advance(100);
    await worker.stop();
    expect(passes).toHaveLength(2);
    expect((passes[1] as number) - started).toBeGreaterThanOrEqual(70);
  });

  it('pauses tickMs, not zero, when work is still overdue after a pass (no spinning)', async () => {
    const { worker, passes } = fakeWorker(() => -5, 50);
    worker.start();
    await advance(230);
    await worker.stop();
    expect(passes.length).toBeGreaterThanOrEqual(3);
    expect(passes.length).toBeLessThanOrEqual(6);
  });

  it('claims requeued operations only when the last read shows one due, or the pass requeued some (no write per pass)', async () => {
    let requeuedDue: number | null = null;
    const w = fakeWorker(() => null, 20, () => requeuedDue);
    try {
      await w.worker.tick(); // nothing read yet: runs
      expect(w.resubmissions).toHaveLength(1);
      w.worker.start(); // its first pass has no read yet either
      await advance(30);
      expect(w.resubmissions).toHaveLength(2);
      // reads say nothing is requeued: later passes (woken by signals) skip the claim
      for (let i = 0; i < 3; i++) {
        w.signal.notify(0);
        await advance(30);
      }
      expect(w.passes.length).toBeGreaterThanOrEqual(5);
      expect(w.resubmissions).toHaveLength(2);
      // an operation requeued elsewhere, due in 60 ms: seen by the next read, claimed once due
      requeuedDue = 60;
      w.signal.notify(0);
      await advance(20);
      requeuedDue = null;
      expect(w.resubmissions).toHaveLength(2);
      await advance(80);
      expect(w.resubmissions).toHaveLength(3);
      // this worker's poller requeued operations during a pass: claimed in the same pass
      w.poller.pollDue = async () => {
        w.passes.push(Date.now());
        w.poller.requeued++;
        return 0;
      };
      w.signal.notify(0);
      await advance(30);
      expect(w.resubmissions).toHaveLength(4);
    } finally {
      await w.worker.stop();
    }
  });

  it('skips the due read after a pass during which a signal asked for the next one (back-to-back passes under load)', async () => {
    const w = fakeWorker(() => null);
    let passes = 0;
    w.poller.pollDue = async () => {
      w.passes.push(Date.now());
      // every pass submits more work of this process (as under load): a signal arrives during the pass
      if (++passes <= 6) w.signal.notify(0);
      await sleep(2);
      return 0;
    };
    w.worker.start();
    await advance(100);
    await w.worker.stop();
    expect(w.passes).toHaveLength(7); // six signalled passes back to back, then the one the last signal asked for
    // one read before the first pass's signal is known (requeued due time unknown yet), one after the last pass
    expect(w.dueReads()).toBe(2);
  });

  it('still reads the due times at least once per maxIdleMs while signals keep it busy', async () => {
    const w = fakeWorker(() => null, 20, () => null, 40);
    let busy = true;
    w.poller.pollDue = async () => {
      w.passes.push(Date.now());
      if (busy) w.signal.notify(0);
      await sleep(5);
      return 0;
    };
    w.worker.start();
    await advance(200);
    busy = false;
    await advance(20);
    await w.worker.stop();
    expect(w.passes.length).toBeGreaterThanOrEqual(20);
    expect(w.dueReads()).toBeGreaterThanOrEqual(4); // ≈ 200 ms / 40 ms
    expect(w.dueReads()).toBeLessThanOrEqual(w.passes.length / 3);
  });
});
