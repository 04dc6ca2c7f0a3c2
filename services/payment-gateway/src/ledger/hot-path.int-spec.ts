import { randomInt, randomUUID } from 'node:crypto';
import { DataSource, type Logger as OrmLogger } from 'typeorm';
import { AuthRequested, createEnvelope, type EventEnvelope } from '@rcp/contracts';
import { NonRetryableError, OutboxService } from '@rcp/messaging';
import { RccsTransportError } from '@rcp/rccs-client';
import { createTestDatabase, type TestDatabase } from '@rcp/testing';
import type { RccsApi, RccsGateway } from '../rccs/rccs-gateway';
import { gatewayDataSourceOptions } from '../persistence/data-source';
import { RequestIntake, type PaymentRequestData } from '../operations/request-intake';
import { ResultWriter } from '../results/result-writer';
import type { OutboxPort } from '../results/outbox-port';
import { Submitter } from '../submission/submitter';
import { Poller } from '../polling/poller';
import { PollSignal } from '../polling/poll-signal';
import { ledger } from './ledger';

/**
 * Statements of the hot path against the real PostgreSQL (row locks, CTE semantics, foreign keys): intake, the
 * persist-and-attach of a card request and the finalization of a finished request, counted with a query logger
 * (START TRANSACTION and COMMIT count too).
 */

const SHOP = 'hot-shop';
const clock = { now: () => new Date() };
const creds = { shopUrl: 'u', userName: 'n', authKey: 'k' };
const exchange = { operation: 'getRCCSRequestId', endpoint: 'x', requestXml: '<x/>', responseXml: '<y/>', httpStatus: 200, durationMs: 1, startedAt: new Date().toISOString() };
const orderNo = () => `123456-20240105-${String(randomInt(10_000_000, 99_999_999))}`;

let db: TestDatabase;
let ds: DataSource;
let statements: string[] = [];

/** Runs `fn` and returns the statements it sent. */
async function counted(fn: () => Promise<unknown>): Promise<string[]> {
  statements = [];
  await fn();
  return statements.map((s) => s.replace(/\s+/g, ' ').trim());
}

/**
 * Outbox that records the envelopes written: `add` is not sent (one statement per call is counted here); statement
 * inserts are the real ones (part of the caller's statement) and record the events reported written.
 */
function recordingOutbox() {
  const events: EventEnvelope[] = [];
  const real = new OutboxService();
  const outbox: OutboxPort = {
    add: async (_m, e) => {
      statements.push('OUTBOX INSERT');
      events.push(...(Array.isArray(e) ? e : [e]));
    },
    prepareStatementInsert: (dataSource, e) => {
      const insert = real.prepareStatementInsert(dataSource, e);
      const list = Array.isArray(e) ? e : [e as EventEnvelope];
      return (
        insert && {
          rows: insert.rows,
          parameters: insert.parameters,
          sql: (param, onlyIf) => insert.sql(param, onlyIf),
          written: (ids) => {
            insert.written(ids);
            events.push(...list.filter((x) => !ids || ids.includes(x.id)));
          },
        }
      );
    },
  };
  return { outbox, events };
}

beforeAll(async () => {
  db = await createTestDatabase('gw_hot');
  const logger: OrmLogger = {
    logQuery: (q) => void statements.push(q),
    logQueryError: () => undefined,
    logQuerySlow: () => undefined,
    logSchemaBuild: () => undefined,
    logMigration: () => undefined,
    log: () => undefined,
  };
  ds = new DataSource({ ...gatewayDataSourceOptions(db.url), logger });
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
}, 60_000);

afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

