import { checkInvariants, type BusEvent, type Observation } from './invariants';

const A = '338459-20240105-00000001';
const B = '338459-20240105-00000002';
const OP_AUTH_A = '11111111-1111-4111-8111-111111111111';
const OP_CAP_A = '22222222-2222-4222-8222-222222222222';
const OP_AUTH_B = '33333333-3333-4333-8333-333333333333';

const ev = (id: string, type: string, data: Record<string, unknown>): BusEvent => ({ id, type, data });

/** A clean run: A authorized and captured, B declined and notified, one poison message parked. */
function clean(): Observation {
  return {
    orders: [
      { orderNumber: A, amount: 1200, expect: 'captured', finalTag: '売上請求済' },
      { orderNumber: B, amount: 9999, expect: 'auth-declined', finalTag: 'オーソリエラー' },
    ],
    ledger: [
      { seq: 1, op: 'authori', requestId: 200000001, orderNumber: A, amount: 1200, errorCode: 'RCCS_N00-000' },
      { seq: 2, op: 'authori', requestId: 200000001, orderNumber: B, amount: 9999, errorCode: 'RCCS_E22-822' },
      { seq: 3, op: 'sales', requestId: 200000002, orderNumber: A, amount: 1200, errorCode: 'RCCS_N00-000' },
    ],
    events: [
      ev('e1', 'AuthRequested', { operationId: OP_AUTH_A, orderNumber: A, amount: 1200 }),
      ev('e2', 'AuthRequested', { operationId: OP_AUTH_B, orderNumber: B, amount: 9999 }),
      ev('e3', 'AuthCompleted', { operationId: OP_AUTH_A, orderNumber: A }),
      ev('e4', 'AuthFailed', { operationId: OP_AUTH_B, orderNumber: B }),
      ev('e4', 'AuthFailed', { operationId: OP_AUTH_B, orderNumber: B }), // redelivered: absorbed
      ev('e5', 'CaptureRequested', { operationId: OP_CAP_A, orderNumber: A, amount: 1200 }),
      ev('e6', 'CaptureCompleted', { operationId: OP_CAP_A, orderNumber: A }),
    ],
    notifications: [{ eventId: 'e4', eventType: 'AuthFailed' }],
    parked: [{ queue: 'p.order-service.dlq', messageId: 'poison-1', code: 'not-json' }],
    expectedParked: [{ queue: 'p.order-service.dlq', messageId: 'poison-1' }],
    queues: [
      { queue: 'p.order-service', ready: 0, unacked: 0 },
      { queue: 'p.order-service.dlq', ready: 1, unacked: 0 },
    ],
    crashes: [],
    logs: [{ service: 'payment-gateway', text: 'all fine, key ********0001' }],
    secrets: ['CANARY-KEY-abc'],
  };
}

const invariantsOf = (o: Observation) => checkInvariants(o).violations.map((v) => v.invariant);

