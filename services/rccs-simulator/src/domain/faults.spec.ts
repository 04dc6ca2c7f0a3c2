import { FaultInjector, seededRandom } from './faults';

const authori = { op: 'authori' as const, shopUrl: 'shop', orderNumbers: ['123456-20240105-00000001', '123456-20240105-00000002'] };

describe('FaultInjector', () => {
  it('plans nothing without rules', () => {
    expect(new FaultInjector().plan(authori)).toEqual({ delayBeforeMs: 0, delayAfterMs: 0 });
  });

  it('uses the documented default phase per type', () => {
    const kinds = ['http500', 'hang', 'drop', 'busy'] as const;
    const phases = kinds.map((type) => new FaultInjector([{ type }]).plan(authori).terminal?.phase);
    expect(phases).toEqual(['before', 'before', 'after', 'before']);
  });

  it('scopes by operation, shop and order number (any order of the request)', () => {
    const f = new FaultInjector([
      { id: 'ops', type: 'http500', operations: ['sales'] },
      { id: 'order', type: 'drop', orderNumbers: ['123456-20240105-00000002'] },
    ]);
    expect(f.plan(authori).terminal).toMatchObject({ type: 'drop', ruleId: 'order' });
    expect(f.plan({ ...authori, op: 'sales' }).terminal).toMatchObject({ type: 'http500', ruleId: 'ops' });
    expect(f.plan({ op: 'getRCCSResult', orderNumbers: [] }).terminal).toBeUndefined();
    const pattern = new FaultInjector([{ type: 'busy', orderNumberPattern: '-0000000[2]$', shopUrl: 'shop' }]);
    expect(pattern.plan(authori).terminal?.type).toBe('busy');
    expect(pattern.plan({ ...authori, shopUrl: 'other' }).terminal).toBeUndefined();
  });

  it('fires a counted fault exactly count times', () => {
    const f = new FaultInjector([{ type: 'http500', count: 2 }]);
    const fired = [1, 2, 3, 4].map(() => f.plan(authori).terminal?.type ?? 'none');
    expect(fired).toEqual(['http500', 'http500', 'none', 'none']);
    expect(f.list()[0]).toMatchObject({ count: 0, fired: 2 });
  });

  it('fires at the configured rate (deterministic with a seed)', () => {
    const f = new FaultInjector([{ type: 'http500', rate: 0.25 }], seededRandom(42));
    const n = Array.from({ length: 4000 }, () => f.plan(authori).terminal).filter(Boolean).length;
    expect(n).toBeGreaterThan(800);
    expect(n).toBeLessThan(1200);
    const never = new FaultInjector([{ type: 'http500', rate: 0 }]);
    expect(Array.from({ length: 100 }, () => never.plan(authori).terminal).filter(Boolean)).toHaveLength(0);
  });

  it('adds delays and keeps the first terminal fault without consuming later ones', () => {
    const f = new FaultInjector([
      { type: 'delay', delayMs: 100 },
      { type: 'delay', delayMs: 50, phase: 'after' },
      { id: 'first', type: 'hang' },
      { id: 'second', type: 'http500', count: 1 },
    ]);
    const plan = f.plan(authori);
    expect(plan).toMatchObject({ delayBeforeMs: 100, delayAfterMs: 50, terminal: { type: 'hang', ruleId: 'first' } });
    expect(f.list().find((r) => r.id === 'second')).toMatchObject({ count: 1, fired: 0 });
  });

  it('makes requests stuck only for asynchronous operations', () => {
    const f = new FaultInjector([{ type: 'stuck', stuckStatus: 1 }]);
    expect(f.plan(authori).stuck).toMatchObject({ status: 1 });
    expect(f.plan({ op: 'getRCCSRequestId', orderNumbers: [] }).stuck).toBeUndefined();
  });
});
