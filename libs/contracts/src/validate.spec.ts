import { randomUUID } from 'node:crypto';
import { AuthRequested, CaptureCompleted } from './index';
import { ContractViolationError, createEnvelope, causedBy, isCreatedEnvelope } from './create-envelope';
import { EVENT_CATALOGUE } from './catalogue';
import { findCardNumberLike, MAX_MESSAGE_BYTES, validateEnvelope } from './validate';

const authData = () => ({ operationId: randomUUID(), orderNumber: '338459-20180531-00000703', amount: 1200, payType: 0 });

describe('validateEnvelope', () => {
  it('accepts a well-formed event and returns its contract', () => {
    const env = createEnvelope(AuthRequested, authData(), { shopId: 'demo-shop' });
    const result = validateEnvelope(Buffer.from(JSON.stringify(env)));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.contract).toBe(AuthRequested);
  });

  it.each([
    ['not JSON', Buffer.from('{nope'), 'not-json'],
    ['a JSON array', Buffer.from('[]'), 'invalid-envelope'],
    ['an oversized body', Buffer.alloc(MAX_MESSAGE_BYTES + 1, 32), 'too-large'],
  ])('rejects %s', (_label, raw, code) => {
    const result = validateEnvelope(raw);
    expect(result).toMatchObject({ ok: false, code });
  });

  const base = () => createEnvelope(AuthRequested, authData(), { shopId: 'demo-shop' }) as unknown as Record<string, any>;

  it('rejects an unknown type and an unknown version of a known type', () => {
    expect(validateEnvelope({ ...base(), type: 'SomethingElse' })).toMatchObject({ ok: false, code: 'unknown-type' });
    expect(validateEnvelope({ ...base(), version: 9 })).toMatchObject({ ok: false, code: 'unknown-version' });
  });

  it('rejects a missing field, a wrong type, a fractional or negative amount, and an unknown field, naming the field', () => {
    const missing = base();
    delete missing.data.orderNumber;
    expect(validateEnvelope(missing)).toMatchObject({ ok: false, code: 'invalid-payload', reason: expect.stringContaining('orderNumber') });
    for (const amount of ['1200', 12.5, -1]) {
      const env = base();
      env.data.amount = amount;
      expect(validateEnvelope(env)).toMatchObject({ ok: false, code: 'invalid-payload', reason: expect.stringContaining('amount') });
    }
    const extra = base();
    extra.data.surprise = true;
    expect(validateEnvelope(extra)).toMatchObject({ ok: false, reason: expect.stringContaining('surprise') });
  });

  it('rejects a broken envelope (bad id, bad shop id)', () => {
    expect(validateEnvelope({ ...base(), id: 'x' })).toMatchObject({ ok: false, code: 'invalid-envelope', reason: expect.stringContaining('id') });
    expect(validateEnvelope({ ...base(), shopId: '../etc' })).toMatchObject({ ok: false, code: 'invalid-envelope' });
  });

  it('rejects unknown envelope fields, a parsed `__proto__` key among them (it must not become the prototype)', () => {
    const valid = JSON.stringify(base());
    expect(validateEnvelope(Buffer.from(valid))).toMatchObject({ ok: true });
    expect(validateEnvelope(Buffer.from(valid.replace('{', '{"extra":1,')))).toMatchObject({ ok: false, code: 'invalid-envelope', reason: expect.stringContaining('extra') });
    const polluted = validateEnvelope(Buffer.from(valid.replace('{', '{"__proto__":{"constructor":{}},')));
    expect(polluted).toMatchObject({ ok: false, code: 'invalid-envelope', reason: expect.stringContaining('__proto__') });
    const inData = validateEnvelope(Buffer.from(valid.replace('"data":{', '"data":{"__proto__":{"x":1},')));
    expect(inData).toMatchObject({ ok: false, code: 'invalid-payload', reason: expect.stringContaining('__proto__') });
  });

  it('refuses data that looks like a card number (Luhn-valid 13-19 digits), but not a 32-digit transaction id', () => {
    const env = base();
    env.data.helpItem = 'card 4111 1111 1111 1111 please';
    expect(validateEnvelope(env)).toMatchObject({ ok: false, code: 'card-number-like-data', reason: expect.stringContaining('data.helpItem') });
    expect(findCardNumberLike({ transactionId: '18053110094638800000000000000001' })).toBeNull();
    expect(findCardNumberLike({ helpItem: '4111111111111112' })).toBeNull();
  });
});

