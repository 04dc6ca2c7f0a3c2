import type { DataSource } from 'typeorm';
import { isRequestComplete, wasRequestRegistered, type RccsExchange, type RccsRequestStatus } from '@rcp/rccs-client';
import { ledger, type CardRequestRow, type ClaimedRequest } from '../ledger/ledger';
import { OPEN_CARD_REQUEST_STATES } from '../ledger/states';
import type { RccsGateway } from '../rccs/rccs-gateway';
import { describeError } from '../rccs/transient';
import { failureResult, mapOrderResult } from '../results/result-mapping';
import type { ResultWriter } from '../results/result-writer';
import { ref } from '../submission/submitter';
import type { Clock } from '../clock';
import { nextPollDelayMs, type PollBackoff } from './backoff';

export interface PollerOptions extends PollBackoff {
  idsPerQuery: number;
  /** How long a claimed request is hidden from other pollers while this one asks about it. */
  claimLeaseMs: number;
}

/**
 * Polls getRCCSResult for every due open request of a shop in one call (up to `idsPerQuery` ids), decides
 * registration for requests whose submission outcome is unknown, and writes final results (outbox) in one
 * statement per finished request.
 */
export class Poller {
  constructor(
    private readonly dataSource: DataSource,
    private readonly gateway: RccsGateway,
    private readonly results: ResultWriter,
    private readonly clock: Clock,
    private readonly options: PollerOptions,
  ) {}

  /**
   * Claims one batch of due requests of the shops (one statement, at most `idsPerQuery` in all) and polls them, one
   * getRCCSResult per shop; returns how many were claimed. A shop whose poll fails does not stop the others: its error
   * goes to `onShopError` (the requests it claimed are polled again once their claim lease ends).
   */
  async pollDue(shopIds: readonly string[], onShopError: (shopId: string, err: unknown) => void): Promise<number> {
    const claimed = await ledger.claimDueRequests(this.dataSource, shopIds, this.options.idsPerQuery, this.options.claimLeaseMs);
    const byShop = new Map<string, ClaimedRequest[]>();
    for (const r of claimed) {
      const list = byShop.get(r.shop_id);
      if (list) list.push(r);
      else byShop.set(r.shop_id, [r]);
    }
    for (const [shopId, requests] of byShop) await this.poll(shopId, requests).catch((err: unknown) => onShopError(shopId, err));
    return claimed.length;
  }

  /** Operations this poller handed back for resubmission (requeued), counted since it was made. */
  requeued = 0;

  /** Milliseconds until the earliest due poll and until the earliest due resubmission (any shop); null when none is scheduled. */
  nextDue(): Promise<{ pollMs: number | null; requeuedMs: number | null }> {
    return ledger.nextDue(this.dataSource);
  }

  private async poll(shopId: string, requests: ClaimedRequest[]): Promise<void> {
    const exchanges: RccsExchange[] = [];
    let statuses: RccsRequestStatus[];
    try {
      const res = await this.gateway.sync(shopId, (api, c) => api.getRCCSResult(c, requests.map((r) => r.rccs_request_id)), (e) => exchanges.push(e));
      if (!res.ok) {
        if (res.errorCode === 'RCCS_E02-001' && requests.length > 1) {
          // one unknown id spoils the whole query: ask one by one
          for (const r of requests) await this.poll(shopId, [r]);
          return;
        }
        if (res.errorCode === 'RCCS_E02-001') {
          await this.onStatus(requests[0] as ClaimedRequest, undefined, exchanges);
          return;
        }
        await this.backOff(requests, `getRCCSResult answered ${res.errorCode}`);
        return;
      }
      statuses = res.value.requests;
    } catch (err) {
      await this.backOff(requests, describeError(err));
      return;
    }
    const last = exchanges.slice(-1);
    for (const r of requests) {
      await this.onStatus(r, statuses.find((s) => s.requestId === r.rccs_request_id), last).catch((err: unknown) =>
        this.backOff([r], describeError(err)),
      );
    }
  }

  private async onStatus(request: ClaimedRequest, status: RccsRequestStatus | undefined, exchanges: RccsExchange[]): Promise<void> {
    const unsure = request.state === 'id-obtained' || request.state === 'outcome-unknown';
    if (status && isRequestComplete(status.status)) return this.finalize(request, status, exchanges);
    if (status && wasRequestRegistered(status)) {
      if (unsure) await ledger.moveCardRequest(this.dataSource, request.id, ['id-obtained', 'outcome-unknown'], 'submitted', { note: 'registered (getRCCSResult)' });
      await ledger.reschedulePoll(this.dataSource, request.id, this.delay(request), []);
      return;
    }
    if (unsure) {
      let requeued = 0;
      // Provably never registered (unused or unknown id): hand its operations back for a submission under a new id.
      await this.dataSource.transaction(async (m) => {
        const moved = await ledger.moveCardRequest(m, request.id, ['id-obtained', 'outcome-unknown'], 'not-registered', {
          exchanges,
          note: status ? 'request id unused (status 0)' : 'request id unknown to the card API',
        });
        if (!moved) return;
        const ops = await ledger.operationsOf(m, request.id, true);
        await ledger.detachOperations(m, request.id, ops.map((o) => o.operation_id), 'card-API request was not registered; resubmitting under a new request id');
        requeued = ops.length;
      });
      this.requeued += requeued;
      return;
    }
    await ledger.reschedulePoll(this.dataSource, request.id, this.delay(request), [], status ? undefined : 'request id missing from getRCCSResult');
  }

  private async finalize(request: ClaimedRequest, status: RccsRequestStatus, exchanges: RccsExchange[]): Promise<void> {
    const now = this.clock.now();
    const lastRow = new Map(status.results.map((r) => [r.orderNumber, r] as const)); // the last row of an order wins
    // one statement whatever the number of orders: the request is completed, its operations still in flight are
    // answered and their events queued only if it was still open (no transaction, no second event)
    await this.results.answerRequest(
      this.dataSource,
      {
        id: request.id,
        from: OPEN_CARD_REQUEST_STATES,
        to: 'completed',
        opts: { exchanges, note: `status ${status.status}: ${status.results.length} result(s)`, pollCountDelta: 1 },
      },
      request.operations.map((op) => {
        const row = lastRow.get(op.order_number);
        const mapped = row
          ? mapOrderResult(ref(op), request.rccs_request_id, row, now)
          : failureResult(ref(op), request.rccs_request_id, { message: 'the card API finished the request without a result for this order', errorClass: 'operator-action' }, now);
        return { op, mapped };
      }),
    );
  }

  private async backOff(requests: CardRequestRow[], reason: string): Promise<void> {
    for (const r of requests) await ledger.reschedulePoll(this.dataSource, r.id, this.delay(r), [], reason);
  }

  private delay(r: CardRequestRow): number {
    return Math.max(50, nextPollDelayMs(r.poll_count + 1, this.options));
  }
}
