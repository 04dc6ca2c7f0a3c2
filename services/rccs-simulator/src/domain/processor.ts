import { CardStateMachine, isInProgress } from './card-state';
import { type CodeEntry, type CodeTable, LIMIT_EXCEEDED, resolveDecline } from './codes';
import type { DeclineRules } from './decline-rules';
import { approvalNumber } from './fake-card';
import { jstStamp15 } from './time';
import type { AsyncOperation, CardState, DeclineOutcome, OrderRecord, ResultRecord } from './types';

/** One order of an asynchronous request, as parsed from the SOAP body. */
export interface RequestItem {
  orderNumber: string;
  helpItem: string | null;
  /** authori only */
  payType?: number;
  /** authori only */
  price?: number;
}

/** Order-level decline stored on an order (seeded or set through the admin API). */
export type OrderDecline = DeclineOutcome & { operations?: AsyncOperation[] };

export interface ProcessingPolicy {
  machine: CardStateMachine;
  codes: CodeTable;
  declineRules: DeclineRules;
  authValidityMs: number;
  /** salesCancel is refused this long after the sale (null = no deadline). */
  salesCancelWindowMs: number | null;
  orderNumberPattern: RegExp;
  payTypes: readonly number[];
  rejectOverOrderTotal: boolean;
  rejectWhileInProgress: boolean;
}

export interface BatchInput {
  op: AsyncOperation;
  shopUrl: string;
  requestId: number;
  /** Registration time. */
  now: Date;
  /** Completion time of the request (null = stuck). */
  completeAt: Date | null;
  items: readonly RequestItem[];
  /** Current orders by number (absent = unknown). */
  orders: ReadonlyMap<string, OrderRecord>;
  policy: ProcessingPolicy;
}

export interface BatchOutput {
  results: ResultRecord[];
  /** Orders whose state changed, final version per order. */
  changed: OrderRecord[];
}

const NO_APPROVAL = '0000000';

/**
 * Applies one asynchronous request to its orders, item by item in request order (a later item of the
 * same order sees the earlier one's effect). Pure: decides outcomes from the inputs only.
 */
export function processBatch(input: BatchInput): BatchOutput {
  const { op, policy, now } = input;
  const current = new Map(input.orders);
  const changed = new Map<string, OrderRecord>();
  const results: ResultRecord[] = [];
  const stampTime = input.completeAt ?? now;

  input.items.forEach((item, seq) => {
    const order = current.get(item.orderNumber);
    const known = order && order.shopUrl === input.shopUrl && policy.orderNumberPattern.test(item.orderNumber) ? order : undefined;
    const amount = op === 'authori' ? (item.price ?? 0) : (known?.authorizedAmount ?? 0);
    const payType = op === 'authori' ? (item.payType ?? 0) : (known?.payType ?? 0);

    const row = (code: CodeEntry, state: CardState | null, extra: Partial<ResultRecord> = {}): ResultRecord => ({
      requestId: input.requestId,
      seq,
      shopUrl: input.shopUrl,
      op,
      orderNumber: item.orderNumber,
      helpItem: item.helpItem ?? '',
      payType,
      price: amount,
      brandName: known?.brandName ?? null,
      cardNo: known?.cardNo ?? null,
      ownerName: known?.ownerName ?? null,
      expYM: known?.expYM ?? null,
      companyName: known?.companyName ?? null,
      cardImstCount: known?.cardImstCount ?? 0,
      cardState: state,
      stateBefore: known?.cardState ?? null,
      approvalNumber: NO_APPROVAL,
      transactionId: '',
      errorCode: code.errorCode,
      ccsErrorCode: code.ccsErrorCode,
      ccsErrorCodeDetail: null,
      message: code.message,
      createdAt: now,
      regAt: input.completeAt,
      ...extra,
    });
    const transactionId = `${jstStamp15(stampTime)}${String(input.requestId).padStart(10, '0')}${String(seq).padStart(7, '0')}`;
    const rejectItem = (code: CodeEntry) => results.push(row(code, known?.cardState ?? null));

    if (!known) return rejectItem(policy.codes.orderNotFound);
    if (policy.rejectWhileInProgress && known.pending && known.pending.requestId !== input.requestId && isInProgress(known, now)) {
      return rejectItem(policy.codes.status);
    }
    if (!policy.machine.canStart(op, known.cardState)) return rejectItem(policy.codes.status);
    if (op === 'authori') {
      const price = item.price ?? 0;
      if (!Number.isSafeInteger(price) || price <= 0) return rejectItem(policy.codes.parameter);
      if (!policy.payTypes.includes(item.payType ?? 0)) return rejectItem(policy.codes.parameter);
      if (policy.rejectOverOrderTotal && known.amount !== null && price > known.amount) return rejectItem(policy.codes.parameter);
    }

    const next: OrderRecord = {
      ...known,
      pending: { requestId: input.requestId, op, until: input.completeAt },
      updatedAt: now,
    };
    const commit = (r: ResultRecord) => {
      current.set(next.orderNumber, next);
      changed.set(next.orderNumber, next);
      results.push(r);
    };

    if (op === 'sales' && known.authorizedAt && now.getTime() - known.authorizedAt.getTime() > policy.authValidityMs) {
      next.cardState = policy.machine.errorState(op);
      return commit(row(policy.codes.authExpired, next.cardState));
    }

    if (
      op === 'salesCancel' &&
      policy.salesCancelWindowMs !== null &&
      known.billedAt &&
      now.getTime() - known.billedAt.getTime() > policy.salesCancelWindowMs
    ) {
      next.cardState = policy.machine.errorState(op);
      return commit(row(policy.codes.billCancelExpired, next.cardState));
    }

    const decline = declineFor(input, known, item, amount, payType);
    if (decline) {
      const d = resolveDecline(decline);
      if (d.statusEffect === 'error') next.cardState = policy.machine.errorState(op);
      return commit(
        row({ errorCode: d.errorCode, message: d.message, ccsErrorCode: d.ccsErrorCode }, next.cardState, {
          ccsErrorCodeDetail: d.ccsErrorCodeDetail,
          transactionId,
        }),
      );
    }

    next.cardState = policy.machine.successState(op);
    let approval = NO_APPROVAL;
    if (op === 'authori') {
      approval = approvalNumber(item.orderNumber, input.requestId);
      next.authorizedAt = now;
      next.authorizedAmount = amount;
      next.approvalNumber = approval;
      next.payType = payType;
    } else if (op === 'sales') {
      next.billedAt = now;
    } else if (op === 'authoriCancel') {
      next.authorizedAt = null;
      next.approvalNumber = null;
    }
    return commit(row(policy.codes.ok, next.cardState, { approvalNumber: approval, transactionId }));
  });

  return { results, changed: [...changed.values()] };
}

function declineFor(input: BatchInput, order: OrderRecord, item: RequestItem, amount: number, payType: number): DeclineOutcome | undefined {
  const { op, policy } = input;
  const forced = order.forcedDecline as OrderDecline | null;
  if (forced && (forced.operations ?? ['authori']).includes(op)) {
    const { operations: _ignored, ...outcome } = forced;
    return outcome;
  }
  if (op === 'authori' && order.creditLimit !== null && amount > order.creditLimit) return LIMIT_EXCEEDED;
  if (order.rulesExempt) return undefined;
  return policy.declineRules.match({ op, shopUrl: input.shopUrl, orderNumber: order.orderNumber, amount, helpItem: item.helpItem, payType });
}