function intake() {
  const { outbox, events } = recordingOutbox();
  const added: string[] = [];
  const batcher = { announce: () => () => undefined, add: async (_key: string, id: string) => (added.push(id), { kind: 'submitted' as const }) };
  const results = new ResultWriter(outbox, clock);
  const handler = new RequestIntake(ds, async () => true, batcher as never, results, clock);
  const delivery = { attempt: 1, maxAttempts: 3, replayed: false, parkingLot: 'parking' };
  const handle = (data: PaymentRequestData, d: Partial<typeof delivery> = {}) =>
    handler.handle(createEnvelope(AuthRequested, data as never, { shopId: SHOP }) as EventEnvelope<PaymentRequestData>, 'auth', { ...delivery, ...d });
  return { handle, added, events, handler, delivery };
}

const stateOf = async (operationId: string) =>
  ((await ds.query(`SELECT state FROM payment_operation WHERE operation_id = $1`, [operationId])) as { state: string }[])[0]?.state;

describe('intake (request-intake.ts)', () => {
  it('records a new operation in ONE statement (no transaction) and hands it to the batcher', async () => {
    const { handle, added } = intake();
    const operationId = randomUUID();
    const sent = await counted(() => handle({ operationId, orderNumber: orderNo(), amount: 1000, payType: 0 }));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^INSERT INTO payment_operation .* WHERE NOT EXISTS .* ON CONFLICT \(operation_id\) DO NOTHING RETURNING \*/);
    expect(added).toEqual([operationId]);
    expect(await stateOf(operationId)).toBe('pending');
  });

  it('keeps the outcomes: duplicate delivery, another operation of the order in progress, 0 yen, reused operationId, replay of a dead one', async () => {
    const { handle, added, events } = intake();
    const order = orderNo();
    const first = randomUUID();
    await handle({ operationId: first, orderNumber: order, amount: 1000, payType: 0 });
    // duplicate delivery of a pending operation: submitted by this delivery too (as before), nothing inserted twice
    await handle({ operationId: first, orderNumber: order, amount: 1000, payType: 0 }, { attempt: 2 });
    expect(added).toEqual([first, first]);
    expect(await ds.query(`SELECT count(*)::int AS n FROM payment_operation WHERE order_number = $1`, [order])).toEqual([{ n: 1 }]);

    // another auth of the same order while the first is open → AuthFailed at once, never sent
    const second = randomUUID();
    await handle({ operationId: second, orderNumber: order, amount: 1000, payType: 0 });
    expect(added).toEqual([first, first]);
    expect(await stateOf(second)).toBe('failed');
    expect(events.map((e) => [e.type, (e.data as { operationId: string }).operationId])).toEqual([['AuthFailed', second]]);

    // 0 yen → AuthFailed, no API call
    const zero = randomUUID();
    await handle({ operationId: zero, orderNumber: orderNo(), amount: 0, payType: 0 });
    expect(await stateOf(zero)).toBe('failed');
    expect(added).not.toContain(zero);

    // operationId reused for another order → parked
    await expect(handle({ operationId: first, orderNumber: orderNo(), amount: 1000, payType: 0 })).rejects.toBeInstanceOf(NonRetryableError);

    // in flight: a redelivery submits nothing; dead: only a replay re-arms it
    await ds.query(`UPDATE payment_operation SET state = 'in-flight' WHERE operation_id = $1`, [first]);
    await handle({ operationId: first, orderNumber: order, amount: 1000, payType: 0 }, { attempt: 2 });
    await ds.query(`UPDATE payment_operation SET state = 'dead' WHERE operation_id = $1`, [first]);
    await handle({ operationId: first, orderNumber: order, amount: 1000, payType: 0 }, { attempt: 2 });
    expect(added).toEqual([first, first]);
    await handle({ operationId: first, orderNumber: order, amount: 1000, payType: 0 }, { replayed: true });
    expect(added).toEqual([first, first, first]);
    expect(await stateOf(first)).toBe('pending');
  });
});

