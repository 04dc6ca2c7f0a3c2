import { randomUUID } from 'node:crypto';
import { EventContract } from './contract';
import { EventEnvelope } from './envelope';
import { validatePayload } from './validate';

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

/**
 * Wraps a payload in an envelope after validating it against the contract, so nothing invalid is ever
 * published. Use the causing event's correlationId/id to keep a flow traceable.
 */
export function createEnvelope<T extends object>(contract: EventContract<T>, data: T, meta: EnvelopeMeta): EventEnvelope<T> {
  const problems = validatePayload(contract, data);
  if (problems) throw new ContractViolationError(contract.type, problems);
  const id = meta.id ?? randomUUID();
  return {
    id,
    type: contract.type,
    version: contract.version,
    occurredAt: (meta.occurredAt ?? new Date()).toISOString(),
    correlationId: meta.correlationId ?? id,
    causationId: meta.causationId ?? null,
    shopId: meta.shopId,
    data,
  };
}

/** Metadata for an event caused by `cause`: same shop and correlation id, causation = cause's id. */
export function causedBy(cause: EventEnvelope, overrides: Partial<EnvelopeMeta> = {}): EnvelopeMeta {
  return { shopId: cause.shopId, correlationId: cause.correlationId, causationId: cause.id, ...overrides };
}
