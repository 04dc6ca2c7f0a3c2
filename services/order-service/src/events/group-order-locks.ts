import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { EventEnvelope } from '@rcp/contracts';
import { OrderStore } from '../orders/order-store';
import { EVENT_INBOX, EventInbox } from './outbox.port';

/**
 * The orders a group of events is about, when every event names one order (`data.orderNumber`); undefined otherwise
 * (a group with, e.g., a shop-settings event is left alone: its effects read what they read today).
 */
export function orderKeysOf(envelopes: readonly EventEnvelope[]): { shopId: string; orderNumber: string }[] | undefined {
  const keys: { shopId: string; orderNumber: string }[] = [];
  for (const e of envelopes) {
    const orderNumber = (e.data as { orderNumber?: unknown } | undefined)?.orderNumber;
    if (typeof orderNumber !== 'string') return undefined;
    keys.push({ shopId: e.shopId, orderNumber });
  }
  return keys;
}

/**
 * Claims each inbox transaction's messages and locks their orders in one statement ({@link OrderStore.lockAhead}):
 * the effects then take their orders without a lock statement each, and the transaction saves the separate claim
 * (START, claim + locks, one write per event, COMMIT). Groups with an event not about one order are claimed by the inbox.
 */
@Injectable()
export class GroupOrderLocks implements OnModuleInit {
  constructor(
    @Inject(EVENT_INBOX) private readonly inbox: EventInbox,
    private readonly store: OrderStore,
  ) {}

  onModuleInit(): void {
    this.inbox.claimWith?.(async (manager, claim, envelopes) => {
      const keys = orderKeysOf(envelopes);
      return keys && keys.length > 0 ? this.store.lockAhead(manager, keys, claim) : undefined;
    });
  }
}