describe('intake of messages delivered together (pending-inserts.ts)', () => {
  it('records their new operations with ONE statement; a second operation of an order and a second delivery take the full path', async () => {
    const { handle, added, events } = intake();
    const orders = [orderNo(), orderNo(), orderNo()];
    const ids = orders.map(() => randomUUID());
    const rival = randomUUID(); // a second auth of orders[0] in the same delivery burst
    const sent = await counted(() =>
      Promise.all([
        ...orders.map((orderNumber, i) => handle({ operationId: ids[i]!, orderNumber, amount: 1000, payType: 0 })),
        handle({ operationId: rival, orderNumber: orders[0]!, amount: 1000, payType: 0 }),
        handle({ operationId: ids[1]!, orderNumber: orders[1]!, amount: 1000, payType: 0 }, { attempt: 2 }), // redelivered meanwhile
      ]),
    );
    const inserts = sent.filter((x) => /^INSERT INTO payment_operation .* FROM unnest/.test(x));
    expect(inserts).toHaveLength(1); // the group statement; the full paths use insertOperation
    expect(sent[0]).toBe(inserts[0]);
    for (const id of ids) expect(await stateOf(id)).toBe('pending');
    expect(await stateOf(rival)).toBe('failed'); // the first of the order won; the rival is answered, never sent
    expect(events.map((e) => [e.type, (e.data as { operationId: string }).operationId])).toEqual([['AuthFailed', rival]]);
    expect([...added].sort()).toEqual([...ids, ids[1]!].sort()); // the redelivery is submitted too (as one at a time)
    expect(await ds.query(`SELECT count(*)::int AS n FROM payment_operation WHERE order_number = ANY($1)`, [orders])).toEqual([{ n: 4 }]);
  });

  it('inserts each operation on its own when the group statement fails, so a bad row fails only its message', async () => {
    const { handle, added, handler, delivery } = intake();
    const good = randomUUID();
    const bad = randomUUID();
    // a correlation id longer than its column: a row the database refuses (the handler is called directly here, past the
    // consumer's envelope validation, which would have parked such a message)
    const badEnvelope = { ...createEnvelope(AuthRequested, { operationId: bad, orderNumber: orderNo(), amount: 1000, payType: 0 } as never, { shopId: SHOP }), correlationId: 'c'.repeat(200) };
    const results = await Promise.allSettled([
      handle({ operationId: good, orderNumber: orderNo(), amount: 1000, payType: 0 }),
      handler.handle(badEnvelope as EventEnvelope<PaymentRequestData>, 'auth', delivery),
    ]);
    expect(results[0].status).toBe('fulfilled');
    expect(results[1].status).toBe('rejected');
    expect(await stateOf(good)).toBe('pending');
    expect(await stateOf(bad)).toBeUndefined();
    expect(added).toEqual([good]);
  });
});

/** A card API that grants request ids and accepts every submission (or fails it with `submitError`). */
function fakeGateway(opts: { submitError?: Error; onSubmit?: () => void; onResultQuery?: (requestIds: number[]) => Promise<unknown> } = {}) {
  let nextId = randomInt(1_000_000, 9_000_000);
  const submitted: { requestId: number; orders: string[] }[] = [];
  const api = {
    getRCCSRequestId: async () => ({ ok: true, value: { requestId: ++nextId }, exchange }),
    authori: async (_c: unknown, requestId: number, items: { orderNumber: string }[]) => {
      opts.onSubmit?.();
      if (opts.submitError) throw opts.submitError;
      submitted.push({ requestId, orders: items.map((i) => i.orderNumber) });
      return { ok: true, value: {}, exchange };
    },
    getRCCSResult: async (_c: unknown, requestIds: number[]) => {
      if (!opts.onResultQuery) throw new Error('no getRCCSResult in this fake');
      return opts.onResultQuery(requestIds);
    },
  } as unknown as RccsApi;
  const call = async <T>(_shop: string, fn: (api: RccsApi, c: typeof creds) => Promise<T>, sink?: (e: unknown) => void) => {
    const r = await fn(api, creds);
    sink?.((r as { exchange: unknown }).exchange);
    return r;
  };
  const hold = <T>(_shop: string, _calls: number, fn: () => Promise<T>) => fn();
  return { gateway: { sync: call, submit: call, hold } as unknown as RccsGateway, submitted };
}

