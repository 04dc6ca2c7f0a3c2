import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { FlowDriver } from './driver';

/** A driver whose orders complete by themselves 5 ms after they start (no system behind it). */
class SelfCompletingDriver extends FlowDriver {
  started = 0;
  /** While set: completions that found no closed-loop step hooked (the step would wait for its 20 ms poll). */
  watching = false;
  unhookedCompletions = 0;
  override startOrder(): void {
    this.inFlight++;
    this.started++;
    setTimeout(() => {
      this.inFlight--;
      this.completions.push(performance.now());
      if (this.watching && !this.onComplete) this.unhookedCompletions++;
      this.onComplete?.();
    }, 5);
  }
}

const options = { orderUrls: ['http://127.0.0.1:9'], adminKey: 'k', rabbitUrl: 'amqp://x', prefix: 'p', shopIds: ['s'], authTickMs: 50, httpConnections: 1 };

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
      d.watching = true;
      await d.closedLoop('b', 2, performance.now() + 100);
      d.watching = false; // the step unhooks itself at its end; what completes after that is not its business
      // every completion during the step found it hooked (timing-independent: on a loaded machine timers run late)
      expect(d.unhookedCompletions).toBe(0);
      expect(d.started - before).toBeGreaterThan(2);
    } finally {
      await d.close();
    }
  });
});

describe('FlowDriver order-service URLs', () => {
  it('sends the requests to the order-service processes in turn', async () => {
    const hits = [0, 0];
    const servers: Server[] = hits.map((_, i) =>
      createServer((req, res) => {
        hits[i]!++;
        req.resume();
        res.writeHead(503).end('not here');
      }),
    );
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
    const urls = servers.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`);
    const d = new FlowDriver({ ...options, orderUrls: urls });
    try {
      for (let i = 0; i < 4; i++) d.startOrder('rr');
      await d.drain(5000);
      expect(hits).toEqual([2, 2]);
      expect(d.errors).toHaveLength(4); // each create answered 503: failed, not left in flight
    } finally {
      await d.close();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    }
  });

  it('refuses to run without an order-service URL', () => {
    expect(() => new FlowDriver({ ...options, orderUrls: [] })).toThrow(/order-service URL/);
  });
});