describe('checkInvariants', () => {
  it('passes a clean run and counts what happened', () => {
    const r = checkInvariants(clean());
    expect(r.violations).toEqual([]);
    expect(r.stats).toEqual({ orders: 2, completed: 2, manualReview: 0, lost: 0, duplicatedEffects: 0, absorbedDuplicates: 1, parked: 1 });
  });

  it('reports an order stuck in progress and one in the wrong terminal state', () => {
    const o = clean();
    o.orders[0] = { ...o.orders[0]!, finalTag: '売上請求中' };
    o.orders[1] = { ...o.orders[1]!, finalTag: 'オーソリ済' };
    expect(invariantsOf(o)).toEqual(expect.arrayContaining(['every order reaches its terminal state within the bound', 'every order reaches the expected terminal state']));
    expect(checkInvariants(o).stats.lost).toBe(1);
  });

  it('allows an in-progress order only where manual review is allowed, and counts it', () => {
    const o = clean();
    o.orders[0] = { ...o.orders[0]!, expect: 'manual-review-allowed', finalTag: '売上請求中' };
    o.events = o.events.filter((e) => e.type !== 'CaptureCompleted');
    const r = checkInvariants(o);
    expect(r.violations).toEqual([]);
    expect(r.stats.manualReview).toBe(1);
  });

  it('reports a missing order', () => {
    const o = clean();
    o.orders[0] = { ...o.orders[0]!, finalTag: null };
    expect(invariantsOf(o)).toContain('every order exists in order-service');
  });

  it('reports two successful authorizations for one authorize request', () => {
    const o = clean();
    o.ledger.push({ seq: 4, op: 'authori', requestId: 200000003, orderNumber: A, amount: 1200, errorCode: 'RCCS_N00-000' });
    const r = checkInvariants(o);
    expect(r.violations.map((v) => v.invariant)).toContain('at most one successful authorization per authorize request');
    expect(r.stats.duplicatedEffects).toBe(1);
  });

  it('reports two captures of one order', () => {
    const o = clean();
    o.ledger.push({ seq: 5, op: 'sales', requestId: 200000004, orderNumber: A, amount: 1200, errorCode: 'RCCS_N00-000' });
    expect(invariantsOf(o)).toContain('at most one capture per order');
  });

  it('reports a capture without an authorization', () => {
    const o = clean();
    o.ledger = o.ledger.filter((e) => !(e.op === 'authori' && e.orderNumber === A));
    expect(invariantsOf(o)).toContain('no capture without authorization');
  });

  it('reports an amount that does not match the order', () => {
    const o = clean();
    o.ledger[2] = { ...o.ledger[2]!, amount: 1100 };
    expect(invariantsOf(o)).toContain('amounts match');
  });

  it('reports a request without a result (lost event)', () => {
    const o = clean();
    o.events = o.events.filter((e) => e.type !== 'CaptureCompleted');
    const r = checkInvariants(o);
    expect(r.violations.map((v) => v.invariant)).toContain('every request has exactly one result (none lost)');
    expect(r.stats.lost).toBe(1);
  });

  it('reports a request with two distinct results', () => {
    const o = clean();
    o.events.push(ev('e7', 'CaptureCompleted', { operationId: OP_CAP_A, orderNumber: A }));
    expect(invariantsOf(o)).toContain('every request has exactly one result (no second result)');
  });

  it('counts an injected copy as absorbed, not as a second result', () => {
    const o = clean();
    o.events.push({ ...ev('e6', 'CaptureCompleted', { operationId: OP_CAP_A, orderNumber: A }), injected: true });
    const r = checkInvariants(o);
    expect(r.violations).toEqual([]);
    expect(r.stats.absorbedDuplicates).toBe(2);
  });

  it('reports a failure without a notification and one notified twice', () => {
    const missing = clean();
    missing.notifications = [];
    expect(invariantsOf(missing)).toContain('every failure has exactly one notification (none missing)');
    const twice = clean();
    twice.events.push(ev('e8', 'AuthFailed', { operationId: OP_AUTH_B, orderNumber: B }));
    twice.notifications.push({ eventId: 'e8', eventType: 'AuthFailed' });
    expect(invariantsOf(twice)).toEqual(expect.arrayContaining(['every failure has exactly one notification (no repeat)', 'every request has exactly one result (no second result)']));
  });

  it('covers PaymentRequestDeadLettered as the result and the failure of the requests it names', () => {
    const o = clean();
    o.orders[1] = { ...o.orders[1]!, expect: 'dead-lettered' };
    o.events = o.events.filter((e) => e.type !== 'AuthFailed');
    o.events.push(ev('e9', 'PaymentRequestDeadLettered', { operationIds: [OP_AUTH_B], reason: 'HTTP 500' }));
    o.notifications = [{ eventId: 'e9', eventType: 'PaymentRequestDeadLettered' }];
    o.parked.push({ queue: 'p.payment-gateway.dlq', messageId: 'e2' });
    o.expectedParked.push({ queue: 'p.payment-gateway.dlq', messageId: 'e2' });
    expect(checkInvariants(o).violations).toEqual([]);
  });

  it('reports a parked message that is not poison and a poison message that was not parked', () => {
    const o = clean();
    o.parked = [{ queue: 'p.order-service.dlq', messageId: 'e3', code: 'max-attempts' }];
    expect(invariantsOf(o)).toEqual(
      expect.arrayContaining(['parking lots hold exactly the poison messages (nothing else)', 'parking lots hold exactly the poison messages (every poison parked)']),
    );
  });

  it('reports stranded and unacked messages but not the parking lots', () => {
    const o = clean();
    o.queues.push({ queue: 'p.order-service.retry.1', ready: 2, unacked: 0 }, { queue: 'p.payment-gateway', ready: 0, unacked: 3 });
    const v = checkInvariants(o).violations.find((x) => x.invariant === 'no unacked or stranded messages after settling');
    expect(v?.detail).toContain('retry.1: 2 ready');
    expect(v?.detail).toContain('payment-gateway: 0 ready, 3 unacked');
    expect(v?.detail).not.toContain('.dlq');
  });

  it('reports a crashed service', () => {
    const o = clean();
    o.crashes.push({ service: 'order-service', detail: 'exit code 1' });
    expect(invariantsOf(o)).toContain('no service crashed');
  });

  it('reports a canary secret in a log without echoing it', () => {
    const o = clean();
    o.logs.push({ service: 'rccs-simulator', text: 'auth failed for CANARY-KEY-abc' });
    const v = checkInvariants(o).violations.find((x) => x.invariant === 'no secret in any log');
    expect(v?.detail).toContain('rccs-simulator');
    expect(v?.detail).not.toContain('CANARY-KEY-abc');
  });

  it('reports HTTP findings', () => {
    const o = clean();
    o.httpFindings = ['POST /shops/x/orders with malformed JSON → 500'];
    expect(invariantsOf(o)).toContain('HTTP API answers bad input with 4xx (never 5xx, never accepts bad auth)');
  });
});
