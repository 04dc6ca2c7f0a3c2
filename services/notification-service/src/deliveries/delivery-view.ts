import { Delivery } from '../entities/delivery.entity';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function deliveryView(d: Delivery) {
  return {
    id: d.id,
    shopId: d.shopId,
    ruleId: d.ruleId,
    channel: d.channel,
    target: d.target,
    digest: d.digest,
    eventTypes: d.eventTypes,
    eventIds: d.events.map((e) => e.id),
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: iso(d.nextAttemptAt),
    lastError: d.lastError,
    lastAttemptAt: iso(d.lastAttemptAt),
    sentAt: iso(d.sentAt),
    parkedAt: iso(d.parkedAt),
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
  };
}

export type DeliveryView = ReturnType<typeof deliveryView>;
