import { randomUUID } from 'node:crypto';
import { AuthRequested, ContractViolationError, createEnvelope, type EventEnvelope } from '@rcp/contracts';
import { prepareEvent } from './publisher';

const authData = () => ({ operationId: randomUUID(), orderNumber: '338459-20180531-00000703', amount: 1200, payType: 0 });

describe('prepareEvent', () => {
  it('routes an envelope made by createEnvelope by its contract, with the envelope headers', () => {
    const env = createEnvelope(AuthRequested, authData(), { shopId: 'demo-shop' });
    const prepared = prepareEvent(env);
    expect(prepared.routingKey).toBe(AuthRequested.routingKey);
    expect(prepared.envelope).toBe(env);
    expect(Object.values(prepared.headers)).toEqual(expect.arrayContaining([1, 'demo-shop']));
  });

  it('validates envelopes made elsewhere (parsed, copied, hand-built) and refuses broken ones', () => {
    const env = createEnvelope(AuthRequested, authData(), { shopId: 'demo-shop' });
    const copy = JSON.parse(JSON.stringify(env)) as EventEnvelope<Record<string, unknown>>;
    expect(prepareEvent(copy).routingKey).toBe(AuthRequested.routingKey);
    expect(() => prepareEvent({ ...copy, data: { ...copy.data, amount: -1 } })).toThrow(ContractViolationError);
    expect(() => prepareEvent({ ...copy, type: 'NoSuchEvent' })).toThrow(/unknown-type/);
  });
});
