import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventEnvelope } from '@rcp/contracts';
import { prepareEvent } from '../publisher';
import { traceContextHeaders } from '../trace-context';
import { OutboxDispatcher } from './outbox-dispatcher';

/**
 * Writes events to the transactional outbox in the caller's transaction, so the state change and the
 * events commit (or roll back) together. With an {@link OutboxDispatcher} running on the DataSource they are
 * published right after the commit; otherwise (and whenever that fails) the {@link OutboxRelay} publishes them.
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
    const list = Array.isArray(envelopes) ? envelopes : [envelopes as EventEnvelope];
    if (list.length === 0) return;
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('OutboxService.add needs the EntityManager of an active transaction (dataSource.transaction(async (manager) => …))');
    }
    const trace = traceContextHeaders();
    const prepared = list.map((e) => {
      const p = prepareEvent(e);
      return { ...p, headers: { ...p.headers, ...trace } };
    });
    const dispatcher = OutboxDispatcher.of(manager.connection);
    // rows for the dispatcher are leased to it (and do not NOTIFY the relay)
    const params: unknown[] = dispatcher ? [dispatcher.leaseMs] : [];
    const lease = dispatcher ? `, clock_timestamp() + ($1::int * interval '1 millisecond')` : '';
    const rows = prepared.map(({ envelope, routingKey, headers }) => {
      const base = params.length;
      params.push(envelope.id, envelope.type, routingKey, JSON.stringify(envelope), JSON.stringify(headers));
      return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}::jsonb, $${base + 5}::jsonb${lease})`;
    });
    const columns = `id, type, routing_key, payload, headers${dispatcher ? ', dispatch_until' : ''}`;
    const inserted: { id: string; seq: string }[] = await manager.query(
      `INSERT INTO outbox_message (${columns}) VALUES ${rows.join(', ')}${dispatcher ? ' RETURNING id, seq' : ''}`,
      params,
    );
    if (!dispatcher) return;
    const seqById = new Map(inserted.map((r) => [r.id, String(r.seq)]));
    dispatcher.track(manager.queryRunner, prepared.map((p) => seqById.get(p.envelope.id) as string), prepared);
  }
}
