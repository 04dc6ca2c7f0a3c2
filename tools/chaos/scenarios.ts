import { randomUUID } from 'node:crypto';
import { discoverRoutes, fuzzHttp } from './fuzz';
import {
  closeConnectionsByPeerPort,
  listBindings,
  memoryWatermark,
  pgCtlcluster,
  rabbitmqctl,
  sleep,
  terminateBackends,
  topicMatches,
} from './infra';
import type { ParkedRef } from './invariants';
import type { Load } from './load';
import { poisonMessages, POISON_PAN } from './poison';
import type { ChaosSystem } from './system';

export interface ScenarioContext {
  sys: ChaosSystem;
  load: Load;
  quick: boolean;
  /** messages that must end in a parking lot */
  expectParked(ref: ParkedRef): void;
  /** more values that must never appear in a log */
  addSecret(value: string): void;
  /** a line of evidence for the report */
  note(text: string): void;
  httpFindings: string[];
  /** the fault is over: recovery time counts from here */
  faultCleared(): void;
  /** extra cleanup after settling (e.g. release stuck requests) */
  onCleanup(fn: () => Promise<void>): void;
}

export interface Scenario {
  id: string;
  title: string;
  /** part of the quick CI subset (targeted faults only) */
  quick: boolean;
  /** only in the quick subset (the full suite runs its parts separately) */
  quickOnly?: boolean;
  /** disrupts the WHOLE shared broker or database server: full suite only, at a quiet moment */
  shared?: boolean;
  /** seconds of steady load (full / quick) */
  loadSeconds?: number;
  rate?: number;
  /** bound for reaching terminal states after the fault cleared */
  settleMs?: number;
  run(ctx: ScenarioContext): Promise<void>;
}

const gw = (c: ScenarioContext) => c.sys.services['payment-gateway'];
const orders = (c: ScenarioContext) => c.sys.services['order-service'];
const notify = (c: ScenarioContext) => c.sys.services['notification-service'];

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await probe().catch(() => false)) return true;
    await sleep(intervalMs);
  }
  return false;
}

async function gatewayRequests(c: ScenarioContext, state: string): Promise<{ id: number; orderNumbers: string[] }[]> {
  const res = await c.sys.http('payment-gateway', 'GET', `/admin/requests?state=${state}&limit=200`);
  return res.status === 200 ? (JSON.parse(res.text) as { requests: { id: number; orderNumbers: string[] }[] }).requests : [];
}

async function addFault(c: ScenarioContext, fault: Record<string, unknown>): Promise<string> {
  const f = await c.sys.simAdmin<{ id: string }>('POST', '/faults', fault);
  c.onCleanup(() => c.sys.simAdmin('DELETE', `/faults/${f.id}`).catch(() => undefined) as Promise<void>);
  return f.id;
}

async function faultsFired(c: ScenarioContext): Promise<number> {
  const list = await c.sys.simAdmin<{ fired: number }[] | { faults: { fired: number }[] }>('GET', '/faults');
  return (Array.isArray(list) ? list : list.faults).reduce((n, f) => n + (f.fired ?? 0), 0);
}

