import { afterStatusCheck, canMoveCardRequest, canMoveOperation } from './states';

describe('ledger state transitions', () => {
  it('moves an uncertain request to submitted or not-registered only from a status check', () => {
    expect(afterStatusCheck('outcome-unknown', 'registered')).toBe('submitted');
    expect(afterStatusCheck('outcome-unknown', 'not-registered')).toBe('not-registered');
    expect(afterStatusCheck('id-obtained', 'not-registered')).toBe('not-registered');
    expect(afterStatusCheck('outcome-unknown', 'unknown')).toBe('outcome-unknown');
    expect(afterStatusCheck('submitted', 'not-registered')).toBe('submitted');
  });

  it('never reopens a finished request or answers an operation twice', () => {
    expect(canMoveCardRequest('completed', 'submitted')).toBe(false);
    expect(canMoveCardRequest('submitted', 'not-registered')).toBe(false);
    expect(canMoveCardRequest('id-obtained', 'outcome-unknown')).toBe(true);
    expect(canMoveOperation('succeeded', 'failed')).toBe(false);
    expect(canMoveOperation('failed', 'in-flight')).toBe(false);
    expect(canMoveOperation('dead', 'pending')).toBe(true);
    expect(canMoveOperation('in-flight', 'requeued')).toBe(true);
  });
});
