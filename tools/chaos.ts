/**
 * `npm run chaos [-- --quick] [--only <id,...>] [--force-shared] [--write-doc|--no-write-doc]`
 *
 * Fault-injection suite: starts the simulator, payment-gateway, order-service and notification-service from dist/
 * (fresh databases, one name prefix, broker/database traffic through our TCP proxies), drives a steady stream of
 * orders through authorize → ship → capture, injects one fault per scenario, waits for recovery and checks the
 * invariants (tools/chaos/invariants.ts). Prints a table per scenario and, for full runs, writes it into
 * docs/reliability.md. Exits 1 when an invariant failed or a scenario errored, 2 on usage errors.
 *
 * --quick: the CI subset (targeted faults only, ≤ 4 minutes: ≈ 2.5 on a steady host, the rest is room for a slow
 * one). The full suite (≤ 10 minutes) adds the scenarios that disrupt the whole shared broker/database server; they
 * are skipped when other clients seem to be connected, unless --force-shared.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot, stopOnSignals } from '@rcp/testing';
import { memoryWatermark, rabbitmqctl } from './chaos/infra';
import { renderDetails, renderTable, replaceBlock, type ScenarioResult } from './chaos/report';
import { runScenario } from './chaos/runner';
import { SCENARIOS } from './chaos/scenarios';
import { ChaosSystem } from './chaos/system';

const BEGIN = '<!-- chaos:results:begin -->';
const END = '<!-- chaos:results:end -->';

interface Args {
  quick: boolean;
  only?: string[];
  forceShared: boolean;
  writeDoc: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, forceShared: false, writeDoc: false };
  let writeDoc: boolean | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--force-shared') args.forceShared = true;
    else if (a === '--write-doc') writeDoc = true;
    else if (a === '--no-write-doc') writeDoc = false;
    else if (a === '--only') args.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a?.startsWith('--only=')) args.only = a.slice(7).split(',').filter(Boolean);
    else {
      process.stderr.write(`unknown argument ${a}\nusage: chaos [--quick] [--only id,...] [--force-shared] [--write-doc|--no-write-doc]\n`);
      process.exit(2);
    }
  }
  args.writeDoc = writeDoc ?? (!args.quick && !args.only);
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const budgetMs = args.quick ? 240_000 : 600_000;
  const started = Date.now();
  const deadline = started + budgetMs - 15_000; // leave room to clean up
  const log = (line: string) => process.stdout.write(`[chaos ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);
  const scenarios = SCENARIOS.filter((s) => (args.only ? args.only.some((o) => s.id === o || s.id.startsWith(`${o}-`)) : args.quick ? s.quick : !s.quickOnly));
  if (scenarios.length === 0) {
    process.stderr.write(`no scenario matches; ids: ${SCENARIOS.map((s) => s.id).join(', ')}\n`);
    return 2;
  }
  const originalWatermark = scenarios.some((s) => s.shared) ? await memoryWatermark().catch(() => undefined) : undefined;

  const sys = new ChaosSystem({ logLevel: 'info' });
  // hard stop: whatever happens, the suite ends within its bound
  const hardStop = setTimeout(() => {
    process.stderr.write(`chaos: the ${budgetMs / 1000} s budget is exhausted; stopping\n`);
    void sys.stop().finally(() => process.exit(1));
  }, budgetMs);
  hardStop.unref();
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    log('SIGINT: cleaning up');
  });
  // SIGTERM (a CI job cancelled, a `kill`) does not wait for the scenario: stop the system now, as the hard stop does
  stopOnSignals(() => sys.stop(), { signals: ['SIGTERM'], log });

  const results: ScenarioResult[] = [];
  try {
    log(`starting the system (prefix ${sys.namePrefix})`);
    await sys.start();
    log(`system up: simulator ${sys.simUrl}; ${scenarios.length} scenario(s)${args.quick ? ' (quick subset)' : ''}`);
    for (const [i, scenario] of scenarios.entries()) {
      if (interrupted) break;
      if (Date.now() > deadline - 20_000) {
        // an unchecked scenario is a failure: the suite must fit its bound
        results.push({ id: scenario.id, title: scenario.title, status: 'error', error: 'not run: the suite time budget was exhausted', violations: [], notes: [], durationMs: 0 });
        continue;
      }
      log(`▶ ${scenario.id}: ${scenario.title}`);
      const r = await runScenario(sys, scenario, SCENARIOS.indexOf(scenario), { quick: args.quick, forceShared: args.forceShared, deadline, log });
      results.push(r);
      const s = r.stats;
      log(
        `  ${r.status.toUpperCase()} in ${(r.durationMs / 1000).toFixed(1)} s` +
          (s ? `: ${s.completed}/${s.orders} completed, ${s.manualReview} manual review, ${s.lost} lost, ${s.duplicatedEffects} duplicated effects, ${s.absorbedDuplicates} absorbed duplicates, ${s.parked} parked, recovery ${((r.recoveryMs ?? 0) / 1000).toFixed(1)} s` : '') +
          (r.error ? ` — ${r.error}` : ''),
      );
      for (const v of r.violations) log(`    ✗ ${v.invariant}: ${v.detail.slice(0, 400)}`);
      void i;
    }
  } catch (err) {
    log(`suite error: ${(err as Error).stack ?? String(err)}`);
    results.push({ id: 'setup', title: 'system start', status: 'error', error: (err as Error).message, violations: [], notes: [], durationMs: 0 });
  } finally {
    if (originalWatermark) await rabbitmqctl(['set_vm_memory_high_watermark', originalWatermark]).catch(() => undefined);
    log('stopping the system');
    await sys.stop().catch((err: Error) => log(`cleanup error: ${err.message}`));
    clearTimeout(hardStop);
  }

  const table = renderTable(results);
  const details = renderDetails(results);
  process.stdout.write(`\n${table}\n\n${details}\n`);
  const failed = results.filter((r) => r.status === 'fail' || r.status === 'error');
  const elapsed = ((Date.now() - started) / 1000).toFixed(0);
  if (args.writeDoc) {
    const file = join(repositoryRoot(), 'docs', 'reliability.md');
    const doc = readFileSync(file, 'utf8');
    const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const block = `_Last run: ${when}, ${args.quick ? 'quick subset' : 'full suite'}, ${elapsed} s, ${failed.length} of ${results.length} scenario(s) failing._\n\n${table}\n\n${details}`;
    writeFileSync(file, replaceBlock(doc, BEGIN, END, block));
    log(`results written to ${file}`);
  }
  log(`${results.length - failed.length}/${results.length} scenarios without violations, ${elapsed} s`);
  return failed.length > 0 || interrupted ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
