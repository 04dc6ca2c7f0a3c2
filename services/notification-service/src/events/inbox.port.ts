import { EventEnvelope } from '@rcp/contracts';
import { EntityManager } from 'typeorm';

export const INBOX = Symbol('INBOX');

/** Runs an effect at most once per message id, in one transaction with the de-duplication record. */
export interface Inbox {
  process(consumer: string, envelope: EventEnvelope, effect: (manager: EntityManager) => Promise<unknown>): Promise<unknown>;
}
