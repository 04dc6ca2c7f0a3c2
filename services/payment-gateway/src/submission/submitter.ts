import type { DataSource } from 'typeorm';
import { isRequestComplete, RccsTransportError, RccsValidationError, wasRequestRegistered, type RccsExchange, type RccsResult, type AsyncReplyValue, type RccsCredentials } from '@rcp/rccs-client';
import { ledger, type CardRequestRow, type OperationRow } from '../ledger/ledger';
import { pollSignal, type PollSignal } from '../polling/poll-signal';
import { KIND_SPECS, type AsyncKind } from '../operations/operation-kinds';
import type { RccsApi, RccsGateway } from '../rccs/rccs-gateway';
import { UnknownShopError } from '../rccs/rccs-gateway';
import { describeError, isTransient, RetryableApiError } from '../rccs/transient';
import { failureResult, type OperationRef } from '../results/result-mapping';
import type { ResultWriter } from '../results/result-writer';
import type { Clock } from '../clock';
import type { RegistrationVerdict } from '../ledger/states';

/**
 * Outcome for one operation of a batch:
 * - `submitted`: attached to a card request the card API accepted (or registered);
 * - `answered`: a final result event was written;
 * - `owned`: the ledger owns it (outcome unknown, resolved by the poller) — the message may be acknowledged;
 * - `retry`: not submitted because of a transient failure; the caller retries later (`error` says why).
 */
export type SubmitOutcome = { kind: 'submitted' | 'answered' | 'owned' } | { kind: 'retry'; error: string };

