import { createEnvelope, OrderReceived, type EventEnvelope, type OrderReceivedV1 } from '@rcp/contracts';
import { OrderEventsController } from './order-events.controller';
import type { EventInbox } from './outbox.port';
import type { CreateOrder } from '../orders/usecases/create-order';
import { ORDER_SERVICE } from '../service-name';
import { deliveredBy } from '../test-support/delivery';

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
    await c.orderReceived(received('123456-20260101-00000001'), deliveredBy(ORDER_SERVICE));
    expect(inboxCalls).toEqual([]);
  });

  it('recognises the echo of an order another replica created: by the app-id, not by what this process remembers', async () => {
    const [a, b] = [controller(), controller()];
    const echo = received('123456-20260101-00000004');
    await b.c.orderReceived(echo, deliveredBy(ORDER_SERVICE));
    await a.c.orderReceived(echo, deliveredBy(ORDER_SERVICE)); // a redelivery too
    expect([...a.inboxCalls, ...b.inboxCalls]).toEqual([]);
  });

  it('still creates orders from an external OrderReceived through the inbox (another app-id, or none)', async () => {
    const { c, inboxCalls } = controller();
    const e = received('123456-20260101-00000002');
    const f = received('123456-20260101-00000003');
    await c.orderReceived(e, deliveredBy('shop-system'));
    await c.orderReceived(f, deliveredBy(undefined));
    expect(inboxCalls).toEqual([e.id, f.id]);
  });
});
