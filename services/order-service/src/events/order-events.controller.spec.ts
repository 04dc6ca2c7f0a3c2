import { createEnvelope, OrderReceived, type EventEnvelope, type OrderReceivedV1 } from '@rcp/contracts';
import { OrderEventsController } from './order-events.controller';
import { ownAnnouncements, RecentIds } from './own-announcements';
import type { EventInbox } from './outbox.port';
import type { CreateOrder } from '../orders/usecases/create-order';

const received = (orderNumber: string) =>
  createEnvelope(
    OrderReceived,
    { orderNumber, orderedAt: '2026-01-01T00:00:00.000Z', paymentMethod: 'クレジットカード', totalAmount: 1000, billedAmount: 1000 },
    { shopId: 'shop-1', correlationId: 'c-1', causationId: null, occurredAt: new Date('2026-01-01T00:00:00Z') },
  ) as EventEnvelope<OrderReceivedV1>;

function controller() {
  const inboxCalls: string[] = [];
  const inbox = { process: async (_c: string, e: EventEnvelope) => void inboxCalls.push(e.id) } as unknown as EventInbox;
  const createOrder = { execute: jest.fn() } as unknown as CreateOrder;
  const c = new OrderEventsController(inbox, {} as never, createOrder, {} as never);
  return { c, inboxCalls };
}

describe('OrderEventsController.orderReceived', () => {
  it('drops our own OrderReceived echo before the inbox — no statement, no inbox row', async () => {
    const { c, inboxCalls } = controller();
    const echo = received('123456-20260101-00000001');
    ownAnnouncements.add(echo.id); // what CreateOrder does when it announces an order
    await c.orderReceived(echo);
    expect(inboxCalls).toEqual([]);
  });

  it('still creates orders from an external OrderReceived through the inbox', async () => {
    const { c, inboxCalls } = controller();
    const e = received('123456-20260101-00000002');
    await c.orderReceived(e);
    expect(inboxCalls).toEqual([e.id]);
  });

  it('sends an external OrderReceived to the inbox unchanged (no step that could reorder it), also after our own echo', async () => {
    const { c, inboxCalls } = controller();
    const own = received('123456-20260101-00000003');
    ownAnnouncements.add(own.id);
    await c.orderReceived(own);
    const e = received('123456-20260101-00000003'); // same order, announced by another system
    await c.orderReceived(e);
    await c.orderReceived(own); // an echo is recognised once (one queue per service)
    expect(inboxCalls).toEqual([e.id, own.id]);
  });
});

describe('RecentIds', () => {
  it('remembers a bounded number of ids, oldest forgotten first, each taken once', () => {
    const r = new RecentIds(2);
    r.add('a');
    r.add('b');
    r.add('c');
    expect(r.size).toBe(2);
    expect(r.take('a')).toBe(false);
    expect(r.take('c')).toBe(true);
    expect(r.take('c')).toBe(false);
  });
});