async function pendingOps(n: number, order?: string, state = 'pending'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = randomUUID();
    ids.push(id);
    await ds.query(
      `INSERT INTO payment_operation (operation_id, shop_id, order_number, kind, amount, pay_type, state, correlation_id, created_at)
       VALUES ($1, $2, $3, 'auth', 1000, 0, $4, 'c', now() + ($5::int * interval '1 millisecond'))`,
      [id, SHOP, order ?? orderNo(), state, i],
    );
  }
  return ids;
}

function submitter(gateway: RccsGateway) {
  const { outbox } = recordingOutbox();
  return new Submitter(ds, gateway, new ResultWriter(outbox, clock), clock, { attempts: 1, firstPollDelayMs: 100, submitLeaseMs: 60_000, pollSignal: new PollSignal() });
}

describe('submission (submitter.ts)', () => {
  it('persists the card request, its order numbers and the attached operations in ONE statement between request id and submit', async () => {
    let between: string[] = [];
    const { gateway, submitted } = fakeGateway({ onSubmit: () => (between = statements.map((x) => x.replace(/\s+/g, ' ').trim())) });
    const ids = await pendingOps(3);
    const sent = await counted(() => submitter(gateway).submitBatch(SHOP, 'auth', ids));
    expect(between).toHaveLength(1);
    expect(between[0]).toMatch(/^WITH locked AS .* FOR UPDATE .* INSERT INTO card_request .* UPDATE payment_operation/);
    expect(sent).toHaveLength(2); // + UPDATE card_request SET state = 'submitted'
    const [req] = (await ds.query(`SELECT id, state, order_numbers, rccs_request_id FROM card_request WHERE rccs_request_id = $1`, [submitted[0]!.requestId])) as {
      id: string;
      state: string;
      order_numbers: string[];
    }[];
    const ops = (await ds.query(`SELECT operation_id, order_number, state, card_request_id, attempts FROM payment_operation WHERE operation_id = ANY($1) ORDER BY created_at`, [ids])) as {
      order_number: string;
      state: string;
      card_request_id: string;
      attempts: number;
    }[];
    expect(req!.state).toBe('submitted');
    expect(req!.order_numbers).toEqual(ops.map((o) => o.order_number));
    expect(submitted[0]!.orders).toEqual(ops.map((o) => o.order_number));
    expect(ops.every((o) => o.state === 'in-flight' && o.card_request_id === req!.id && o.attempts === 1)).toBe(true);
  });

  it('puts one order at most once in a card request and reports the batch operations it cannot submit', async () => {
    const { gateway, submitted } = fakeGateway();
    const order = orderNo();
    const [a, b] = await pendingOps(2, order);
    const [done] = await pendingOps(1, undefined, 'succeeded');
    const [flying] = await pendingOps(1, undefined, 'in-flight');
    const outcomes = await submitter(gateway).submitBatch(SHOP, 'auth', [a!, b!, done!, flying!]);
    expect(outcomes.map((o) => o.kind)).toEqual(['submitted', 'retry', 'answered', 'owned']);
    expect(submitted).toHaveLength(1);
    expect(submitted[0]!.orders).toEqual([order]);
    expect(await stateOf(b!)).toBe('pending');
  });

  it('hands requeued operations back as requeued and pending ones as pending when the submit provably never left', async () => {
    const notSent = new RccsTransportError('connect', 'authori', 'connect ECONNREFUSED', false, exchange as never);
    const { gateway } = fakeGateway({ submitError: notSent });
    const [pending] = await pendingOps(1);
    const [requeued] = await pendingOps(1, undefined, 'requeued');
    const outcomes = await submitter(gateway).submitBatch(SHOP, 'auth', [pending!, requeued!]);
    expect(outcomes.map((o) => o.kind)).toEqual(['retry', 'retry']);
    expect(await stateOf(pending!)).toBe('pending');
    expect(await stateOf(requeued!)).toBe('requeued');
  });

  it('leaves the operations to the ledger (owned, not retried) when the poller resolved the unsure request before the submitter could', async () => {
    const unsure = new RccsTransportError('http-status', 'authori', 'SOAP fault (HTTP 500)', true, exchange as never);
    const { gateway } = fakeGateway({
      submitError: unsure,
      // while the submitter asks getRCCSResult, the poller (woken by the move to outcome-unknown) finds the request
      // unused and hands its operations to the resubmitter (as Poller.onStatus does)
      onResultQuery: async (requestIds) => {
        await ds.transaction(async (m) => {
          const [req] = (await m.query(`SELECT id FROM card_request WHERE rccs_request_id = $1`, [requestIds[0]])) as { id: string }[];
          expect(await ledger.moveCardRequest(m, req!.id, ['id-obtained', 'outcome-unknown'], 'not-registered', { note: 'request id unused' })).toBe(true);
          const ops = await ledger.operationsOf(m, req!.id, true);
          await ledger.detachOperations(m, req!.id, ops.map((o) => o.operation_id), 'not registered; resubmitting');
        });
        return { ok: true, value: { requests: [{ requestId: requestIds[0], status: 0, kind: 0, count: 0, errorCode: null, message: null, startDate: null, timeStamp: null, results: [] }] }, exchange };
      },
    });
    const ids = await pendingOps(2);
    const outcomes = await submitter(gateway).submitBatch(SHOP, 'auth', ids);
    // the message is acknowledged: the resubmitter owns the operations now (retrying it would submit them twice over)
    expect(outcomes.map((o) => o.kind)).toEqual(['owned', 'owned']);
    for (const id of ids) expect(await stateOf(id)).toBe('requeued');
  });

  it('attaches an operation to one card request only when two submissions race for it', async () => {
    const ids = await pendingOps(4);
    const persist = (rccsRequestId: number) => ledger.persistCardRequest(ds, { rccsRequestId, shopId: SHOP, kind: 'auth', leaseMs: 60_000, exchanges: [], operationIds: ids });
    const base = randomInt(10_000_000, 90_000_000);
    const results = await Promise.all([persist(base), persist(base + 1), persist(base + 2)]);
    const attached = results.flatMap((r) => r.attached.map((o) => o.operation_id));
    expect(attached.sort()).toEqual([...ids].sort());
    expect(results.filter((r) => r.request).length).toBe(1);
    // the losers wrote no card request and see the operations in flight
    for (const r of results.filter((x) => !x.request)) expect(r.others.map((o) => o.state)).toEqual(['in-flight', 'in-flight', 'in-flight', 'in-flight']);
    expect(await ds.query(`SELECT count(*)::int AS n FROM card_request WHERE rccs_request_id IN ($1, $2, $3)`, [base, base + 1, base + 2])).toEqual([{ n: 1 }]);
  });
});