export const SCENARIOS: Scenario[] = [
  {
    id: '1-gateway-kill-in-flight',
    title: 'SIGKILL the gateway between submit and result; restart',
    quick: true,
    async run(c) {
      await c.sys.simAdmin('PUT', '/settings', { processingDelayMs: 2500 });
      c.onCleanup(() => c.sys.simAdmin('PUT', '/settings', { processingDelayMs: 300 }) as Promise<never>);
      const submitted = await waitUntil(async () => (await gatewayRequests(c, 'submitted')).length > 0, 8000);
      const inFlight = await gatewayRequests(c, 'submitted');
      c.note(`killed with ${inFlight.length} submitted card requests (${inFlight.reduce((n, r) => n + r.orderNumbers.length, 0)} orders) awaiting results${submitted ? '' : ' (none seen: timing miss)'}`);
      await gw(c).kill();
      await sleep(2000);
      await c.sys.simAdmin('PUT', '/settings', { processingDelayMs: 300 });
      await gw(c).start();
      c.faultCleared();
    },
  },
  {
    id: '2-gateway-kill-before-outbox-commit',
    title: 'SIGKILL the gateway after the card API succeeded, before its outbox commit (its PostgreSQL hung)',
    quick: true,
    async run(c) {
      await sleep(2500);
      c.sys.pgProxies['payment-gateway'].setMode('hang');
      await sleep(1500); // submits and results are applied by the card API; the gateway cannot commit them
      await gw(c).kill();
      c.sys.pgProxies['payment-gateway'].setMode('pass');
      c.note('gateway PostgreSQL hung 1.5 s under load, then SIGKILL');
      await sleep(500);
      await gw(c).start();
      c.faultCleared();
    },
  },
  {
    id: '3a-order-service-kill',
    title: 'SIGKILL order-service while it applies results (twice); restart',
    quick: false,
    async run(c) {
      for (let i = 0; i < 2; i++) {
        await sleep(2000);
        await orders(c).kill();
        await sleep(1000);
        await orders(c).start();
      }
      c.faultCleared();
    },
  },
  {
    id: '3b-notification-down',
    title: 'SIGKILL notification-service for 20 s',
    quick: false,
    loadSeconds: 8,
    async run(c) {
      await sleep(1000);
      await notify(c).kill();
      await sleep(20_000);
      await notify(c).start();
      c.faultCleared();
    },
  },
  {
    id: '4-outbox-relay-kill',
    title: 'Outbox relay killed between broker confirm and marking rows sent (order-service PostgreSQL slowed, hung, SIGKILL)',
    quick: true,
    async run(c) {
      await sleep(1500);
      const pg = c.sys.pgProxies['order-service'];
      pg.setMode('latency', 150);
      await sleep(2000);
      pg.setMode('hang');
      await sleep(800);
      await orders(c).kill();
      pg.setMode('pass');
      await orders(c).start();
      c.faultCleared();
    },
  },
  {
    id: '5a-broker-close-our-connections',
    title: 'rabbitmqctl close_connection on our services’ connections, repeatedly',
    quick: true,
    async run(c) {
      let closed = 0;
      for (let i = 0; i < 3; i++) {
        await sleep(1000);
        closed += await closeConnectionsByPeerPort(c.sys.ourBrokerPeerPorts(), 'chaos: targeted close');
      }
      c.note(`${closed} connections closed by rabbitmqctl`);
      c.faultCleared();
    },
  },
  {
    id: '5b-broker-proxy-hang-reset',
    title: 'Broker link of the gateway hangs 6 s; order-service and notification links reset',
    quick: false,
    async run(c) {
      await sleep(1500);
      c.sys.amqpProxies['payment-gateway'].setMode('hang');
      c.sys.amqpProxies['order-service'].setMode('reset');
      c.sys.amqpProxies['notification-service'].setMode('reset');
      await sleep(1000);
      c.sys.amqpProxies['order-service'].setMode('pass');
      c.sys.amqpProxies['notification-service'].setMode('pass');
      await sleep(5000);
      c.sys.amqpProxies['payment-gateway'].setMode('pass');
      c.faultCleared();
    },
  },
  {
    id: '5c-broker-close-all-connections',
    title: 'rabbitmqctl close_all_connections, 3 times (shared broker)',
    quick: false,
    shared: true,
    async run(c) {
      for (let i = 0; i < 3; i++) {
        await sleep(1500);
        await rabbitmqctl(['close_all_connections', 'chaos: close_all_connections']);
      }
      c.faultCleared();
    },
  },
  {
    id: '5d-broker-stop-start-app',
    title: 'rabbitmqctl stop_app / start_app (shared broker)',
    quick: false,
    shared: true,
    async run(c) {
      await sleep(2000);
      await rabbitmqctl(['stop_app']);
      try {
        await sleep(3000);
      } finally {
        await rabbitmqctl(['start_app'], 120_000);
        await rabbitmqctl(['await_startup', '--timeout', '60'], 90_000).catch(() => undefined);
      }
      c.faultCleared();
    },
  },
  {
    id: '5e-broker-memory-alarm',
    title: 'RabbitMQ memory alarm for 6 s (set_vm_memory_high_watermark, restored)',
    quick: false,
    shared: true,
    async run(c) {
      const previous = (await memoryWatermark()) ?? '0.4';
      c.onCleanup(async () => void (await rabbitmqctl(['set_vm_memory_high_watermark', previous]).catch(() => undefined)));
      await sleep(2000);
      await rabbitmqctl(['set_vm_memory_high_watermark', '0.0001']);
      try {
        await sleep(6000);
      } finally {
        await rabbitmqctl(['set_vm_memory_high_watermark', previous]);
      }
      c.note(`watermark restored to ${previous}`);
      c.faultCleared();
    },
  },
  {
    id: '6a-postgres-terminate-backends',
    title: 'pg_terminate_backend on our databases’ backends under load, 4 times',
    quick: true,
    async run(c) {
      let n = 0;
      for (let i = 0; i < 4; i++) {
        await sleep(1500);
        n += await terminateBackends(c.sys.databaseNames());
      }
      c.note(`${n} backends terminated`);
      c.faultCleared();
    },
  },
  {
    id: '6b-postgres-proxy-hang',
    title: 'Database links of gateway and order-service hang 5 s, then reset',
    quick: false,
    async run(c) {
      await sleep(1500);
      for (const s of ['payment-gateway', 'order-service'] as const) c.sys.pgProxies[s].setMode('hang');
      await sleep(5000);
      for (const s of ['payment-gateway', 'order-service'] as const) c.sys.pgProxies[s].setMode('reset');
      await sleep(300);
      for (const s of ['payment-gateway', 'order-service'] as const) c.sys.pgProxies[s].setMode('pass');
      c.faultCleared();
    },
  },
  {
    id: '6c-postgres-immediate-restart',
    title: 'pg_ctlcluster … restart -m immediate (shared server)',
    quick: false,
    shared: true,
    async run(c) {
      await sleep(2000);
      await pgCtlcluster('restart', ['-m', 'immediate']);
      c.faultCleared();
    },
  },
  {
    id: '7a-card-api-30pct-500',
    title: 'Card API: 30 % HTTP 500 for 6 s',
    quick: false,
    async run(c) {
      await sleep(1000);
      const id = await addFault(c, { type: 'http500', rate: 0.3 });
      await sleep(6000);
      await c.sys.simAdmin('DELETE', `/faults/${id}`);
      c.note(`${await faultsFired(c).catch(() => 0)} faults fired`);
      c.faultCleared();
    },
  },
  {
    id: '7b-card-api-permanent-500',
    title: 'Card API: permanent HTTP 500 for 3 orders (dead-lettered, notified)',
    quick: false,
    async run(c) {
      const poisoned = [c.load.addOrder('dead-lettered'), c.load.addOrder('dead-lettered'), c.load.addOrder('dead-lettered')];
      await addFault(c, { type: 'http500', orderNumbers: poisoned.map((o) => o.orderNumber) });
      c.note(`orders ${poisoned.map((o) => o.orderNumber).join(', ')} always get HTTP 500`);
      await sleep(4000);
      c.faultCleared();
    },
  },
  {
    id: '7q-card-api-mixed',
    title: 'Card API (quick subset): 30 % HTTP 500 and 20 % dropped after registration for 4 s, permanent 500 for 2 orders',
    quick: true,
    quickOnly: true,
    async run(c) {
      const poisoned = [c.load.addOrder('dead-lettered'), c.load.addOrder('dead-lettered')];
      await addFault(c, { type: 'http500', orderNumbers: poisoned.map((o) => o.orderNumber) });
      const a = await addFault(c, { type: 'http500', rate: 0.3 });
      const b = await addFault(c, { type: 'drop', rate: 0.2, operations: ['authori', 'sales'] });
      await sleep(4000);
      await c.sys.simAdmin('DELETE', `/faults/${a}`);
      await c.sys.simAdmin('DELETE', `/faults/${b}`);
      c.note(`${await faultsFired(c).catch(() => 0)} faults fired; orders ${poisoned.map((o) => o.orderNumber).join(', ')} always get HTTP 500`);
      c.faultCleared();
    },
  },
  {
    id: '7c-card-api-hangs',
    title: 'Card API: 30 % of calls hang (no answer) for 6 s',
    quick: false,
    async run(c) {
      await sleep(1000);
      const id = await addFault(c, { type: 'hang', rate: 0.3, operations: ['authori', 'sales'] });
      await sleep(6000);
      await c.sys.simAdmin('DELETE', `/faults/${id}`);
      c.faultCleared();
    },
  },
  {
    id: '7d-card-api-slow',
    title: 'Card API: 50 % of calls 2.5 s slow for 6 s',
    quick: false,
    async run(c) {
      await sleep(1000);
      const id = await addFault(c, { type: 'delay', delayMs: 2500, rate: 0.5 });
      await sleep(6000);
      await c.sys.simAdmin('DELETE', `/faults/${id}`);
      c.faultCleared();
    },
  },
  {
    id: '7e-card-api-drop-after-registration',
    title: 'Card API: 30 % of authori/sales applied, then the connection dropped, for 6 s',
    quick: false,
    async run(c) {
      await sleep(1000);
      const id = await addFault(c, { type: 'drop', rate: 0.3, operations: ['authori', 'sales'] });
      await sleep(6000);
      await c.sys.simAdmin('DELETE', `/faults/${id}`);
      c.note(`${await faultsFired(c).catch(() => 0)} drops`);
      c.faultCleared();
    },
  },
  {
    id: '7f-card-api-stuck',
    title: 'Card API: requests of 2 orders stay in progress forever (manual review allowed for their batch)',
    quick: false,
    settleMs: 40_000,
    async run(c) {
      const stuck = [c.load.addOrder('manual-review-allowed'), c.load.addOrder('manual-review-allowed')];
      await addFault(c, { type: 'stuck', orderNumbers: stuck.map((o) => o.orderNumber) });
      // every order batched with a stuck one shares its fate: allow manual review for those too
      await waitUntil(async () => (await gatewayRequests(c, 'submitted')).some((r) => r.orderNumbers.includes(stuck[0]?.orderNumber ?? '')), 10_000, 300);
      await sleep(2000);
      const all = [...(await gatewayRequests(c, 'submitted')), ...(await gatewayRequests(c, 'outcome-unknown'))];
      const batchmates = new Set(all.filter((r) => r.orderNumbers.some((n) => stuck.some((s) => s.orderNumber === n))).flatMap((r) => r.orderNumbers));
      for (const n of batchmates) {
        const o = c.load.orders.get(n);
        if (o) o.expect = 'manual-review-allowed';
      }
      c.note(`stuck orders ${stuck.map((o) => o.orderNumber).join(', ')}; ${batchmates.size} orders share their card requests`);
      c.faultCleared();
    },
  },
  {
    id: '8-duplicates-requeues-reordering',
    title: 'Duplicate deliveries (30 %), late duplicates out of order (20 %, 1–5 s), requeues by closing our connections',
    quick: true,
    async run(c) {
      const types = new Set(['AuthRequested', 'CaptureRequested', 'AuthCompleted', 'AuthFailed', 'CaptureCompleted', 'CaptureFailed', 'OrderShipped', 'PaymentTagChanged']);
      let injected = 0;
      const timers: NodeJS.Timeout[] = [];
      const off = c.sys.bus.onEvent((e) => {
        if (e.injected || !types.has(e.type) || !c.load.orders.has(String(e.data.orderNumber))) return;
        const r = Math.random();
        if (r < 0.3) {
          injected++;
          void c.sys.bus.duplicate(e).catch(() => undefined);
        } else if (r < 0.5) {
          injected++;
          timers.push(setTimeout(() => void c.sys.bus.duplicate(e).catch(() => undefined), 1000 + Math.random() * 4000));
        }
      });
      for (let i = 0; i < 2; i++) {
        await sleep(2500);
        await closeConnectionsByPeerPort(c.sys.ourBrokerPeerPorts(), 'chaos: requeue unacked');
      }
      await sleep(2000);
      off();
      await sleep(5000); // the late copies land
      c.note(`${injected} duplicate copies injected`);
      c.faultCleared();
      timers.forEach(clearTimeout);
    },
  },
  {
    id: '9-poison-messages',
    title: 'Poison and malformed messages mixed into the stream',
    quick: true,
    async run(c) {
      const bindings = await listBindings(c.sys.bus.exchange);
      const queues = Object.values(c.sys.queues);
      const poison = poisonMessages('338459-20240105-98000001');
      c.addSecret(POISON_PAN);
      c.addSecret(POISON_PAN.replace(/ /g, ''));
      await sleep(1000);
      for (const p of poison) {
        await c.sys.bus.publishRaw(p.routingKey, p.body, { messageId: p.messageId, contentType: 'application/json', type: p.label });
        for (const q of queues) {
          if (bindings.some((b) => b.destination === q && topicMatches(b.routingKey, p.routingKey))) c.expectParked({ queue: q, messageId: p.messageId, code: p.code });
        }
        await sleep(200);
      }
      c.note(`${poison.length} poison messages: ${poison.map((p) => `${p.label} (${p.code})`).join(', ')}`);
      c.faultCleared();
    },
  },
  {
    id: '10-http-fuzz',
    title: 'HTTP API fuzzing on every endpoint (malformed JSON, wrong types, huge payloads, unknown fields, injection, bad auth)',
    quick: true,
    rate: 5,
    async run(c) {
      const routes = await discoverRoutes(c.sys);
      const { requests, findings } = await fuzzHttp(c.sys, routes);
      c.httpFindings.push(...findings);
      c.note(`${routes.length} routes, ${requests} requests, ${findings.length} findings`);
      c.faultCleared();
    },
  },
];

export const newId = () => randomUUID();
