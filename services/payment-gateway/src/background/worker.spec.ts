import { BackgroundWorker } from './worker';
import { PollSignal } from '../polling/poll-signal';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A worker over fakes: counts passes (one pollShop per pass, one shop) and answers msUntilDue from `due`. */
function fakeWorker(due: () => number | null, tickMs = 20) {
  const signal = new PollSignal();
  const passes: number[] = [];
  let dueReads = 0;
  const poller = {
    pollShop: async () => {
      passes.push(Date.now());
      return 0;
    },
    msUntilDue: async () => {
      dueReads++;
      return due();
    },
  };
  const worker = new BackgroundWorker(
    { shopIds: async () => ['shop-1'] } as never,
    poller as never,
    { runOnce: async () => 0 } as never,
    { runOnce: async () => undefined, measure: async () => undefined } as never,
    { reconcileShop: async () => undefined } as never,
    { tickMs, idsPerQuery: 10, stuckCheckIntervalMs: 60_000, reconcileIntervalMs: 60_000, gaugeIntervalMs: 60_000, maxIdleMs: 10_000, signal },
  );
  return { worker, signal, passes, dueReads: () => dueReads };
}

describe('BackgroundWorker scheduling', () => {
  it('does not tick while idle: one pass, then sleeps (no statements every tickMs)', async () => {
    const { worker, passes, dueReads } = fakeWorker(() => null);
    worker.start();
    await sleep(300);
    await worker.stop();
    expect(passes).toHaveLength(1); // a 20 ms tick would have made ≈ 15
    expect(dueReads()).toBe(1);
  });

  it('wakes at once when this process submitted a request due now', async () => {
    const { worker, signal, passes } = fakeWorker(() => null);
    worker.start();
    await sleep(50);
    const sent = Date.now();
    signal.notify(0);
    await sleep(30);
    await worker.stop();
    expect(passes).toHaveLength(2);
    expect((passes[1] as number) - sent).toBeLessThan(25);
  });

  it('shortens its sleep to a later due time signalled, and remembers a signal that came during a pass', async () => {
    const { worker, signal, passes } = fakeWorker(() => null);
    worker.start();
    await sleep(20);
    signal.notify(60);
    await sleep(40);
    expect(passes).toHaveLength(1);
    await sleep(60);
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
    await sleep(40);
    expect(passes).toHaveLength(1);
    await sleep(100);
    await worker.stop();
    expect(passes).toHaveLength(2);
    expect((passes[1] as number) - started).toBeGreaterThanOrEqual(70);
  });

  it('pauses tickMs, not zero, when work is still overdue after a pass (no spinning)', async () => {
    const { worker, passes } = fakeWorker(() => -5, 50);
    worker.start();
    await sleep(230);
    await worker.stop();
    expect(passes.length).toBeGreaterThanOrEqual(3);
    expect(passes.length).toBeLessThanOrEqual(6);
  });
});
