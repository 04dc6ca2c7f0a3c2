import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AuthRequested, createEnvelope } from '@rcp/contracts';
import { generateApiKey } from '@rcp/auth';
import { createTestDatabase, uniqueName, waitFor, type TestDatabase } from '@rcp/testing';
import { bootstrapGateway, type RunningGateway } from './bootstrap';
import { systemClock } from './clock';
import { RccsGateway } from './rccs/rccs-gateway';
import { TOKEN_VALIDITY_MS } from './limits/shop-limiter';
import { Reconciler } from './reconciliation/reconciler';
import { ResultWriter } from './results/result-writer';
import { EventBus, gatewayEnv, newOperationId, orderNumber, SHOP, SimulatorHandle } from './test-support/harness';

/**
 * The background duties of the gateway against real RabbitMQ, PostgreSQL and the simulator process:
 * stuck detection, the reconciliation sweep and the per-shop limits shared by several replicas.
 */

/** Admin routes may require `Authorization: Bearer <key>`; every gateway here boots with a bootstrap admin key. */
const ADMIN_KEY = generateApiKey().key;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface WireCall {
  replica: string;
  op: string;
  body: string;
  answer: string;
  start: number;
  end: number;
}

/**
 * An HTTP proxy in front of the simulator that records every card-API call as the wire sees it: the SOAP
 * operation, when the request arrived and when its answer was handed back. A call's `end` is taken before the
 * gateway can have read the answer (so before it released its slot), its `start` after the gateway sent it
 * (so after it took its slot and token): overlaps and rates measured here can only overstate the gateway's.
 */
async function recordingProxy(target: string, replica: string, calls: WireCall[]): Promise<{ endpoint: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const start = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString('utf8');
      const op = /Body>\s*<(?:[\w-]+:)?(\w+)/.exec(text)?.[1] ?? 'unknown';
      const headers = { ...req.headers, host: upstream.host };
      delete headers.connection;
      const up = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers }, (upRes) => {
        const parts: Buffer[] = [];
        upRes.on('data', (c: Buffer) => parts.push(c));
        upRes.on('end', () => {
          const answer = Buffer.concat(parts);
          const out = { ...upRes.headers, 'content-length': String(answer.length) };
          delete out['transfer-encoding'];
          delete out.connection;
          calls.push({ replica, op, body: text, answer: answer.toString('utf8'), start, end: performance.now() });
          res.writeHead(upRes.statusCode ?? 502, out);
          res.end(answer);
        });
      });
      up.on('error', () => {
        calls.push({ replica, op, body: text, answer: '', start, end: performance.now() });
        res.destroy();
      });
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}${upstream.pathname}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Most calls in progress at the same instant (an answer handed back before the next call arrives does not overlap it). */
function maxConcurrent(calls: readonly WireCall[]): number {
  const edges = calls.flatMap((c) => [
    { t: c.start, d: 1 },
    { t: c.end, d: -1 },
  ]);
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let current = 0;
  let max = 0;
  for (const e of edges) max = Math.max(max, (current += e.d));
  return max;
}

