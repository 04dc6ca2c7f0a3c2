import { checkInvariants, type BusEvent, type LedgerEntry, type Observation, type ParkedRef } from './invariants';
import { describeUnacked, listQueues, sharedActivity, sleep } from './infra';
import { Load } from './load';
import type { ScenarioResult } from './report';
import type { Scenario, ScenarioContext } from './scenarios';
import type { ChaosSystem } from './system';

export interface RunOptions {
  quick: boolean;
  /** run the scenarios that disrupt the whole shared broker/database even when others seem to use them */
  forceShared: boolean;
  /** absolute deadline of the suite (ms since epoch) */
  deadline: number;
  log: (line: string) => void;
}

const FAILURE_TYPES = new Set(['AuthFailed', 'CaptureFailed', 'PaymentRequestDeadLettered', 'PaymentStuck']);

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]);
}

/** Runs one scenario under steady load, settles, checks every invariant and cleans up. */
export async function runScenario(sys: ChaosSystem, scenario: Scenario, index: number, options: RunOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const result: ScenarioResult = { id: scenario.id, title: scenario.title, status: 'pass', violations: [], notes: [], durationMs: 0 };
  if (scenario.shared) {
    const activity = await sharedActivity(sys.ourBrokerPeerPorts(), sys.databaseNames());
    // our own bus, publisher and parking-lot connections do not go through the proxies
    const others = activity.brokerConnections - 3;
    if (!options.forceShared && (others > 0 || activity.otherBackends > 0)) {
      result.status = 'skipped';
      result.notes.push(`skipped: the shared servers are in use (${others} other broker connections, ${activity.otherBackends} other database backends); run with --force-shared at a quiet moment`);
      return result;
    }
  }
  const eventsStart = sys.bus.events.length;
  const webhooksStart = sys.webhooks.received.length;
  const logStart = new Map(Object.values(sys.services).map((s) => [s.name, s.output().length]));
  const crashesStart = sys.crashes().length;
  const since = new Date(Date.now() - 1000).toISOString();
  const load = new Load(sys, index + 10, { rate: scenario.rate ?? 10, declineEvery: 12 });
  const expectedParked: ParkedRef[] = [];
  const secrets = [...sys.secrets];
  const cleanups: (() => Promise<void>)[] = [];
  let faultClearedAt: number | undefined;
  const ctx: ScenarioContext = {
    sys,
    load,
    quick: options.quick,
    expectParked: (ref) => expectedParked.push(ref),
    addSecret: (v) => secrets.push(v),
    note: (t) => result.notes.push(t),
    httpFindings: [],
    faultCleared: () => (faultClearedAt ??= Date.now()),
    onCleanup: (fn) => cleanups.push(fn),
  };
  const loadMs = (scenario.loadSeconds ?? (options.quick ? 4 : 6)) * 1000;
  const settleMs = scenario.settleMs ?? (options.quick ? 30_000 : 45_000);
  load.start();
  try {
    const generating = load.generate(loadMs);
    await withTimeout(scenario.run(ctx), 90_000, `scenario ${scenario.id}`);
    await generating;
    faultClearedAt ??= Date.now();
    await sys.heal();

    // --- settle: every order terminal, every failure notified, queues drained --------------------------------------
    const settleEnd = Math.min(faultClearedAt + settleMs, options.deadline);
    let settled = false;
    const queueNames = (await listQueues(sys.namePrefix).catch(() => [])).map((q) => q.name).filter((n) => !n.endsWith('.dlq'));
    while (Date.now() < settleEnd) {
      await load.refreshTags().catch(() => undefined);
      if (load.isSettled() && notificationsDone(sys, eventsStart, load) && (await sys.bus.readyCounts(queueNames).catch(() => 1)) === 0) {
        settled = true;
        break;
      }
      await sleep(250);
    }
    result.recoveryMs = Date.now() - faultClearedAt;
    if (!settled) result.notes.push(`did not settle within ${((settleEnd - faultClearedAt) / 1000).toFixed(0)} s of the fault clearing`);
    await sleep(1000); // late duplicates
    await load.refreshTags().catch(() => undefined);

    // --- observe -------------------------------------------------------------------------------------------------------
    const ledger = await readLedger(sys, since);
    const events = sys.bus.events.slice(eventsStart);
    for (const e of events) {
      // only the intake path parks the request; the resubmitter dead-letters acknowledged requests (parkedIn names the ledger)
      if (e.type !== 'PaymentRequestDeadLettered' || !String(e.data.parkedIn ?? '').endsWith('.dlq')) continue;
      const ops = new Set((e.data.operationIds as string[] | undefined) ?? []);
      // the requests the gateway parked on purpose belong in its parking lot
      for (const r of events) if (r.type.endsWith('Requested') && ops.has(String(r.data.operationId))) expectedParked.push({ queue: sys.queues['payment-gateway'], messageId: r.id });
    }
    const parked = await readParked(sys);
    const depths = async () => (await listQueues(sys.namePrefix)).map((q) => ({ queue: q.name, ready: q.ready, unacked: q.unacked }));
    const busy = (qs: QueueDepth[]) => qs.some(holdsMessages);
    let queues = await depths();
    for (let i = 0; i < 3 && busy(queues); i++) {
      // in-flight acks: look again before calling anything stranded
      await sleep(1000);
      queues = await depths();
    }
    if (busy(queues)) await explainBusyQueues(sys, queues, depths, result.notes);
    const observation: Observation = {
      orders: load.tracked(),
      ledger,
      events,
      notifications: sys.webhooks.received.slice(webhooksStart),
      parked,
      expectedParked: dedupeRefs(expectedParked),
      queues,
      crashes: sys.crashes().slice(crashesStart),
      logs: Object.values(sys.services).map((s) => ({ service: s.name, text: s.output().slice(Math.min(logStart.get(s.name) ?? 0, s.output().length)) })),
      secrets,
      httpFindings: ctx.httpFindings,
    };
    if (process.env.CHAOS_DUMP_DIR) {
      const { writeFileSync, mkdirSync } = await import('node:fs');
      mkdirSync(process.env.CHAOS_DUMP_DIR, { recursive: true });
      const { logs: _logs, ...rest } = observation;
      void _logs;
      writeFileSync(`${process.env.CHAOS_DUMP_DIR}/${scenario.id}.json`, JSON.stringify({ ...rest, events: events.map((e) => ({ id: e.id, type: e.type, data: e.data, injected: e.injected })) }, null, 1));
    }
    const checked = checkInvariants(observation);
    result.stats = checked.stats;
    result.violations = checked.violations;
    result.status = checked.violations.length === 0 ? 'pass' : 'fail';
    if (load.httpErrors > 0) result.notes.push(`${load.httpErrors} order-service calls of the load failed and were retried`);
  } catch (err) {
    result.status = 'error';
    result.error = (err as Error).message;
    for (const c of sys.crashes().slice(crashesStart)) result.violations.push({ invariant: 'no service crashed', detail: `${c.service}: ${c.detail}` });
  } finally {
    await load.stop();
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    await sys.heal().catch((err: Error) => result.notes.push(`heal failed: ${err.message}`));
    for (const q of Object.values(sys.queues)) await sys.parkingLot?.purge(q).catch(() => undefined);
    result.durationMs = Date.now() - started;
  }
  return result;
}

