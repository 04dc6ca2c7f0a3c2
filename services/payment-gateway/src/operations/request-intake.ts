import type { DataSource } from 'typeorm';
import type { EventEnvelope } from '@rcp/contracts';
import { NonRetryableError } from '@rcp/messaging';
import type { Batcher } from '../batching/batcher';
import { ledger, type OperationRow } from '../ledger/ledger';
import { failureResult, ZERO_YEN_REASON } from '../results/result-mapping';
import type { ResultWriter } from '../results/result-writer';
import type { SubmitOutcome } from '../submission/submitter';
import { ref } from '../submission/submitter';
import type { Clock } from '../clock';
import type { AsyncKind } from './operation-kinds';
import { PendingInserts } from './pending-inserts';

export interface PaymentRequestData {
  operationId: string;
  orderNumber: string;
  amount?: number;
  payType?: number;
  helpItem?: string;
}

export interface DeliveryInfo {
  attempt: number;
  maxAttempts: number;
  replayed: boolean;
  parkingLot: string;
}

/** Thrown to have the broker retry the message later (delay tiers); the reason names the transient failure. */
export class TransientSubmitError extends Error {
  override readonly name = 'TransientSubmitError';
}

export const batchKey = (shopId: string, kind: AsyncKind) => `${shopId}\u0000${kind}`;
/** A batch key of its own: the operation is submitted alone (a batch of one). */
export const soloBatchKey = (shopId: string, kind: AsyncKind, operationId: string) => `${batchKey(shopId, kind)}\u0000${operationId}`;
/** Shop and kind of a {@link batchKey} or {@link soloBatchKey}. */
export const parseBatchKey = (key: string) => {
  const [shopId, kind] = key.split('\u0000') as [string, AsyncKind];
  return { shopId, kind };
};

/**
 * Use case "accept a payment request": de-duplicate on operationId, refuse what must never reach the card API,
 * hand the operation to the batcher and wait until it is durably attached to a submitted card request (or answered).
 */
export class RequestIntake {
  /** New operations of messages delivered together are inserted with one statement. */
  private readonly inserts: PendingInserts;

  constructor(
    private readonly dataSource: DataSource,
    private readonly knowsShop: (shopId: string) => Promise<boolean>,
    private readonly batcher: Batcher<string, SubmitOutcome>,
    private readonly results: ResultWriter,
    private readonly clock: Clock,
  ) {
    this.inserts = new PendingInserts(dataSource);
  }

  async handle(envelope: EventEnvelope<PaymentRequestData>, kind: AsyncKind, delivery: DeliveryInfo): Promise<void> {
    const data = envelope.data;
    // A redelivery (its submission failed transiently) or a replay goes alone: a request-level failure of a batch
    // fails all its orders, and a poisonous order (e.g. one the API always answers with HTTP 500) would take the
    // orders batched with it down on every retry (docs/reliability.md F1). Alone, it can only fail itself.
    const key = delivery.attempt > 1 || delivery.replayed ? soloBatchKey(envelope.shopId, kind, data.operationId) : batchKey(envelope.shopId, kind);
    // tell the batcher this operation is on its way, so a burst of requests goes out together
    const withdraw = this.batcher.announce(key);
    let pending: Promise<SubmitOutcome>;
    let op: OperationRow | undefined;
    try {
      if (!(await this.knowsShop(envelope.shopId))) {
        throw new NonRetryableError(`shop ${envelope.shopId} has no card-API credentials configured in the gateway`);
      }
      op = await this.register(envelope, kind, delivery);
      if (!op) return;
      pending = this.batcher.add(key, data.operationId);
    } finally {
      withdraw();
    }

    const outcome = await pending;
    if (outcome.kind !== 'retry') return;
    if (delivery.attempt >= delivery.maxAttempts) {
      await this.dataSource.transaction((m) => this.results.deadLetter(m, [op], outcome.error, delivery.attempt, delivery.parkingLot));
    }
    throw new TransientSubmitError(`${kind} of ${data.orderNumber} not submitted: ${outcome.error}`);
  }

  /**
   * Records the operation (or finds it); returns it when it still has to be submitted by this delivery. A new
   * operation with no other open operation of its kind on the order takes one statement (shared with the other
   * operations delivered at the same time, {@link PendingInserts}); everything else (duplicate
   * or replayed delivery, operationId reused, another operation in progress, 0 yen) the transaction below.
   */
  private async register(envelope: EventEnvelope<PaymentRequestData>, kind: AsyncKind, delivery: DeliveryInfo): Promise<OperationRow | undefined> {
    const data = envelope.data;
    const row = {
      operation_id: data.operationId,
      shop_id: envelope.shopId,
      order_number: data.orderNumber,
      kind,
      amount: data.amount ?? null,
      pay_type: data.payType ?? null,
      help_item: data.helpItem ?? null,
      message_id: envelope.id,
      correlation_id: envelope.correlationId,
    };
    if (!(kind === 'auth' && data.amount === 0)) {
      const inserted = await this.inserts.insert(row);
      if (inserted) return inserted;
    }
    return this.dataSource.transaction(async (m) => {
      const inserted = await ledger.insertOperation(m, { ...row, state: 'pending' });
      const op = (await ledger.findOperation(m, data.operationId, true)) as OperationRow;
      if (op.shop_id !== envelope.shopId || op.order_number !== data.orderNumber || op.kind !== kind) {
        throw new NonRetryableError(`operationId ${data.operationId} was already used for ${op.kind} of order ${op.order_number} (shop ${op.shop_id})`);
      }
      if (inserted) {
        if (kind === 'auth' && data.amount === 0) {
          await this.results.answer(m, op, failureResult(ref(op), null, { message: ZERO_YEN_REASON, errorClass: 'operator-action' }, this.clock.now()));
          return undefined;
        }
        const other = await ledger.findConcurrentOperation(m, envelope.shopId, data.orderNumber, kind, data.operationId);
        if (other) {
          const reason = `another ${kind} of order ${data.orderNumber} is already in progress (operation ${other.operation_id}); not sent twice`;
          await this.results.answer(m, op, failureResult(ref(op), null, { message: reason, errorClass: 'operator-action' }, this.clock.now()));
          return undefined;
        }
        return op;
      }
      switch (op.state) {
        case 'pending':
        case 'requeued':
          return op;
        case 'dead':
          if (!delivery.replayed) return undefined;
          await m.query(`UPDATE payment_operation SET state = 'pending', last_error = NULL, resubmissions = 0, updated_at = now() WHERE operation_id = $1`, [op.operation_id]);
          return { ...op, state: 'pending', resubmissions: 0 };
        default:
          return undefined; // in flight (the ledger owns it) or already answered
      }
    });
  }
}