/** Most calls that started within any window of `windowMs`. */
function maxStartsWithin(calls: readonly WireCall[], windowMs: number): number {
  const starts = calls.map((c) => c.start).sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while ((starts[i] as number) - (starts[j] as number) >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

describe('payment-gateway background duties (RabbitMQ + PostgreSQL + simulator process)', () => {
  let sim: SimulatorHandle;

  beforeAll(async () => {
    sim = await SimulatorHandle.start();
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
  });

  afterEach(async () => {
    await sim.admin('DELETE', '/faults');
  });

  /** One gateway world: own database and queue prefix, event collector, SQL access to the ledger. */
  async function world(prefix: string) {
    const namePrefix = uniqueName(prefix);
    const db = await createTestDatabase(prefix);
    const pg = new Client({ connectionString: db.url });
    const bus = await EventBus.open(namePrefix);
    return { namePrefix, db, pg, bus };
  }

  const env = (db: TestDatabase, namePrefix: string, endpoint: string, extra: Record<string, string>) =>
    gatewayEnv(db.url, namePrefix, endpoint, { RCP_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY, ...extra });

  const cardRequestOf = async (pg: Client, order: string) =>
    (
      await pg.query<{ id: string; rccs_request_id: number; state: string; poll_count: number; next_poll_at: Date }>(
        `SELECT id, rccs_request_id, state, poll_count, next_poll_at FROM card_request WHERE order_numbers @> jsonb_build_array($1::text)`,
        [order],
      )
    ).rows;

  describe('stuck detection', () => {
    const STUCK_AFTER_MS = 1500;
    let w: Awaited<ReturnType<typeof world>>;
    let gateway: RunningGateway;

    beforeAll(async () => {
      w = await world('gwstuck');
      await w.pg.connect();
      gateway = await bootstrapGateway(
        env(w.db, w.namePrefix, sim.endpoint, { GATEWAY_STUCK_AFTER_MS: String(STUCK_AFTER_MS), GATEWAY_STUCK_CHECK_INTERVAL_MS: '100' }),
      );
    }, 60_000);

    afterAll(async () => {
      await w?.bus.close();
      await gateway?.close();
      await w?.pg.end().catch(() => undefined);
      await w?.db.drop();
    });

    it('reports an operation that stays in progress once with PaymentStuck after the configured time, and publishes no result', async () => {
      const order = orderNumber();
      await sim.admin('POST', '/faults', { type: 'stuck', orderNumbers: [order] });
      const sentAt = Date.now();
      const e = await w.bus.request(AuthRequested, { operationId: newOperationId(), orderNumber: order, amount: 2300, payType: 0 });

      const stuck = await waitFor(
        () => w.bus.ofType('PaymentStuck').find((s) => s.data.operationId === e.data.operationId),
        'PaymentStuck',
        STUCK_AFTER_MS + 10_000,
      );
      const [request] = await cardRequestOf(w.pg, order);
      expect(request).toMatchObject({ state: 'submitted' }); // registered, and the poller keeps asking
      expect(request!.poll_count).toBeGreaterThan(0);
      expect(stuck.data).toMatchObject({
        operation: 'auth',
        orderNumber: order,
        operationId: e.data.operationId,
        rccsRequestId: Number(request!.rccs_request_id),
        detectedBy: 'payment-gateway',
      });
      expect(stuck.correlationId).toBe(e.correlationId);
      expect(stuck.shopId).toBe(SHOP.shopId);
      const ageMs = Date.parse(stuck.occurredAt) - Date.parse(String(stuck.data.since));
      expect(ageMs).toBeGreaterThanOrEqual(STUCK_AFTER_MS);
      expect(stuck.data.ageSeconds).toBe(Math.floor(ageMs / 1000));
      expect(Date.parse(stuck.occurredAt) - sentAt).toBeGreaterThanOrEqual(STUCK_AFTER_MS);
      // the simulator still shows the request in progress
      expect((await sim.admin<{ status: number }>('GET', `/requests/${request!.rccs_request_id}`)).status).toBe(2);

      // ~15 more checks (every 100 ms) and more polls: no second PaymentStuck, still no result
      await sleep(1500);
      expect(w.bus.ofType('PaymentStuck').filter((s) => s.data.operationId === e.data.operationId)).toHaveLength(1);
      expect(w.bus.results(e.data.operationId).map((r) => r.type)).toEqual(['PaymentStuck']);
      const op = await w.pg.query(`SELECT state, stuck_reported_at FROM payment_operation WHERE operation_id = $1`, [e.data.operationId]);
      expect(op.rows[0]).toMatchObject({ state: 'in-flight', stuck_reported_at: expect.any(Date) });
      expect(await sim.ledger({ orderNumber: order })).toHaveLength(1); // one authori, never resubmitted
    });
  });

  describe('reconciliation sweep', () => {
    let w: Awaited<ReturnType<typeof world>>;
    let gateway: RunningGateway;
    let proxy: Awaited<ReturnType<typeof recordingProxy>>;
    const calls: WireCall[] = [];

    beforeAll(async () => {
      w = await world('gwrec');
      await w.pg.connect();
      proxy = await recordingProxy(sim.endpoint, 'gw', calls);
      gateway = await bootstrapGateway(
        env(w.db, w.namePrefix, proxy.endpoint, { GATEWAY_RECONCILE_INTERVAL_MS: '300', GATEWAY_RECONCILE_AFTER_MS: '500' }),
      );
    }, 60_000);

    afterAll(async () => {
      await w?.bus.close();
      await gateway?.close();
      await proxy?.close();
      await w?.pg.end().catch(() => undefined);
      await w?.db.drop();
    });

    it('settles an operation the poller lost track of with getRCCSResultAll, once; later sweeps publish nothing', async () => {
      // The request is registered and in the ledger, and the poller tracks it while Rakuten shows it in progress.
      const order = orderNumber();
      await sim.admin('POST', '/faults', { type: 'stuck', orderNumbers: [order] });
      const e = await w.bus.request(AuthRequested, { operationId: newOperationId(), orderNumber: order, amount: 3100, payType: 0 });
      const tracked = await waitFor(
        async () => (await cardRequestOf(w.pg, order)).find((r) => r.state === 'submitted' && r.poll_count > 0),
        'a submitted request the poller has asked about',
      );
      const requestId = Number(tracked.rccs_request_id);
      // A second order, submitted in its own request, stays in progress for the rest of the test: it keeps the
      // periodic sweep calling getRCCSResultAll, whose answer then also carries the first order's finished row.
      const sentinelOrder = orderNumber();
      await sim.admin('POST', '/faults', { type: 'stuck', orderNumbers: [sentinelOrder] });
      await w.bus.request(AuthRequested, { operationId: newOperationId(), orderNumber: sentinelOrder, amount: 3200, payType: 0 });
      await waitFor(async () => (await cardRequestOf(w.pg, sentinelOrder)).find((r) => r.state === 'submitted'), 'the sentinel request submitted');

      // Then the poller loses track of it: its schedule is lost (as when a poll lease is left behind by a replica
      // that hung mid-poll, or a backoff bug pushes next_poll_at out) — modelled by moving next_poll_at a day ahead.
      // A poll already in flight would reschedule it, so repeat until it sticks.
      await waitFor(
        async () => {
          await w.pg.query(`UPDATE card_request SET next_poll_at = now() + interval '1 day' WHERE id = $1`, [tracked.id]);
          await sleep(300);
          const [r] = await cardRequestOf(w.pg, order);
          return r!.next_poll_at.getTime() > Date.now() + 3_600_000;
        },
        'the poller to lose track of the request',
      );
      const lostAt = performance.now();

      // Rakuten finishes the request; only getRCCSResultAll can now reveal it.
      await sim.admin('DELETE', '/faults');
      await sim.admin('POST', `/requests/${requestId}/complete`);
      const result = await w.bus.resultOf(e.data.operationId, 10_000);
      const resultAt = performance.now();
      expect(result.type).toBe('AuthCompleted');
      expect(result.data).toMatchObject({ orderNumber: order, operationId: e.data.operationId, rccsRequestId: requestId, cardStatus: 12 });
      expect(result.correlationId).toBe(e.correlationId);

      // It came from the sweep: no getRCCSResult asked about this id after the poller lost track, getRCCSResultAll did run.
      const between = calls.filter((c) => c.start > lostAt && c.start < resultAt);
      expect(between.filter((c) => c.op === 'getRCCSResult' && c.body.includes(String(requestId)))).toEqual([]);
      expect(between.some((c) => c.op === 'getRCCSResultAll')).toBe(true);

      // The sweep re-arms the request: the poller closes it in the ledger without a second event.
      await waitFor(async () => (await cardRequestOf(w.pg, order))[0]?.state === 'completed', 'the card request completed');
      // Later periodic sweeps (every 300 ms) see the order's finished row again, and one more explicit sweep: nothing to repair.
      const sweepsAfter = () => calls.filter((c) => c.op === 'getRCCSResultAll' && c.start > resultAt && c.answer.includes(order));
      await waitFor(() => sweepsAfter().length >= 2 || undefined, 'two more periodic sweeps answering with the order', 10_000);
      const app = gateway.app;
      const again = new Reconciler(app.get(DataSource), app.get(RccsGateway), app.get(ResultWriter), systemClock, 0);
      expect(await again.reconcileShop(SHOP.shopId)).toBe(0);
      await sleep(800); // outbox relay interval 500 ms
      expect(w.bus.results(e.data.operationId)).toHaveLength(1);
      const op = await w.pg.query(`SELECT state, result_event FROM payment_operation WHERE operation_id = $1`, [e.data.operationId]);
      expect(op.rows[0]).toMatchObject({ state: 'succeeded', result_event: 'AuthCompleted' });
      expect(await sim.ledger({ orderNumber: order, op: 'authori' })).toHaveLength(1);
    });

    it('does not settle a re-authorization that is still in progress with the row of the declined authorization just before it', async () => {
      // The buyer fixes the card and the order is authorized again right after the decline: Rakuten's latest row for
      // the order is the declined authori (card status 13), finished seconds before the new request was created.
      const order = orderNumber();
      await sim.admin('POST', '/orders', { orderNumber: order, amount: 2700 });
      await sim.admin('POST', `/orders/${order}/decline`, { code: 'G55', operations: ['authori'] });
      const first = await w.bus.request(AuthRequested, { operationId: newOperationId(), orderNumber: order, amount: 2700, payType: 0 });
      expect((await w.bus.resultOf(first.data.operationId)).type).toBe('AuthFailed');

      await sim.admin('POST', `/orders/${order}/fix-card`, {});
      await sim.admin('POST', '/faults', { type: 'stuck', orderNumbers: [order] });
      const second = await w.bus.request(AuthRequested, { operationId: newOperationId(), orderNumber: order, amount: 2700, payType: 0 });
      await waitFor(async () => (await cardRequestOf(w.pg, order)).filter((r) => r.state === 'submitted').length === 1 || undefined, 'the re-authorization submitted');
      const sweeps = () => calls.filter((c) => c.op === 'getRCCSResultAll' && c.answer.includes(order)).length;
      const before = sweeps();
      // in flight longer than GATEWAY_RECONCILE_AFTER_MS (500 ms), then two sweeps that see the declined row
      await waitFor(() => sweeps() >= before + 3 || undefined, 'sweeps seeing the declined row', 10_000);
      await sleep(800); // outbox relay interval 500 ms
      expect(w.bus.results(second.data.operationId)).toEqual([]);

      // When Rakuten finishes the re-authorization, its own outcome is published, once.
      const [open] = (await cardRequestOf(w.pg, order)).filter((r) => r.state === 'submitted');
      await sim.admin('DELETE', '/faults');
      await sim.admin('POST', `/requests/${open!.rccs_request_id}/complete`);
      const r = await w.bus.resultOf(second.data.operationId, 10_000);
      expect(r.type).toBe('AuthCompleted');
      await sleep(800);
      expect(w.bus.results(second.data.operationId)).toHaveLength(1);
    });
  });

  describe('per-shop limits across two replicas', () => {
    const RATE = 5;
    const BURST = 2;
    let w: Awaited<ReturnType<typeof world>>;
    const gateways: RunningGateway[] = [];
    const proxies: Awaited<ReturnType<typeof recordingProxy>>[] = [];
    const calls: WireCall[] = [];

    beforeAll(async () => {
      w = await world('gwlim');
      for (const replica of ['a', 'b']) {
        const proxy = await recordingProxy(sim.endpoint, replica, calls);
        proxies.push(proxy);
        // Same database, same queue: two replicas competing for the requests of one shop.
        gateways.push(
          await bootstrapGateway(
            env(w.db, w.namePrefix, proxy.endpoint, {
              GATEWAY_SHOP_MAX_CONCURRENCY: '1',
              GATEWAY_SHOP_REQUESTS_PER_SECOND: String(RATE),
              GATEWAY_SHOP_BURST: String(BURST),
              GATEWAY_BATCH_MAX_ORDERS: '2',
              GATEWAY_BATCH_MAX_WAIT_MS: '100',
            }),
          ),
        );
      }
    }, 60_000);

    afterAll(async () => {
      await w?.bus.close();
      for (const g of gateways) await g.close();
      for (const p of proxies) await p.close();
      await w?.db.drop();
    });

    it('never runs two card-API calls of the shop at once, keeps the request rate within the bucket, and completes every order once', async () => {
      // Every call takes ≥ 100 ms in the simulator, so unsynchronised replicas would overlap; one slot alone would
      // allow ~8 calls/s, so the 5/s bucket is what binds the rate.
      await sim.admin('POST', '/faults', { type: 'delay', delayMs: 100, shopUrl: SHOP.shopUrl });
      const sent = Array.from({ length: 16 }, () =>
        createEnvelope(AuthRequested, { operationId: newOperationId(), orderNumber: orderNumber(), amount: 1200, payType: 0 }, { shopId: SHOP.shopId }),
      );
      await w.bus.publisher.publish(sent);
      for (const e of sent) await w.bus.resultOf(e.data.operationId, 40_000);
      await sleep(800);

      for (const e of sent) expect(w.bus.results(e.data.operationId).map((r) => r.type)).toEqual(['AuthCompleted']);
      const ledger = await sim.ledger({ shopUrl: SHOP.shopUrl, op: 'authori' });
      for (const e of sent) expect(ledger.filter((l) => l.orderNumber === e.data.orderNumber)).toHaveLength(1);

      // both replicas did card-API work
      for (const replica of ['a', 'b']) expect(calls.filter((c) => c.replica === replica && c.op === 'authori').length).toBeGreaterThan(0);
      expect(calls.length).toBeGreaterThanOrEqual(16); // ≥ 8 × (getRCCSRequestId + authori) + polls

      expect(maxConcurrent(calls)).toBe(1);
      // Token bucket: in any window W at most BURST + RATE·(W + TOKEN_VALIDITY_MS) calls start: a submission takes the
      // token of its second call (submit) with its first (request id) and may spend it up to 200 ms later (here
      // RATE · 0.2 s = 1 call); the bound is a whole number, so timing jitter at the window edges stays within it.
      for (const windowMs of [1000, 2000]) {
        expect(maxStartsWithin(calls, windowMs)).toBeLessThanOrEqual(Math.floor(BURST + (RATE * (windowMs + TOKEN_VALIDITY_MS)) / 1000));
      }
      const starts = calls.map((c) => c.start).sort((a, b) => a - b);
      const spanS = ((starts[starts.length - 1] as number) - (starts[0] as number)) / 1000;
      expect((calls.length - BURST) / spanS).toBeLessThanOrEqual(RATE * 1.1);
    }, 50_000);
  });
});