describe('finalization (poller.ts)', () => {
  async function submittedRequest(n: number) {
    const { gateway, submitted } = fakeGateway();
    const ids = await pendingOps(n);
    await submitter(gateway).submitBatch(SHOP, 'auth', ids);
    const requestId = submitted[0]!.requestId;
    await ds.query(`UPDATE card_request SET next_poll_at = now() - interval '1 second' WHERE rccs_request_id = $1`, [requestId]);
    await ds.query(`UPDATE card_request SET next_poll_at = now() + interval '1 hour' WHERE rccs_request_id <> $1`, [requestId]);
    return { ids, requestId, orders: submitted[0]!.orders };
  }

  /** A poller whose card API reports the request finished; `duringPoll` runs while the poll's HTTP call would be out. */
  function poller(requestId: number, orders: string[], duringPoll: () => Promise<unknown> = async () => undefined) {
    const row = (orderNumber: string) => ({ orderNumber, errorCode: 'RCCS_N00-000', ccsErrorCode: '000000', cardStatus: 12, price: 1000, results: [] });
    const api = {
      getRCCSResult: async () => {
        await duringPoll();
        return {
          ok: true,
          value: { requests: [{ requestId, status: 3, kind: 1, count: orders.length, errorCode: null, message: null, startDate: null, timeStamp: null, results: orders.map(row) }] },
          exchange,
        };
      },
    } as unknown as RccsApi;
    const call = async <T>(_shop: string, fn: (a: RccsApi, c: typeof creds) => Promise<T>, sink?: (e: unknown) => void) => {
      const r = await fn(api, creds);
      sink?.((r as { exchange: unknown }).exchange);
      return r;
    };
    const { outbox, events } = recordingOutbox();
    const p = new Poller(ds, { sync: call } as unknown as RccsGateway, new ResultWriter(outbox, clock), clock, {
      idsPerQuery: 100,
      claimLeaseMs: 60_000,
      firstDelayMs: 100,
      backoffFactor: 2,
      maxDelayMs: 1000,
    });
    return { p, events };
  }

  const rethrow = (_shop: string, err: unknown) => {
    throw err;
  };

  const outboxRows = async (events: EventEnvelope[]) =>
    ((await ds.query(`SELECT count(*)::int AS n FROM outbox_message WHERE id = ANY($1::uuid[])`, [events.map((e) => e.id)])) as { n: number }[])[0]!.n;

  it('claims a request with its operations, then completes it, answers them and queues their events in ONE statement (no transaction)', async () => {
    const { ids, requestId, orders } = await submittedRequest(2);
    const { p, events } = poller(requestId, orders);
    const sent = await counted(() => p.pollDue([SHOP], rethrow));
    expect(sent[0]).toMatch(/^UPDATE card_request c SET next_poll_at .* RETURNING c\.\*, \(SELECT .* FROM payment_operation p WHERE p\.card_request_id = c\.id AND p\.state = 'in-flight'\) AS operations$/);
    expect(sent.slice(1)).toHaveLength(1);
    expect(sent[1]).toMatch(/^WITH moved AS \(UPDATE card_request SET state .* fin AS \( UPDATE payment_operation .* ob AS \(INSERT INTO outbox_message .* SELECT operation_id FROM fin$/);
    expect(events.map((e) => e.type)).toEqual(['AuthCompleted', 'AuthCompleted']);
    expect(await outboxRows(events)).toBe(2);
    const [req] = (await ds.query(`SELECT state, poll_count, completed_at, timeline FROM card_request WHERE rccs_request_id = $1`, [requestId])) as {
      state: string;
      poll_count: number;
      completed_at: Date | null;
      timeline: { state: string }[];
    }[];
    expect(req).toMatchObject({ state: 'completed', poll_count: 1 });
    expect(req!.completed_at).not.toBeNull();
    expect(req!.timeline.map((t) => t.state)).toEqual(['id-obtained', 'submitted', 'completed']);
    for (const id of ids) expect(await stateOf(id)).toBe('succeeded');
  });

  it('claims the due requests of all shops in ONE statement and asks each shop about its own; a shop with nothing due costs nothing', async () => {
    const a = await submittedRequest(1);
    const { gateway, submitted } = fakeGateway();
    const otherIds = await pendingOps(2);
    await submitter(gateway).submitBatch(SHOP, 'auth', otherIds);
    const b = { requestId: submitted[0]!.requestId, orders: submitted[0]!.orders };
    // the second request belongs to another shop, and both are due
    await ds.query(`UPDATE card_request SET shop_id = 'shop-b', next_poll_at = now() - interval '1 second' WHERE rccs_request_id = $1`, [b.requestId]);
    await ds.query(`UPDATE payment_operation SET shop_id = 'shop-b' WHERE operation_id = ANY($1::uuid[])`, [otherIds]);
    const ordersOf = new Map([
      [a.requestId, a.orders],
      [b.requestId, b.orders],
    ]);
    const asked: [string, number[]][] = [];
    const api = {
      getRCCSResult: async (_c: unknown, ids: number[]) => ({
        ok: true,
        value: {
          requests: ids.map((requestId) => ({
            requestId, status: 3, kind: 1, count: 1, errorCode: null, message: null, startDate: null, timeStamp: null,
            results: (ordersOf.get(requestId) ?? []).map((orderNumber) => ({ orderNumber, errorCode: 'RCCS_N00-000', ccsErrorCode: '000000', cardStatus: 12, price: 1000, results: [] })),
          })),
        },
        exchange,
      }),
    } as unknown as RccsApi;
    const call = async <T>(shop: string, fn: (x: RccsApi, c: typeof creds) => Promise<T>) => {
      const r = await fn(
        { getRCCSResult: async (c: unknown, ids: number[]) => (asked.push([shop, ids]), (api as unknown as { getRCCSResult: (c: unknown, ids: number[]) => Promise<T> }).getRCCSResult(c, ids)) } as unknown as RccsApi,
        creds,
      );
      return r;
    };
    const { outbox, events } = recordingOutbox();
    const p = new Poller(ds, { sync: call } as unknown as RccsGateway, new ResultWriter(outbox, clock), clock, { idsPerQuery: 100, claimLeaseMs: 60_000, firstDelayMs: 100, backoffFactor: 2, maxDelayMs: 1000 });
    const sent = await counted(() => p.pollDue([SHOP, 'shop-b', 'shop-idle'], rethrow));
    expect(sent.filter((q) => /^UPDATE card_request c SET next_poll_at/.test(q))).toHaveLength(1);
    expect(asked.sort()).toEqual([
      ['shop-b', [b.requestId]],
      [SHOP, [a.requestId]],
    ].sort());
    expect(events).toHaveLength(3);
    for (const id of [...a.ids, ...otherIds]) expect(await stateOf(id)).toBe('succeeded');
  });

  it('writes nothing for a request closed meanwhile, and no second event for an operation settled meanwhile', async () => {
    const { ids, requestId, orders } = await submittedRequest(2);
    const closeIt = () => ds.query(`UPDATE card_request SET state = 'completed' WHERE rccs_request_id = $1`, [requestId]);
    const first = poller(requestId, orders, closeIt);
    await first.p.pollDue([SHOP], rethrow);
    expect(first.events).toEqual([]);
    expect(await stateOf(ids[0]!)).toBe('in-flight');
    expect(await stateOf(ids[1]!)).toBe('in-flight');

    await ds.query(`UPDATE card_request SET state = 'submitted', next_poll_at = now() - interval '1 second' WHERE rccs_request_id = $1`, [requestId]);
    const settleFirst = () => ds.query(`UPDATE payment_operation SET state = 'succeeded' WHERE operation_id = $1`, [ids[0]]);
    const second = poller(requestId, orders, settleFirst);
    await second.p.pollDue([SHOP], rethrow);
    expect(second.events.map((e) => (e.data as { operationId: string }).operationId)).toEqual([ids[1]]);
    expect(await outboxRows(second.events)).toBe(1);
    const [{ n }] = (await ds.query(`SELECT count(*)::int AS n FROM outbox_message WHERE payload->'data'->>'operationId' = $1`, [ids[0]])) as { n: number }[];
    expect(n).toBe(0);
  });
});

describe('ledger.nextDue', () => {
  it('tells the earliest due poll and the earliest due resubmission apart, in one statement', async () => {
    await ds.query(`UPDATE card_request SET state = 'completed'`);
    await ds.query(`UPDATE payment_operation SET state = 'failed' WHERE state = 'requeued'`);
    expect(await ledger.nextDue(ds)).toEqual({ pollMs: null, requeuedMs: null });
    const [op] = await pendingOps(1, undefined, 'requeued');
    await ds.query(`UPDATE payment_operation SET next_attempt_at = now() + interval '10 second' WHERE operation_id = $1`, [op]);
    const sent = await counted(async () => {
      const due = await ledger.nextDue(ds);
      expect(due.pollMs).toBeNull();
      expect(due.requeuedMs).toBeGreaterThan(9_000);
    });
    expect(sent).toHaveLength(1);
  });
});