export interface SubmitterOptions {
  /** In-process attempts of the whole submission (new request id each time) after not-registered failures. */
  attempts: number;
  firstPollDelayMs: number;
  /** Lease of an id-obtained request against the poller: longer than the longest possible submit call. */
  submitLeaseMs: number;
  /** Told when a request was submitted (wakes the poller); default the process-wide {@link pollSignal}. */
  pollSignal?: PollSignal;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The card-API protocol for one batch: request id → persist → submit → (on doubt) ask, never resubmit blindly. */
export class Submitter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly gateway: RccsGateway,
    private readonly results: ResultWriter,
    private readonly clock: Clock,
    private readonly options: SubmitterOptions,
  ) {}

  async submitBatch(shopId: string, kind: AsyncKind, operationIds: string[]): Promise<SubmitOutcome[]> {
    const outcomes = new Map<string, SubmitOutcome>();
    let lastError = 'not submitted';
    for (let attempt = 1; attempt <= this.options.attempts; attempt++) {
      const open = operationIds.filter((id) => !outcomes.has(id));
      if (open.length === 0) break;
      // request id and submit are one logical submission: one concurrency slot for both calls
      const step = await this.gateway.hold(shopId, 2, () => this.tryOnce(shopId, kind, open));
      for (const [id, o] of step.outcomes) if (o.kind !== 'retry') outcomes.set(id, o);
      lastError = step.error ?? lastError;
      if (!step.retryable) break;
      if (attempt < this.options.attempts) await sleep(100 * attempt);
    }
    return operationIds.map((id) => outcomes.get(id) ?? { kind: 'retry', error: lastError });
  }

  private async tryOnce(shopId: string, kind: AsyncKind, operationIds: string[]): Promise<{ outcomes: Map<string, SubmitOutcome>; retryable: boolean; error?: string }> {
    const outcomes = new Map<string, SubmitOutcome>();
    // The batch's operations are read only when a step needs them before they are attached (rare paths); the
    // common path reads and attaches them in the statement that persists the card request.
    const exchanges: RccsExchange[] = [];
    let requestId: number;
    try {
      const res = await this.gateway.sync(shopId, (api, c) => api.getRCCSRequestId(c), (e) => exchanges.push(e));
      if (!res.ok) {
        const claimable = await this.claimable(operationIds, outcomes);
        await this.answerAll(claimable, null, { errorCode: res.errorCode, message: `getRCCSRequestId refused: ${res.errorCode} ${res.message ?? ''}`.trim(), errorClass: classOf(res.classification.classification) });
        claimable.forEach((o) => outcomes.set(o.operation_id, { kind: 'answered' }));
        return { outcomes, retryable: false };
      }
      requestId = res.value.requestId;
    } catch (err) {
      return this.onPreSubmitError(err, await this.claimable(operationIds, outcomes), outcomes);
    }

    const { request, attached, others } = await ledger.persistCardRequest(this.dataSource, {
      rccsRequestId: requestId,
      shopId,
      kind,
      leaseMs: this.options.submitLeaseMs,
      exchanges,
      operationIds,
    });
    for (const op of others) {
      const outcome = outcomeOf(op);
      if (outcome) outcomes.set(op.operation_id, outcome);
    }
    if (!request) {
      const open = operationIds.some((id) => !outcomes.has(id));
      return { outcomes, retryable: open, error: 'operations were taken by another submission' };
    }
    const requeued = attached.filter((o) => o.prev_state === 'requeued').map((o) => o.operation_id);
    attached.forEach((o) => outcomes.set(o.operation_id, { kind: 'submitted' }));

    const submitExchanges: RccsExchange[] = [];
    let reply: RccsResult<AsyncReplyValue>;
    try {
      reply = await this.gateway.submit(shopId, (api, c) => submitCall(api, c, kind, requestId, attached), (e) => submitExchanges.push(e));
    } catch (err) {
      return this.onSubmitError(err, request, attached, requeued, submitExchanges, outcomes);
    }
    if (reply.ok) {
      await ledger.moveCardRequest(this.dataSource, request.id, ['id-obtained'], 'submitted', {
        exchanges: submitExchanges,
        nextPollInMs: this.options.firstPollDelayMs,
      });
      this.pollDueIn(this.options.firstPollDelayMs);
      return { outcomes, retryable: false };
    }
    // Request-level rejection: nothing registered; the per-order outcome is a failure the requester must see.
    const reason = { errorCode: reply.errorCode, message: `${KIND_SPECS[kind].apiOperation} rejected: ${reply.errorCode} ${reply.message ?? ''}`.trim(), errorClass: classOf(reply.classification.classification) };
    await this.dataSource.transaction(async (m) => {
      await ledger.moveCardRequest(m, request.id, ['id-obtained'], 'rejected', { exchanges: submitExchanges, note: reply.errorCode, lastError: reason.message });
      for (const op of attached) await this.results.answer(m, op, failureResult(ref(op), requestId, reason, this.clock.now()));
    });
    attached.forEach((o) => outcomes.set(o.operation_id, { kind: 'answered' }));
    return { outcomes, retryable: false };
  }

  private pollDueIn(ms: number): void {
    (this.options.pollSignal ?? pollSignal).notify(ms);
  }

  /** Current state of the batch's operations; returns those that may be submitted now. */
  private async claimable(operationIds: string[], outcomes: Map<string, SubmitOutcome>): Promise<OperationRow[]> {
    const rows: OperationRow[] = await this.dataSource.query(`SELECT * FROM payment_operation WHERE operation_id = ANY($1::uuid[]) ORDER BY created_at`, [operationIds]);
    const seenOrders = new Set<string>();
    const claimable: OperationRow[] = [];
    for (const op of rows) {
      const outcome = outcomeOf(op);
      if (outcome) outcomes.set(op.operation_id, outcome);
      else if (!seenOrders.has(op.order_number)) {
        // one order appears at most once per card-API request
        seenOrders.add(op.order_number);
        claimable.push(op);
      }
    }
    return claimable;
  }

  private async onPreSubmitError(err: unknown, ops: OperationRow[], outcomes: Map<string, SubmitOutcome>) {
    if (err instanceof UnknownShopError || err instanceof RccsValidationError) {
      await this.answerAll(ops, null, { message: describeError(err), errorClass: 'operator-action' });
      ops.forEach((o) => outcomes.set(o.operation_id, { kind: 'answered' }));
      return { outcomes, retryable: false };
    }
    if (!isTransient(err)) throw err;
    const error = describeError(err);
    return { outcomes, retryable: !/circuit open/.test(error), error };
  }

  private async onSubmitError(
    err: unknown,
    request: CardRequestRow,
    attached: OperationRow[],
    requeued: string[],
    exchanges: RccsExchange[],
    outcomes: Map<string, SubmitOutcome>,
  ): Promise<{ outcomes: Map<string, SubmitOutcome>; retryable: boolean; error?: string }> {
    const error = describeError(err);
    const provablyNotSent =
      (err instanceof RccsTransportError && !err.requestMayHaveBeenRegistered) || err instanceof RetryableApiError || /circuit open/.test(error);
    if (err instanceof RccsValidationError) {
      await this.dataSource.transaction(async (m) => {
        await ledger.moveCardRequest(m, request.id, ['id-obtained'], 'rejected', { exchanges, lastError: error });
        for (const op of attached) await this.results.answer(m, op, failureResult(ref(op), request.rccs_request_id, { message: error, errorClass: 'operator-action' }, this.clock.now()));
      });
      attached.forEach((o) => outcomes.set(o.operation_id, { kind: 'answered' }));
      return { outcomes, retryable: false };
    }
    if (provablyNotSent) {
      await this.detach(request, err instanceof RetryableApiError ? 'rejected' : 'not-registered', requeued, exchanges, error);
      attached.forEach((o) => outcomes.delete(o.operation_id));
      return { outcomes, retryable: !/circuit open/.test(error), error };
    }
    // The call may have been registered: never resubmit blindly; ask getRCCSResult.
    await ledger.moveCardRequest(this.dataSource, request.id, ['id-obtained'], 'outcome-unknown', {
      exchanges,
      note: error,
      lastError: error,
      nextPollInMs: this.options.firstPollDelayMs,
    });
    this.pollDueIn(this.options.firstPollDelayMs);
    const verdict = await this.checkRegistration(request);
    if (verdict === 'registered') {
      await ledger.moveCardRequest(this.dataSource, request.id, ['outcome-unknown'], 'submitted', { note: 'registered (getRCCSResult)', nextPollInMs: this.options.firstPollDelayMs });
      this.pollDueIn(this.options.firstPollDelayMs);
      return { outcomes, retryable: false };
    }
    if (verdict === 'not-registered') {
      if (!(await this.detach(request, 'not-registered', requeued, [], `${error}; getRCCSResult shows the request was not registered`, ['outcome-unknown']))) {
        // the poller (woken by the move above) resolved the request first: it handed the operations to the
        // resubmitter or answered them, so the ledger owns them — retrying this message would submit them a second way
        attached.forEach((o) => outcomes.set(o.operation_id, { kind: 'owned' }));
        return { outcomes, retryable: false };
      }
      attached.forEach((o) => outcomes.delete(o.operation_id));
      return { outcomes, retryable: true, error };
    }
    attached.forEach((o) => outcomes.set(o.operation_id, { kind: 'owned' }));
    return { outcomes, retryable: false };
  }

  /** Asks getRCCSResult whether a request id was registered (spec §10.4). */
  async checkRegistration(request: Pick<CardRequestRow, 'shop_id' | 'rccs_request_id'>): Promise<RegistrationVerdict> {
    try {
      const res = await this.gateway.sync(request.shop_id, (api, c) => api.getRCCSResult(c, [request.rccs_request_id]));
      if (!res.ok) return res.errorCode === 'RCCS_E02-001' ? 'not-registered' : 'unknown';
      const entry = res.value.requests.find((r) => r.requestId === request.rccs_request_id);
      if (!entry) return 'not-registered';
      return wasRequestRegistered(entry) || isRequestComplete(entry.status) ? 'registered' : 'not-registered';
    } catch {
      return 'unknown';
    }
  }

  /** Moves the request to `to` and hands its operations back; false when it was no longer in `from` (nothing done). */
  private async detach(request: CardRequestRow, to: 'rejected' | 'not-registered', requeued: string[], exchanges: RccsExchange[], error: string, from: ('id-obtained' | 'outcome-unknown')[] = ['id-obtained']): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      const moved = await ledger.moveCardRequest(m, request.id, from, to, { exchanges, note: error, lastError: error });
      if (moved) await ledger.detachOperations(m, request.id, requeued, error);
      return moved;
    });
  }

  private async answerAll(ops: OperationRow[], requestId: number | null, reason: Parameters<typeof failureResult>[2]) {
    await this.dataSource.transaction(async (m) => {
      for (const op of ops) await this.results.answer(m, op, failureResult(ref(op), requestId, reason, this.clock.now()));
    });
  }
}

