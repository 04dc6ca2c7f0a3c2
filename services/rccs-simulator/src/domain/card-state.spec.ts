import { CardStateMachine, isInProgress, visibleCardState } from './card-state';
import { provisionOrder } from './fake-card';
import { ASYNC_OPERATIONS, CARD_STATES } from './types';

describe('CardStateMachine (spec §9)', () => {
  const machine = new CardStateMachine();

  it.each([
    ['authori', ['unauthorized', 'authError', 'authCancelled']],
    ['authoriCancel', ['authorized', 'billingError', 'authCancelError']],
    ['sales', ['authorized', 'billingError']],
    ['salesCancel', ['billed', 'billCancelError']],
  ] as const)('%s may start from exactly %j', (op, allowed) => {
    for (const state of CARD_STATES) expect(machine.canStart(op, state)).toBe((allowed as readonly string[]).includes(state));
  });

  it('maps success and error states by operation family', () => {
    expect(ASYNC_OPERATIONS.map((op) => [op, machine.successState(op), machine.errorState(op)])).toEqual([
      ['authori', 'authorized', 'authError'],
      ['authoriCancel', 'authCancelled', 'authCancelError'],
      ['sales', 'billed', 'billingError'],
      ['salesCancel', 'billCancelled', 'billCancelError'],
    ]);
  });

  it('drops the inferred edges when asked to', () => {
    const strict = new CardStateMachine({ inferred: false });
    expect([...strict.allowedFrom.authori]).toEqual(['unauthorized']);
    expect(strict.canStart('sales', 'billingError')).toBe(false);
    expect(strict.canStart('sales', 'authorized')).toBe(true);
  });

  it('accepts an explicit table per operation', () => {
    const custom = new CardStateMachine({ override: { authori: ['unauthorized', 'billCancelled'] } });
    expect(custom.canStart('authori', 'billCancelled')).toBe(true);
    expect(custom.canStart('authori', 'authError')).toBe(false);
    expect(custom.canStart('sales', 'billingError')).toBe(true);
  });

  it('shows the in-progress state while the owning request runs, and the stored one afterwards', () => {
    const now = new Date('2024-01-06T00:00:00Z');
    const order = { ...provisionOrder('123456-20240105-00000001', 'shop', now), cardState: 'billed' as const };
    order.pending = { requestId: 1, op: 'sales', until: new Date(now.getTime() + 1000) };
    expect(visibleCardState(order, now)).toBe('billing');
    expect(isInProgress(order, new Date(now.getTime() + 1000))).toBe(false);
    expect(visibleCardState(order, new Date(now.getTime() + 1000))).toBe('billed');
    order.pending = { requestId: 1, op: 'sales', until: null };
    expect(visibleCardState(order, new Date(now.getTime() + 10 ** 12))).toBe('billing');
  });
});
