import type { EventEnvelope } from '@rcp/contracts';
import type { OrderStore } from '../orders/order-store';
import { GroupOrderLocks, orderKeysOf } from './group-order-locks';
import type { EventInbox } from './outbox.port';

const env = (shopId: string, data: Record<string, unknown>) => ({ shopId, data }) as unknown as EventEnvelope;

describe('GroupOrderLocks', () => {
  it('names the orders of a group when every event is about one order', () => {
    expect(orderKeysOf([env('s1', { orderNumber: 'a' }), env('s2', { orderNumber: 'b' })])).toEqual([
      { shopId: 's1', orderNumber: 'a' },
      { shopId: 's2', orderNumber: 'b' },
    ]);
    // one event about several orders (or none) leaves the group alone
    expect(orderKeysOf([env('s1', { orderNumber: 'a' }), env('s1', { orderNumbers: ['b', 'c'] })])).toBeUndefined();
    expect(orderKeysOf([env('s1', { orderNumber: 'a' }), env('s1', { useCardApi: true })])).toBeUndefined();
  });

  it('registers a group-start hook that locks those orders ahead, and nothing for other groups', async () => {
    let hook: Parameters<NonNullable<EventInbox['onGroupStart']>>[0] | undefined;
    const inbox = { process: jest.fn(), onGroupStart: (h: typeof hook) => void (hook = h) } as unknown as EventInbox;
    const prefetch = jest.fn(async () => undefined);
    new GroupOrderLocks(inbox, { prefetch } as unknown as OrderStore).onModuleInit();
    const manager = {} as never;
    await hook!(manager, [env('s1', { orderNumber: 'a' }), env('s1', { orderNumber: 'b' })]);
    expect(prefetch).toHaveBeenCalledWith(manager, [
      { shopId: 's1', orderNumber: 'a' },
      { shopId: 's1', orderNumber: 'b' },
    ]);
    await hook!(manager, [env('s1', { orderNumber: 'a' }), env('s1', {})]);
    expect(prefetch).toHaveBeenCalledTimes(1);
  });
});