describe('findCardNumberLike', () => {
  it.each([
    ['a plain run', '4111111111111111'],
    ['4-4-4-4 with spaces', 'card 4111 1111 1111 1111 please'],
    ['4-4-4-4 with dashes', '5500-0000-0000-0004'],
    ['Amex 4-6-5', '3782 822463 10005'],
    ['a 19-digit run', '6011000990139424000'.slice(0, 16)],
  ])('flags %s', (_label, text) => {
    expect(findCardNumberLike({ note: text })).toBe('data.note');
  });

  // Regression: UUIDs and order numbers whose digit groups happen to pass Luhn were refused (about 1 in 10).
  it('never flags UUIDs, order numbers, dates or transaction ids, however their digits fall', () => {
    const samples: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const digits = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');
      samples.push(`${digits(8)}-${digits(4)}-4${digits(3)}-8${digits(3)}-${digits(12)}`, randomUUID());
      samples.push(`${digits(6)}-${digits(8)}-${digits(8)}`, `${digits(6)}-${digits(8)}-${digits(10)}`);
    }
    samples.push('2026-11-28T19:04:29.000Z', '18053110094638800000000000000001');
    const flagged = samples.filter((s) => findCardNumberLike({ value: s }) !== null);
    expect(flagged).toEqual([]);
  });
});

describe('createEnvelope', () => {
  it('refuses to build an event that violates its contract', () => {
    expect(() => createEnvelope(AuthRequested, { ...authData(), amount: -5 }, { shopId: 'demo-shop' })).toThrow(ContractViolationError);
  });

  it('validates the whole envelope once: bad metadata and card-number-like data are refused at creation too', () => {
    expect(() => createEnvelope(AuthRequested, authData(), { shopId: '../etc' })).toThrow(/shopId/);
    expect(() => createEnvelope(AuthRequested, authData(), { shopId: 'demo-shop', id: 'not-a-uuid' })).toThrow(ContractViolationError);
    expect(() => createEnvelope(AuthRequested, { ...authData(), helpItem: 'card 4111 1111 1111 1111' }, { shopId: 'demo-shop' })).toThrow(/card number/);
  });

  it('remembers what it created (the publisher does not validate those again), not copies of them', () => {
    const env = createEnvelope(AuthRequested, authData(), { shopId: 'demo-shop' });
    expect(isCreatedEnvelope(env)).toBe(true);
    expect(isCreatedEnvelope(JSON.parse(JSON.stringify(env)))).toBe(false);
    expect(isCreatedEnvelope({ ...env })).toBe(false);
  });

  it('keeps the flow: caused events share the correlation id and point at their cause', () => {
    const cause = createEnvelope(AuthRequested, authData(), { shopId: 'demo-shop' });
    const effect = createEnvelope(
      CaptureCompleted,
      {
        operationId: randomUUID(),
        orderNumber: cause.data.orderNumber,
        operation: 'capture',
        rccsRequestId: 200004512,
        cardStatus: 13,
        errorCode: 'RCCS_N00-000',
        ccsErrorCode: '000000',
        message: '正常終了',
        approvalNumber: '4730007',
        transactionId: null,
        amount: 1200,
        errorClass: null,
        processedAt: new Date().toISOString(),
      },
      causedBy(cause),
    );
    expect(effect).toMatchObject({ correlationId: cause.correlationId, causationId: cause.id, shopId: 'demo-shop', type: 'CaptureCompleted' });
  });
});

describe('EVENT_CATALOGUE', () => {
  it('has unique (type, version) pairs and unique routing keys following <aggregate>.<operation>.<outcome>', () => {
    const keys = EVENT_CATALOGUE.map((c) => `${c.type}@${c.version}`);
    expect(new Set(keys).size).toBe(keys.length);
    const routes = EVENT_CATALOGUE.map((c) => c.routingKey);
    expect(new Set(routes).size).toBe(routes.length);
    for (const r of routes) expect(r).toMatch(/^[a-z]+(\.[a-z-]+){1,2}$/);
  });
});
