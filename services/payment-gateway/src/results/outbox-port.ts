import type { DataSource, EntityManager } from 'typeorm';
import type { EventEnvelope } from '@rcp/contracts';
import type { OutboxInsert } from '@rcp/messaging';

/** Writes events with the state change that causes them; published after commit (OutboxService of @rcp/messaging fits). */
export interface OutboxPort {
  /** Inserts the events in the caller's transaction. */
  add(manager: EntityManager, envelopes: EventEnvelope | readonly EventEnvelope[]): Promise<void>;
  /** The events' insert as part of one statement of the caller run on its own (no transaction). */
  prepareStatementInsert(dataSource: DataSource, envelopes: EventEnvelope | readonly EventEnvelope[]): OutboxInsert | undefined;
}

export const OUTBOX = Symbol('OUTBOX');
