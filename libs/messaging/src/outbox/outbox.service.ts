import { Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { EventEnvelope } from '@rcp/contracts';
import { prepareEvent, type PreparedEvent } from '../publisher';
import { traceContextHeaders } from '../trace-context';
import { OutboxDispatcher } from './outbox-dispatcher';

/**
 * The outbox rows of some events as part of the caller's own statement (e.g. one more data-modifying CTE next to the
 * state change), instead of a separate INSERT: one round trip fewer per transaction. From
 * {@link OutboxService.prepareInsert} (in a transaction) or {@link OutboxService.prepareStatementInsert} (one
 * statement on its own).
 */
export interface OutboxInsert {
  /** Number of rows (events). */
  readonly rows: number;
  /** Bind parameters the insert takes. */
  readonly parameters: number;
  /**
   * The `INSERT INTO outbox_message …` statement, its values bound through `param` (which returns the placeholder
   * for a value, numbered in the caller's statement). With `onlyIf` a CTE name: rows are inserted only when that CTE
   * returns a row (the state change happened); or `{ idsFrom }`, a query of the caller's statement returning event
   * ids (uuid): only the rows of those events are inserted.
   */
  sql(param: (value: unknown) => string, onlyIf?: string | { idsFrom: string }): string;
  /**
   * Call once the statement holding the insert ran: the rows are then published after the commit (of the
   * transaction, or at once for a statement on its own). `ids`: the events whose rows the statement actually inserted
   * (with a condition); default all.
   */
  written(ids?: readonly string[]): void;
}

/**
 * Writes events to the transactional outbox in the caller's transaction (or in the caller's own statement), so the
 * state change and the events commit (or roll back) together. With an {@link OutboxDispatcher} running on the
 * DataSource they are published right after the commit; otherwise (and whenever that fails) the {@link OutboxRelay}
 * publishes them.
 */
@Injectable()
export class OutboxService {
  /**
   * Inserts the envelopes (one multi-row INSERT) using `manager`, which must belong to an active transaction.
   * The row headers also keep the active W3C trace context (`traceparent`/`tracestate`, none when tracing is off),
   * so the relay's publish continues the trace of the request that caused the events.
   * @throws ContractViolationError if an envelope breaks its contract (nothing is inserted)
   * @throws Error when `manager` is not inside a transaction
   */
  async add(manager: EntityManager, envelopes: EventEnvelope | readonly EventEnvelope[]): Promise<void> {
    const insert = this.prepareInsert(manager, envelopes);
    if (!insert) return;
    const params: unknown[] = [];
    await manager.query(
      insert.sql((value) => {
        params.push(value);
        return `$${params.length}`;
      }),
      params,
    );
    insert.written();
  }

  /**
   * Validates the envelopes and prepares their outbox insert for a statement of the caller (see {@link OutboxInsert});
   * undefined when there are none. Same guarantees as {@link OutboxService.add} once the caller's statement ran and
   * it called `written()` in the same transaction.
   * @throws ContractViolationError if an envelope breaks its contract
   * @throws Error when `manager` is not inside a transaction
   */
  prepareInsert(manager: EntityManager, envelopes: EventEnvelope | readonly EventEnvelope[]): OutboxInsert | undefined {
    const list = asList(envelopes);
    if (list.length === 0) return undefined;
    const runner = manager.queryRunner;
    if (!runner?.isTransactionActive) {
      throw new Error('the outbox needs the EntityManager of an active transaction (dataSource.transaction(async (manager) => …))');
    }
    const dispatcher = OutboxDispatcher.of(manager.connection);
    return outboxInsert(list, dispatcher, (events) => dispatcher?.track(runner, events));
  }

  /**
   * {@link OutboxService.prepareInsert} for ONE statement run on its own (autocommit, no transaction): the state change
   * and its outbox rows still commit together because they are one statement, and `written()` hands the rows to the
   * dispatcher at once (the statement has committed). Undefined when there are no envelopes.
   * @throws ContractViolationError if an envelope breaks its contract
   */
  prepareStatementInsert(dataSource: DataSource, envelopes: EventEnvelope | readonly EventEnvelope[]): OutboxInsert | undefined {
    const list = asList(envelopes);
    if (list.length === 0) return undefined;
    const dispatcher = OutboxDispatcher.of(dataSource);
    return outboxInsert(list, dispatcher, (events) => dispatcher?.dispatchCommitted(events));
  }
}

const asList = (envelopes: EventEnvelope | readonly EventEnvelope[]): readonly EventEnvelope[] =>
  Array.isArray(envelopes) ? envelopes : [envelopes as EventEnvelope];

/** The insert of `list` (validated, with the active trace context); `onWritten` gets the rows the statement wrote. */
function outboxInsert(list: readonly EventEnvelope[], dispatcher: OutboxDispatcher | undefined, onWritten: (events: PreparedEvent[]) => void): OutboxInsert {
  const trace = traceContextHeaders();
  const prepared = list.map((e) => {
    const p = prepareEvent(e);
    return { ...p, headers: { ...p.headers, ...trace } };
  });
  const columns = `id, type, routing_key, payload, headers${dispatcher ? ', dispatch_until' : ''}`;
  return {
    rows: prepared.length,
    parameters: prepared.length * 5 + (dispatcher ? 1 : 0),
    sql(param, onlyIf) {
      // rows for the dispatcher are leased to it (and do not NOTIFY the relay)
      const lease = dispatcher ? `, clock_timestamp() + (${param(dispatcher.leaseMs)}::int * interval '1 millisecond')` : '';
      const tuples = prepared.map(
        ({ envelope, routingKey, headers }) =>
          `(${param(envelope.id)}::uuid, ${param(envelope.type)}::text, ${param(routingKey)}::text, ${param(JSON.stringify(envelope))}::jsonb, ${param(JSON.stringify(headers))}::jsonb${lease})`,
      );
      if (onlyIf === undefined) return `INSERT INTO outbox_message (${columns}) VALUES ${tuples.join(', ')}`;
      const where = typeof onlyIf === 'string' ? `EXISTS (SELECT 1 FROM ${onlyIf})` : `v.id IN (${onlyIf.idsFrom})`;
      return `INSERT INTO outbox_message (${columns}) SELECT * FROM (VALUES ${tuples.join(', ')}) AS v(${columns}) WHERE ${where}`;
    },
    written(ids) {
      if (!dispatcher) return;
      const only = ids && new Set(ids);
      const events = only ? prepared.filter((p) => only.has(p.envelope.id)) : prepared;
      if (events.length > 0) onWritten(events);
    },
  };
}