function dedupeRefs(refs: ParkedRef[]): ParkedRef[] {
  const seen = new Map<string, ParkedRef>();
  for (const r of refs) seen.set(`${r.queue}|${r.messageId}`, r);
  return [...seen.values()];
}

function notificationsDone(sys: ChaosSystem, eventsStart: number, load: Load): boolean {
  const notified = new Set(sys.webhooks.received.map((n) => n.eventId));
  return sys.bus.events.slice(eventsStart).every((e: BusEvent) => {
    if (!FAILURE_TYPES.has(e.type) || e.injected) return true;
    if (e.type !== 'PaymentRequestDeadLettered' && !load.orders.has(String(e.data.orderNumber))) return true;
    return notified.has(e.id);
  });
}

async function readLedger(sys: ChaosSystem, since: string): Promise<LedgerEntry[]> {
  const all: LedgerEntry[] = [];
  for (let offset = 0; offset < 100_000; offset += 5000) {
    const page = await sys.simAdmin<{ entries: LedgerEntry[] }>('GET', `/ledger?since=${encodeURIComponent(since)}&limit=5000&offset=${offset}`);
    all.push(...page.entries);
    if (page.entries.length < 5000) break;
  }
  return all;
}

async function readParked(sys: ChaosSystem): Promise<ParkedRef[]> {
  const out: ParkedRef[] = [];
  for (const queue of Object.values(sys.queues)) {
    const list = (await sys.parkingLot?.list(queue, 1000).catch(() => [])) ?? [];
    for (const m of list) out.push({ queue, messageId: m.messageId ?? '(no id)', code: m.code, type: m.type, reason: m.reason });
  }
  return out;
}

type QueueDepth = { queue: string; ready: number; unacked: number };

/** A queue other than a parking lot that still holds ready or unacknowledged messages. */
function holdsMessages(q: QueueDepth): boolean {
  return !q.queue.endsWith('.dlq') && q.ready + q.unacked > 0;
}

/**
 * Messages still ready or unacknowledged after settling fail the scenario (the queues as first seen count); this adds
 * to the report what holds them — consumers, channels, our database backends in a transaction — and whether they
 * clear within 10 s more, so a rare failure in CI can be understood from its report alone.
 */
async function explainBusyQueues(sys: ChaosSystem, queues: QueueDepth[], depths: () => Promise<QueueDepth[]>, notes: string[]): Promise<void> {
  const stuck = queues.filter(holdsMessages).map((q) => q.queue);
  for (const line of await describeUnacked(stuck, sys.databaseNames())) notes.push(`after settling: ${line}`);
  const started = Date.now();
  let later = queues;
  while (later.some(holdsMessages) && Date.now() - started < 10_000) {
    await sleep(500);
    later = await depths().catch(() => later);
  }
  const still = later.filter(holdsMessages);
  notes.push(
    still.length > 0
      ? `still not drained 10 s later: ${still.map((q) => `${q.queue} ${q.ready} ready / ${q.unacked} unacked`).join(', ')}`
      : `drained ${((Date.now() - started) / 1000).toFixed(1)} s later`,
  );
}
