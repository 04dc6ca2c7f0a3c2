/**
 * The invariants the chaos suite checks after every scenario, as a pure function over what was observed: the orders
 * we drove (and their final state in order-service), the simulator's ledger of applied operations, every event seen
 * on the exchange, the webhook notifications received, the parking lots, queue depths, process exits and logs.
 */

/** What an order should end as once the faults have cleared. */
export type Expectation =
  /** authorized, shipped, captured: tag 売上請求済 */
  | 'captured'
  /** declined by the card company: tag オーソリエラー, one AuthFailed, one notification */
  | 'auth-declined'
  /** the card API keeps failing for this order: parked request, PaymentRequestDeadLettered, error tag, one notification */
  | 'dead-lettered'
  /** the outcome cannot be known (e.g. the card API keeps it in progress): an in-progress tag is allowed and counted */
  | 'manual-review-allowed';

export const TERMINAL_TAG: Record<Exclude<Expectation, 'manual-review-allowed'>, string[]> = {
  captured: ['売上請求済'],
  'auth-declined': ['オーソリエラー'],
  'dead-lettered': ['オーソリエラー', '売上請求エラー'],
};
/** Tags that mean "an operation is still in progress". */
export const IN_PROGRESS_TAGS = ['オーソリ中', '売上請求中', 'オーソリ取消中', '売上請求取消中'];

export interface TrackedOrder {
  orderNumber: string;
  amount: number;
  expect: Expectation;
  /** Payment tag read from order-service at the end; null when the order is missing. */
  finalTag: string | null;
}

/** One row of the simulator's ledger (GET /admin/ledger). */
export interface LedgerEntry {
  seq?: number;
  time?: string;
  op: string;
  requestId: number;
  orderNumber: string;
  amount?: number | null;
  errorCode?: string | null;
}

/** One delivery of a message to the chaos queue bound to `#` (duplicates included). */
export interface BusEvent {
  /** envelope id (or AMQP message id for unparsable bodies) */
  id: string;
  type: string;
  data: Record<string, unknown>;
  /** true when the chaos runner itself re-published this copy (injected duplicate) */
  injected?: boolean;
}

/** One webhook POST received from notification-service. */
export interface Notification {
  eventId: string;
  eventType: string;
}

export interface ParkedRef {
  queue: string;
  messageId: string;
  code?: string;
  type?: string;
  reason?: string;
}

export interface QueueDepth {
  queue: string;
  ready: number;
  unacked: number;
}

export interface Observation {
  orders: TrackedOrder[];
  ledger: LedgerEntry[];
  events: BusEvent[];
  notifications: Notification[];
  parked: ParkedRef[];
  /** what the parking lots must hold: the poison messages (and requests parked on purpose) */
  expectedParked: ParkedRef[];
  queues: QueueDepth[];
  /** processes that exited without us killing them: service → how */
  crashes: { service: string; detail: string }[];
  logs: { service: string; text: string }[];
  /** values that must never appear in any log (canary keys) */
  secrets: string[];
  /** HTTP fuzz findings (5xx, wrong status for bad auth, …) */
  httpFindings?: string[];
}

export interface Violation {
  invariant: string;
  detail: string;
}

export interface Stats {
  orders: number;
  completed: number;
  manualReview: number;
  lost: number;
  duplicatedEffects: number;
  absorbedDuplicates: number;
  parked: number;
}

export interface CheckResult {
  stats: Stats;
  violations: Violation[];
}

const REQUEST_TYPES = ['AuthRequested', 'CaptureRequested'];
const RESULT_TYPES: Record<string, string[]> = {
  AuthRequested: ['AuthCompleted', 'AuthFailed'],
  CaptureRequested: ['CaptureCompleted', 'CaptureFailed'],
};
const FAILURE_TYPES = ['AuthFailed', 'CaptureFailed', 'PaymentRequestDeadLettered'];

/** A ledger row is a success when its error code is empty or a normal-end/warning code (N00/W00). */
export function ledgerSuccess(e: LedgerEntry): boolean {
  return !e.errorCode || /_(N|W)\d\d-/.test(e.errorCode);
}

const MAX_DETAILS = 8;

