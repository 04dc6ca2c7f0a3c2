// `node dist/tools/bench/probe.js` (after `npm run build`; PROBE_TRACE=0 without tracing). Ad-hoc latency probe: one order at a time through the system with OTel file traces; prints the span timeline of the last order.
import { readFileSync, rmSync } from 'node:fs';
import { FlowDriver } from './driver';
import { stopOnSignals } from '@rcp/testing';
import { startSystem } from './system';

async function main() {
  const file = '/tmp/probe-traces.jsonl';
  rmSync(file, { force: true });
  const tracing = process.env.PROBE_TRACE !== '0';
  if (tracing) {
    process.env.OTEL_TRACES_EXPORTER = 'file';
    process.env.OTEL_TRACES_FILE = file;
  }
  const sys = await startSystem({ shops: 1 });
  delete process.env.OTEL_TRACES_EXPORTER;
  const driver = new FlowDriver({ orderUrls: [sys.orders.url], adminKey: sys.adminKey, rabbitUrl: sys.rabbitUrl, prefix: sys.prefix, shopIds: sys.shops.map((s) => s.shopId), authTickMs: 50, httpConnections: 4 });
  stopOnSignals(async () => {
    await driver.close();
    await sys.stop();
  });
  await driver.init();
  try {
    await driver.oneAtATime('probe', 12, 300);
    for (const t of [...driver.traces.values()].slice(-6)) {
      const r = (x?: number) => (x === undefined ? '-' : (x - t.createSched).toFixed(1));
      console.log(t.orderNumber, 'created', r(t.created), 'authSched', r(t.authSched), 'authAccepted', r(t.authAccepted), 'authorized', r(t.authorized), 'shipSent', r(t.shipSent), 'captured', r(t.captured), t.failed ?? '');
    }
  } finally {
    await driver.close();
    await sys.stop();
  }
  await new Promise((r) => setTimeout(r, 500));
  if (!tracing) return;
  const spans = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  console.log('spans', spans.length, Object.keys(spans[0]));
}
main().catch((e) => { console.error(e); process.exit(1); });
