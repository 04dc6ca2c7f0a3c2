import { performance } from 'node:perf_hooks';
import { FlowDriver } from './driver';

/** A driver whose orders complete by themselves 5 ms after they start (no system behind it). */
class SelfCompletingDriver extends FlowDriver {
  started = 0;
  override startOrder(): void {
    this.inFlight++;
    this.started++;
    setTimeout(() => {
      this.inFlight--;
      this.completions.push(performance.now());
      this.onComplete?.();
    }, 5);
  }
}

const options = { orderUrl: 'http://127.0.0.1:9', adminKey: 'k', rabbitUrl: 'amqp://x', prefix: 'p', shopIds: ['s'], authTickMs: 50, httpConnections: 1 };

describe('FlowDriver.closedLoop', () => {
  it('keeps the next step topped up when the ended step\'s timer fires late (after a completion already ended it)', async () => {
    const d = new SelfCompletingDriver(options);
    try {
      const step1 = d.closedLoop('a', 2, performance.now() + 30);
      // block the event loop past the first step's end: a completion and the step's own timer are then due together,
      // the completion ends the step first and the next step starts before the old timer runs
      setTimeout(() => {
        const until = performance.now() + 40;
        while (performance.now() < until);
      }, 10);
      await step1;
      const before = d.started;
      await d.closedLoop('b', 2, performance.now() + 100);
      expect(d.started - before).toBeGreaterThan(15); // ≈ 2 in flight × 100 ms / 5 ms; a step left unhooked starts ≤ 2
    } finally {
      await d.close();
    }
  });
});