/** Checks every invariant; each violated invariant is reported with concrete evidence. */
export function checkInvariants(o: Observation): CheckResult {
  const violations: Violation[] = [];
  const report = (invariant: string, items: string[], max = MAX_DETAILS) => {
    if (items.length === 0) return;
    const shown = items.slice(0, max).join('; ');
    violations.push({ invariant, detail: items.length > max ? `${items.length} cases, e.g. ${shown}` : shown });
  };
  const ours = new Set(o.orders.map((x) => x.orderNumber));

  // --- deliveries seen on the exchange: de-duplicate by message id, count duplicates -----------------------------
  const seen = new Map<string, BusEvent>();
  let absorbedDuplicates = 0;
  for (const e of o.events) {
    if (seen.has(e.id)) absorbedDuplicates++;
    else if (!e.injected) seen.set(e.id, e);
  }
  const unique = [...seen.values()];
  const orderOf = (e: BusEvent) => (typeof e.data.orderNumber === 'string' ? e.data.orderNumber : undefined);

  // --- every request has exactly one result ------------------------------------------------------------------------
  const requests = unique.filter((e) => REQUEST_TYPES.includes(e.type) && ours.has(orderOf(e) ?? ''));
  const resultsByOp = new Map<string, BusEvent[]>();
  for (const e of unique) {
    const ids = e.type === 'PaymentRequestDeadLettered' ? ((e.data.operationIds as string[] | undefined) ?? []) : [e.data.operationId];
    for (const id of ids) {
      if (typeof id !== 'string') continue;
      if (!resultsByOp.has(id)) resultsByOp.set(id, []);
      resultsByOp.get(id)?.push(e);
    }
  }
  const expectationOf = new Map(o.orders.map((x) => [x.orderNumber, x.expect]));
  const lostResults: string[] = [];
  const doubleResults: string[] = [];
  const requestOps = new Map<string, string>(); // operationId → request type
  for (const r of requests) {
    const operationId = String(r.data.operationId);
    if (requestOps.has(operationId)) continue; // two messages for one operation: one operation
    requestOps.set(operationId, r.type);
    const results = (resultsByOp.get(operationId) ?? []).filter((x) => x.type === 'PaymentRequestDeadLettered' || RESULT_TYPES[r.type]?.includes(x.type));
    const manual = expectationOf.get(orderOf(r) ?? '') === 'manual-review-allowed';
    if (results.length === 0 && !manual) lostResults.push(`${r.type} ${operationId} (order ${orderOf(r)}) has no result`);
    if (results.length > 1) doubleResults.push(`${r.type} ${operationId} (order ${orderOf(r)}) has ${results.length} results: ${results.map((x) => `${x.type}#${x.id.slice(0, 8)}`).join(', ')}`);
  }
  report('every request has exactly one result (none lost)', lostResults);
  report('every request has exactly one result (no second result)', doubleResults);

  // --- terminal states ---------------------------------------------------------------------------------------------
  let completed = 0;
  let manualReview = 0;
  const notTerminal: string[] = [];
  const wrongTerminal: string[] = [];
  const missing: string[] = [];
  for (const order of o.orders) {
    if (order.finalTag === null) {
      missing.push(order.orderNumber);
      continue;
    }
    if (order.expect === 'manual-review-allowed') {
      if (IN_PROGRESS_TAGS.includes(order.finalTag)) manualReview++;
      else completed++;
      continue;
    }
    if (TERMINAL_TAG[order.expect].includes(order.finalTag)) completed++;
    else if (IN_PROGRESS_TAGS.includes(order.finalTag)) notTerminal.push(`${order.orderNumber} still ${order.finalTag} (expected ${order.expect})`);
    else wrongTerminal.push(`${order.orderNumber} ended ${order.finalTag} (expected ${order.expect})`);
  }
  report('every order exists in order-service', missing.map((n) => `${n} missing`));
  report('every order reaches its terminal state within the bound', notTerminal);
  report('every order reaches the expected terminal state', wrongTerminal);

  // --- simulator ledger ---------------------------------------------------------------------------------------------
  const requestCount = new Map<string, number>(); // `${order}|auth` → number of distinct request operations
  for (const [operationId, type] of requestOps) {
    const req = requests.find((r) => r.data.operationId === operationId);
    const key = `${orderOf(req as BusEvent)}|${type === 'AuthRequested' ? 'auth' : 'capture'}`;
    requestCount.set(key, (requestCount.get(key) ?? 0) + 1);
  }
  const amountOf = new Map(o.orders.map((x) => [x.orderNumber, x.amount]));
  const byOrder = new Map<string, LedgerEntry[]>();
  for (const e of o.ledger) {
    if (!ours.has(e.orderNumber)) continue;
    if (!byOrder.has(e.orderNumber)) byOrder.set(e.orderNumber, []);
    byOrder.get(e.orderNumber)?.push(e);
  }
  const doubleAuth: string[] = [];
  const doubleCapture: string[] = [];
  const captureWithoutAuth: string[] = [];
  const amountMismatch: string[] = [];
  let duplicatedEffects = 0;
  for (const [orderNumber, entries] of byOrder) {
    // request ids only grow, and items of one request are applied in order (seq)
    const order = (e: LedgerEntry) => e.requestId * 10_000 + (e.seq ?? 0);
    const sorted = [...entries].sort((a, b) => order(a) - order(b));
    const auths = sorted.filter((e) => e.op === 'authori' && ledgerSuccess(e));
    const sales = sorted.filter((e) => e.op === 'sales' && ledgerSuccess(e));
    const allowedAuths = Math.max(1, requestCount.get(`${orderNumber}|auth`) ?? 0);
    if (auths.length > allowedAuths) {
      duplicatedEffects += auths.length - allowedAuths;
      doubleAuth.push(`${orderNumber}: ${auths.length} successful authori for ${allowedAuths} request(s) (request ids ${auths.map((a) => a.requestId).join(', ')})`);
    }
    if (sales.length > 1) {
      duplicatedEffects += sales.length - 1;
      doubleCapture.push(`${orderNumber}: ${sales.length} successful sales (request ids ${sales.map((a) => a.requestId).join(', ')})`);
    }
    for (const s of sales) {
      const authBefore = auths.some((a) => order(a) < order(s));
      if (!authBefore) captureWithoutAuth.push(`${orderNumber}: sales in request ${s.requestId} without an earlier successful authori`);
    }
    const amount = amountOf.get(orderNumber);
    for (const e of [...auths, ...sales]) {
      if (e.amount !== undefined && e.amount !== null && e.amount !== amount) amountMismatch.push(`${orderNumber}: ${e.op} amount ${e.amount} ≠ order amount ${amount}`);
    }
  }
  report('at most one successful authorization per authorize request', doubleAuth);
  report('at most one capture per order', doubleCapture);
  report('no capture without authorization', captureWithoutAuth);
  report('amounts match', amountMismatch);
  duplicatedEffects += doubleResults.length;

  // --- every failure exactly one notification ------------------------------------------------------------------------
  const notifiedById = new Map<string, number>();
  for (const n of o.notifications) notifiedById.set(n.eventId, (notifiedById.get(n.eventId) ?? 0) + 1);
  const failureOps = new Map<string, BusEvent[]>(); // incident (type + operation) → distinct failure events
  for (const e of unique) {
    if (!FAILURE_TYPES.includes(e.type)) continue;
    const ops = e.type === 'PaymentRequestDeadLettered' ? ((e.data.operationIds as string[] | undefined) ?? []) : [String(e.data.operationId)];
    const relevant = e.type === 'PaymentRequestDeadLettered' ? ops.some((id) => requestOps.has(id)) : ours.has(orderOf(e) ?? '');
    if (!relevant) continue;
    const key = `${e.type}|${[...ops].sort().join(',')}`;
    if (!failureOps.has(key)) failureOps.set(key, []);
    failureOps.get(key)?.push(e);
  }
  const unnotified: string[] = [];
  const overNotified: string[] = [];
  for (const [key, events] of failureOps) {
    const notified = events.filter((e) => notifiedById.has(e.id));
    if (notified.length === 0) unnotified.push(`${key.split('|')[0]} for ${key.split('|')[1]} (event ${events[0]?.id}) was never notified`);
    if (notified.length > 1) overNotified.push(`${key.split('|')[0]} for ${key.split('|')[1]} notified ${notified.length} times (events ${notified.map((e) => e.id).join(', ')})`);
  }
  report('every failure has exactly one notification (none missing)', unnotified);
  report('every failure has exactly one notification (no repeat)', overNotified);
  for (const count of notifiedById.values()) if (count > 1) absorbedDuplicates += count - 1;

  // --- parking lots hold exactly the poison messages ------------------------------------------------------------------
  const key = (p: ParkedRef) => `${p.queue}|${p.messageId}`;
  const expected = new Set(o.expectedParked.map(key));
  const actual = new Map<string, ParkedRef>();
  for (const p of o.parked) actual.set(key(p), p);
  const unexpectedParked = [...actual.values()].filter((p) => !expected.has(key(p))).map((p) => `${p.queue} holds ${p.type ?? 'a message'} ${p.messageId} (${p.code ?? 'no code'}: ${(p.reason ?? '').slice(0, 200)}) that is not poison`);
  const notParked = o.expectedParked.filter((p) => !actual.has(key(p))).map((p) => `${p.messageId} (${p.code ?? 'poison'}) not parked in ${p.queue}`);
  report('parking lots hold exactly the poison messages (nothing else)', unexpectedParked);
  report('parking lots hold exactly the poison messages (every poison parked)', notParked);

  // --- no unacked or stranded messages ---------------------------------------------------------------------------------
  report(
    'no unacked or stranded messages after settling',
    o.queues.filter((q) => !q.queue.endsWith('.dlq') && (q.ready > 0 || q.unacked > 0)).map((q) => `${q.queue}: ${q.ready} ready, ${q.unacked} unacked`),
  );

  // --- no crash, no secret in logs, HTTP ---------------------------------------------------------------------------------
  report('no service crashed', o.crashes.map((c) => `${c.service}: ${c.detail}`));
  const leaks: string[] = [];
  for (const log of o.logs) {
    for (const secret of o.secrets) {
      const at = log.text.indexOf(secret);
      if (at >= 0) leaks.push(`${log.service} logged a canary secret: …${log.text.slice(Math.max(0, at - 80), at).replace(/\s+/g, ' ')}<secret>…`);
    }
  }
  report('no secret in any log', leaks);
  report('HTTP API answers bad input with 4xx (never 5xx, never accepts bad auth)', o.httpFindings ?? [], 40);

  const lost = lostResults.length + missing.length + notTerminal.length;
  return {
    stats: {
      orders: o.orders.length,
      completed,
      manualReview,
      lost,
      duplicatedEffects,
      absorbedDuplicates,
      parked: o.parked.length,
    },
    violations,
  };
}
