import type { EntityManager } from 'typeorm';
import type { EventEnvelope } from '@rcp/contracts';

/** Writes events in the caller's transaction; published after commit (OutboxService of @rcp/messaging fits). */
export interface OutboxPort {
  add(manager: EntityManager, envelopes: EventEnvelope | readonly EventEnvelope[]): Promise<void>;
}

export const OUTBOX = Symbol('OUTBOX');
