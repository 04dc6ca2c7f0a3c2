import type { DataSource, EntityManager } from 'typeorm';
import type { EventEnvelope } from '@rcp/contracts';
import type { InboxClaimHook, OutboxInsert } from '@rcp/messaging';

/** Adds events to the outbox inside the caller's transaction; they are published after commit. */
export interface EventOutbox {
  add(manager: EntityManager, envelopes: EventEnvelope[]): Promise<void>;
  /** The events' outbox rows as part of the caller's own write statement; undefined when there are none. */
  prepareInsert(manager: EntityManager, envelopes: EventEnvelope[]): OutboxInsert | undefined;
  /** The same, for a write statement of the caller run on its own (no transaction); undefined when there are none. */
  prepareStatementInsert(dataSource: DataSource, envelopes: EventEnvelope[]): OutboxInsert | undefined;
}

export const EVENT_OUTBOX = Symbol('EVENT_OUTBOX');

/** Runs an effect once per message id, in one transaction with the de-duplication row. */
export interface EventInbox {
  process(consumer: string, envelope: EventEnvelope, effect: (manager: EntityManager) => Promise<void>): Promise<{ duplicate: boolean }>;
  /** Runs each inbox transaction's claim in a statement of the hook's (with the locks its effects need). Optional. */
  claimWith?(hook: InboxClaimHook): void;
}

export const EVENT_INBOX = Symbol('EVENT_INBOX');

/** Consumer name used for inbox de-duplication. */
export const INBOX_CONSUMER = 'order-service';
