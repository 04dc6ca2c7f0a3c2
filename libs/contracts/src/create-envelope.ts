import { randomUUID } from 'node:crypto';
import { EventContract } from './contract';
import { EventEnvelope } from './envelope';
import { checkEnvelopeFor } from './validate';

/** Metadata of an event being created. */
export interface EnvelopeMeta {
  shopId: string;
  /** Defaults to the new event's own id (a new flow). */
  correlationId?: string;
  causationId?: string | null;
  id?: string;
  occurredAt?: Date;
}

/** Thrown when code tries to publish a payload that violates its own contract (a programming error). */
export class ContractViolationError extends Error {
  constructor(type: string, problems: string) {
    super(`Refusing to create ${type}: ${problems}`);
    this.name = 'ContractViolationError';
  }
}

/** Envelopes returned by {@link createEnvelope}: validated whole when they were made. */
const created = new WeakSet<EventEnvelope>();

/**
 * Wraps a payload in an envelope and validates the whole envelope (shape, payload against the contract, no
 * card-number-like data), so nothing invalid is ever published. Use the causing event's correlationId/id to keep a
 * flow traceable. Envelopes are values: the publisher and the outbox trust this check ({@link isCreatedEnvelope}) and do
 * not repeat it, so do not change an envelope after creating it — create a new one.
 * @throws ContractViolationError when the payload or the metadata break the contract
 */
export function createEnvelope<T extends object>(contract: EventContract<T>, data: T, meta: EnvelopeMeta): EventEnvelope<T> {
  const id = meta.id ?? randomUUID();
  const envelope: EventEnvelope<T> = {
    id,
    type: contract.type,
    version: contract.version,
    occurredAt: (meta.occurredAt ?? new Date()).toISOString(),
    correlationId: meta.correlationId ?? id,
    causationId: meta.causationId ?? null,
    shopId: meta.shopId,
    data,
  };
  const rejection = checkEnvelopeFor(contract as EventContract, envelope);
  if (rejection) throw new ContractViolationError(contract.type, rejection.reason);
  created.add(envelope);
  return envelope;
}

/** True for an envelope made by {@link createEnvelope} (validated then); other envelopes must be validated before use. */
export function isCreatedEnvelope(envelope: EventEnvelope): boolean {
  return created.has(envelope);
}

/** Metadata for an event caused by `cause`: same shop and correlation id, causation = cause's id. */
export function causedBy(cause: EventEnvelope, overrides: Partial<EnvelopeMeta> = {}): EnvelopeMeta {
  return { shopId: cause.shopId, correlationId: cause.correlationId, causationId: cause.id, ...overrides };
}
