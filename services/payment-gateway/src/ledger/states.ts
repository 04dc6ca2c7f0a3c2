/**
 * Operation lifecycle:
 * pending (a request message owns it) → in-flight (attached to a card request) → succeeded | failed;
 * in-flight → requeued (its card request provably never registered; the gateway resubmits it) → in-flight;
 * pending | requeued → dead (gave up; PaymentRequestDeadLettered) → pending (replayed from the parking lot).
 */
export const OPERATION_STATES = ['pending', 'in-flight', 'requeued', 'succeeded', 'failed', 'dead'] as const;
export type OperationState = (typeof OPERATION_STATES)[number];

/**
 * Card request (ledger) lifecycle:
 * id-obtained (persisted before submit) → submitted | outcome-unknown | rejected;
 * outcome-unknown | id-obtained → submitted (getRCCSResult shows it registered) | not-registered;
 * submitted → completed.
 */
export const CARD_REQUEST_STATES = ['id-obtained', 'submitted', 'outcome-unknown', 'completed', 'rejected', 'not-registered'] as const;
export type CardRequestState = (typeof CARD_REQUEST_STATES)[number];

const OPERATION_TRANSITIONS: Record<OperationState, readonly OperationState[]> = {
  pending: ['in-flight', 'succeeded', 'failed', 'dead'],
  'in-flight': ['succeeded', 'failed', 'requeued', 'pending'],
  requeued: ['in-flight', 'dead', 'failed'],
  succeeded: [],
  failed: [],
  dead: ['pending'],
};

const CARD_REQUEST_TRANSITIONS: Record<CardRequestState, readonly CardRequestState[]> = {
  'id-obtained': ['submitted', 'outcome-unknown', 'rejected', 'not-registered'],
  'outcome-unknown': ['submitted', 'not-registered', 'completed'],
  submitted: ['completed'],
  completed: [],
  rejected: [],
  'not-registered': [],
};

export function canMoveOperation(from: OperationState, to: OperationState): boolean {
  return OPERATION_TRANSITIONS[from].includes(to);
}

export function canMoveCardRequest(from: CardRequestState, to: CardRequestState): boolean {
  return CARD_REQUEST_TRANSITIONS[from].includes(to);
}

/** States in which the card API may still be working on (or may have registered) the request. */
export const OPEN_CARD_REQUEST_STATES: readonly CardRequestState[] = ['id-obtained', 'submitted', 'outcome-unknown'];

export function isFinalOperation(state: OperationState): boolean {
  return state === 'succeeded' || state === 'failed';
}

/** What getRCCSResult tells about a request id whose submission outcome we do not know. */
export type RegistrationVerdict = 'registered' | 'not-registered' | 'unknown';

/** Next state of a card request after a status check (spec §10.4). */
export function afterStatusCheck(state: CardRequestState, verdict: RegistrationVerdict): CardRequestState {
  if (verdict === 'unknown') return state;
  if (state === 'id-obtained' || state === 'outcome-unknown') return verdict === 'registered' ? 'submitted' : 'not-registered';
  return state;
}
