import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventEnvelope } from '@rcp/contracts';
import { prepareEvent } from '../publisher';
import { traceContextHeaders } from '../trace-context';

/**
 * Writes events to the transactional outbox in the caller's transaction, so the state change and the
 * events commit (or roll back) together. The {@link OutboxRelay} publishes them afterwards.
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
    const prepared = list.map(prepareEvent);
    const trace = traceContextHeaders();
    const params: unknown[] = [];
    const rows = prepared.map(({ envelope, routingKey, headers }) => {
      const base = params.length;
      params.push(envelope.id, envelope.type, routingKey, JSON.stringify(envelope), JSON.stringify({ ...headers, ...trace }));
      return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}::jsonb, $${base + 5}::jsonb)`;
    });
    await manager.query(`INSERT INTO outbox_message (id, type, routing_key, payload, headers) VALUES ${rows.join(', ')}`, params);
  }
}
