// `node dist/tools/bench/floor-gaps.js` (after `npm run build`). Ad-hoc probe of how much of the bench's idle floor is
// the machine waking up rather than the flow's own work: (1) a bare HTTP round trip between two Node processes,
// back to back and after idle gaps; (2) lone orders through the whole system with the bench floor's 200 ms gaps and
// with no gap of their own (the next order once the driver's 50 ms drain poll saw the last one end: 0–50 ms idle).
// Prints medians; docs/performance.md § The floor of one operation records a run.
import { spawn } from 'node:child_process';
import { Agent, request } from 'undici';
import { stopOnSignals } from '@rcp/testing';
import { FlowDriver, type OrderTrace } from './driver';
import { percentile } from './measure';
import { startSystem } from './system';

const ROUND_TRIP_GAPS_MS = [0, 20, 200];
const ORDER_GAPS_MS = [200, 0];
const ORDERS_PER_PHASE = 25;
const ROUNDS = 2;

const sleep = (ms: number) => new Promise<void>((r) => (ms > 0 ? setTimeout(r, ms) : setImmediate(r)));
const median = (values: number[]) => (values.length ? percentile(values, 50).toFixed(1) : '-');

/** Median of `count` bare HTTP round trips to a one-line server in another Node process, `gapMs` idle between them. */
async function bareRoundTrips(gapsMs: readonly number[], count: number): Promise<Map<number, number>> {
  const server = spawn(
    process.execPath,
    ['-e', "require('http').createServer((q,r)=>r.end('ok')).listen(0,'127.0.0.1',function(){process.stdout.write(this.address().port+'\\n')})"],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const agent = new Agent({ connections: 1 });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      server.stdout.once('data', (d: Buffer) => resolve(String(d).trim()));
      server.once('exit', (code) => reject(new Error(`round-trip server exited (${code})`)));
    });
    const once = async () => {
      const started = performance.now();
      const res = await request(`http://127.0.0.1:${port}/`, { dispatcher: agent });
      await res.body.text();
      return performance.now() - started;
    };
    for (let i = 0; i < 50; i++) await once(); // warm-up: JIT, keep-alive connection
    const medians = new Map<number, number>();
    for (const gap of gapsMs) {
      const times: number[] = [];
      for (let i = 0; i < count; i++) {
        await sleep(gap);
        times.push(await once());
      }
      medians.set(gap, percentile(times, 50));
    }
    return medians;
  } finally {
    await agent.close();
    server.kill();
  }
}

function report(label: string, traces: OrderTrace[]): void {
  const ms = (pick: (t: OrderTrace) => number | undefined) => median(traces.map(pick).filter((x): x is number => x !== undefined && Number.isFinite(x)));
  console.log(
    label.padEnd(24),
    `create ${ms((t) => (t.created ?? NaN) - t.createSched)}`,
    `authorize ${ms((t) => (t.authorized ?? NaN) - (t.authSched ?? NaN))}`,
    `capture ${ms((t) => (t.captured ?? NaN) - (t.shipSent ?? NaN))}`,
    `(${traces.filter((t) => t.captured !== undefined).length}/${traces.length} completed)`,
  );
}

async function main() {
  const rt = await bareRoundTrips(ROUND_TRIP_GAPS_MS, 100);
  console.log('bare HTTP round trip, median ms:', [...rt].map(([gap, ms]) => `after ${gap} ms idle ${ms.toFixed(2)}`).join(', '));

  const sys = await startSystem({ shops: 2 });
  const driver = new FlowDriver({ orderUrls: [sys.orders.url], adminKey: sys.adminKey, rabbitUrl: sys.rabbitUrl, prefix: sys.prefix, shopIds: sys.shops.map((s) => s.shopId), authTickMs: 50, httpConnections: 8 });
  stopOnSignals(async () => {
    await driver.close();
    await sys.stop();
  });
  try {
    await driver.init();
    await driver.oneAtATime('warm-up', 10, 50);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const gap of ORDER_GAPS_MS) {
        const phase = `lone orders, gap ${gap} ms (${round})`;
        await driver.oneAtATime(phase, ORDERS_PER_PHASE, gap);
        report(phase, [...driver.traces.values()].filter((t) => t.phase === phase));
      }
    }
  } finally {
    await driver.close();
    await sys.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