/** Outcome of an operation that cannot be submitted in its current state; undefined when it still can (pending, requeued). */
function outcomeOf(op: Pick<OperationRow, 'state'>): SubmitOutcome | undefined {
  if (op.state === 'succeeded' || op.state === 'failed' || op.state === 'dead') return { kind: 'answered' };
  if (op.state === 'in-flight') return { kind: 'owned' };
  return undefined;
}

/** One asynchronous card-API call for the attached operations. */
export function submitCall(api: RccsApi, c: RccsCredentials, kind: AsyncKind, requestId: number, ops: OperationRow[]): Promise<RccsResult<AsyncReplyValue>> {
  switch (kind) {
    case 'auth':
      return api.authori(
        c,
        requestId,
        ops.map((o) => ({ orderNumber: o.order_number, price: o.amount ?? 0, payType: o.pay_type ?? 0, helpItem: o.help_item })),
      );
    case 'auth-cancel':
      return api.authoriCancel(c, requestId, ops.map((o) => ({ orderNumber: o.order_number, helpItem: o.help_item })));
    case 'capture':
      return api.sales(c, requestId, ops.map((o) => ({ orderNumber: o.order_number, helpItem: o.help_item })));
    case 'capture-cancel':
      return api.salesCancel(c, requestId, ops.map((o) => ({ orderNumber: o.order_number, helpItem: o.help_item })));
  }
}

export function ref(op: OperationRow): OperationRef {
  return { operationId: op.operation_id, orderNumber: op.order_number, kind: op.kind as AsyncKind, amount: op.amount };
}

function classOf(c: string): 'retryable' | 'buyer-action' | 'operator-action' {
  return c === 'retryable' || c === 'buyer-action' ? c : 'operator-action';
}
