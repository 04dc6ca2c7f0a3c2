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

  it('registers a claim hook that claims and locks the orders of a group in one statement, and declines other groups', async () => {
    let hook: Parameters<NonNullable<EventInbox['claimWith']>>[0] | undefined;
    const inbox = { process: jest.fn(), claimWith: (h: typeof hook) => void (hook = h) } as unknown as EventInbox;
    const claimedRows = [{ consumer: 'order-service', message_id: 'm1' }];
    const lockAhead = jest.fn(async () => claimedRows);
    new GroupOrderLocks(inbox, { lockAhead } as unknown as OrderStore).onModuleInit();
    const manager = {} as never;
    const claim = { sql: 'INSERT …', params: [['order-service'], ['m1']] as [string[], string[]] };
    await expect(hook!(manager, claim, [env('s1', { orderNumber: 'a' })])).resolves.toBe(claimedRows);
    expect(lockAhead).toHaveBeenCalledWith(manager, [{ shopId: 's1', orderNumber: 'a' }], claim);
    await expect(hook!(manager, claim, [env('s1', { orderNumber: 'a' }), env('s1', {})])).resolves.toBeUndefined();
    await expect(hook!(manager, claim, [])).resolves.toBeUndefined();
    expect(lockAhead).toHaveBeenCalledTimes(1);
  });
});
