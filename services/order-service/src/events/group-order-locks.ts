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
 * When several order events share an inbox transaction (group commit), locks their orders with one statement at its
 * start ({@link OrderStore.prefetch}) instead of one lock statement per event.
 */
@Injectable()
export class GroupOrderLocks implements OnModuleInit {
  constructor(
    @Inject(EVENT_INBOX) private readonly inbox: EventInbox,
    private readonly store: OrderStore,
  ) {}

  onModuleInit(): void {
    this.inbox.onGroupStart?.(async (manager, envelopes) => {
      const keys = orderKeysOf(envelopes);
      if (keys) await this.store.prefetch(manager, keys);
    });
  }
}
