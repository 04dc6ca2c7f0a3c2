import type { DataSource, EntityManager } from 'typeorm';
import { createEnvelope, EventEnvelope, PaymentRequestDeadLettered, PaymentOperation } from '@rcp/contracts';
import { ledger, type CardRequestMove, type OperationRow } from '../ledger/ledger';
import type { MappedResult } from './result-mapping';
import type { OutboxPort } from './outbox-port';
import type { AsyncKind } from '../operations/operation-kinds';
import type { Clock } from '../clock';

export interface ResultObserver {
  onResult?(type: string): void;
}

/** Writes final outcomes: operation state + result event in the caller's transaction (outbox). */
export class ResultWriter {
  constructor(
    private readonly outbox: OutboxPort,
    private readonly clock: Clock,
    private readonly observer: ResultObserver = {},
  ) {}

  /** Marks the operation final and queues its result event. Skips operations already final (no second event). */
  async answer(manager: EntityManager, op: OperationRow, mapped: MappedResult): Promise<boolean> {
    const current = await ledger.findOperation(manager, op.operation_id, true);
    if (!current || current.state === 'succeeded' || current.state === 'failed') return false;
    const envelope = createEnvelope(mapped.contract, mapped.data, this.meta(op));
    await ledger.finishOperation(manager, op.operation_id, mapped.succeeded ? 'succeeded' : 'failed', mapped.contract.type, mapped.data);
    await this.outbox.add(manager, envelope);
    this.observer.onResult?.(mapped.contract.type);
    return true;
  }

  /**
   * Completes a card request and answers its operations in ONE statement run on its own (see
   * {@link ledger.finalizeRequest}): `move` the request; only if it moved, each operation still in flight on it is
   * marked final and its result event queued (outbox) — none twice. Returns how many were answered.
   */
  async answerRequest(dataSource: DataSource, move: CardRequestMove, answers: readonly { op: OperationRow; mapped: MappedResult }[]): Promise<number> {
    const envelopes = answers.map(({ op, mapped }) => createEnvelope(mapped.contract, mapped.data, this.meta(op)));
    const outbox = this.outbox.prepareStatementInsert(dataSource, envelopes);
    const finished = new Set(
      await ledger.finalizeRequest(
        dataSource,
        move,
        answers.map(({ op, mapped }, i) => ({
          operationId: op.operation_id,
          state: mapped.succeeded ? 'succeeded' : 'failed',
          resultEvent: mapped.contract.type,
          result: mapped.data,
          eventId: (envelopes[i] as EventEnvelope).id,
        })),
        outbox,
      ),
    );
    const written = answers.flatMap(({ op, mapped }, i) => (finished.has(op.operation_id) ? [{ mapped, id: (envelopes[i] as EventEnvelope).id }] : []));
    outbox?.written(written.map((w) => w.id));
    for (const { mapped } of written) this.observer.onResult?.(mapped.contract.type);
    return written.length;
  }

  /** Gives up on operations: state dead + PaymentRequestDeadLettered (one per shop/correlation group). */
  async deadLetter(manager: EntityManager, ops: OperationRow[], reason: string, attempts: number, parkedIn: string): Promise<void> {
    if (ops.length === 0) return;
    const ids = await ledger.setOperationState(manager, ops.map((o) => o.operation_id), 'dead', ['pending', 'requeued'], { lastError: reason });
    const dead = ops.filter((o) => ids.includes(o.operation_id));
    if (dead.length === 0) return;
    const first = dead[0] as OperationRow;
    const envelope: EventEnvelope = createEnvelope(
      PaymentRequestDeadLettered,
      {
        operationIds: dead.map((o) => o.operation_id),
        orderNumbers: dead.map((o) => o.order_number),
        operation: first.kind as AsyncKind as PaymentOperation,
        reason: reason.slice(0, 2000),
        attempts,
        parkedIn: parkedIn.slice(0, 200),
      },
      this.meta(first),
    );
    await this.outbox.add(manager, envelope);
    this.observer.onResult?.(PaymentRequestDeadLettered.type);
  }

  meta(op: Pick<OperationRow, 'shop_id' | 'correlation_id' | 'message_id'>) {
    return { shopId: op.shop_id, correlationId: op.correlation_id, causationId: op.message_id, occurredAt: this.clock.now() };
  }
}
