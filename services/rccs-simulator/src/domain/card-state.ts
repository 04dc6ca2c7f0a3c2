import type { AsyncOperation, CardState, OrderRecord, RequestRecord } from './types';

/** Starting states confirmed by S1 (spec §9 table, "Allowed from (confirmed)"). */
export const CONFIRMED_FROM: Record<AsyncOperation, CardState[]> = {
  authori: ['unauthorized'],
  authoriCancel: ['authorized'],
  sales: ['authorized'],
  salesCancel: ['billed'],
};

/** Retry / re-authorisation edges the spec infers (on by default, `SIM_INFERRED_TRANSITIONS=false` drops them). */
export const INFERRED_FROM: Record<AsyncOperation, CardState[]> = {
  authori: ['authError', 'authCancelled'],
  authoriCancel: ['billingError', 'authCancelError'],
  sales: ['billingError'],
  salesCancel: ['billCancelError'],
};

export const SUCCESS_STATE: Record<AsyncOperation, CardState> = {
  authori: 'authorized',
  authoriCancel: 'authCancelled',
  sales: 'billed',
  salesCancel: 'billCancelled',
};

export const ERROR_STATE: Record<AsyncOperation, CardState> = {
  authori: 'authError',
  authoriCancel: 'authCancelError',
  sales: 'billingError',
  salesCancel: 'billCancelError',
};

/** What an order shows while the request that changes it has not completed (11/21/31/41). */
export const IN_PROGRESS_STATE: Record<AsyncOperation, CardState> = {
  authori: 'authorizing',
  sales: 'billing',
  authoriCancel: 'authCancelling',
  salesCancel: 'billCancelling',
};

/** The card-status state machine of spec §9: which operation may start from which state. */
export class CardStateMachine {
  readonly allowedFrom: Record<AsyncOperation, ReadonlySet<CardState>>;

  constructor(options: { inferred?: boolean; override?: Partial<Record<AsyncOperation, CardState[]>> } = {}) {
    const inferred = options.inferred ?? true;
    const table = {} as Record<AsyncOperation, ReadonlySet<CardState>>;
    for (const op of Object.keys(CONFIRMED_FROM) as AsyncOperation[]) {
      table[op] = new Set(options.override?.[op] ?? [...CONFIRMED_FROM[op], ...(inferred ? INFERRED_FROM[op] : [])]);
    }
    this.allowedFrom = table;
  }

  canStart(op: AsyncOperation, state: CardState): boolean {
    return this.allowedFrom[op].has(state);
  }

  successState(op: AsyncOperation): CardState {
    return SUCCESS_STATE[op];
  }

  errorState(op: AsyncOperation): CardState {
    return ERROR_STATE[op];
  }
}

/** True while an operation registered on the order has not completed at `now` (stuck counts as forever). */
export function isInProgress(order: OrderRecord, now: Date): boolean {
  if (!order.pending) return false;
  return order.pending.until === null || order.pending.until.getTime() > now.getTime();
}

/** The state an observer sees now: the in-progress state while the last operation runs, else the stored one. */
export function visibleCardState(order: OrderRecord, now: Date): CardState {
  return order.pending && isInProgress(order, now) ? IN_PROGRESS_STATE[order.pending.op] : order.cardState;
}

/** Completion time of a request, for callers that only have the record. */
export function isComplete(r: RequestRecord, now: Date): boolean {
  return r.completeAt !== null && r.completeAt.getTime() <= now.getTime();
}
