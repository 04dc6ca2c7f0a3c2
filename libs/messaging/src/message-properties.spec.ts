import { envelopeProperties, intHeader, stringHeader } from './message-properties';
import { prepareEvent } from './publisher';
import { authRequested } from '../test/events';
import { parkingLotQueueOf, replayHeaders } from './parking-lot/parking-lot';
import { resolveTopology } from './topology';

describe('AMQP properties mirroring the envelope', () => {
  it('sets persistence, ids, type, timestamp in seconds, content type and envelope headers', () => {
    const e = { ...authRequested(), occurredAt: '2025-05-01T10:00:00.500Z', causationId: 'cause-1' };
    expect(envelopeProperties(e, { 'x-extra': 1 })).toEqual({
      persistent: true,
      deliveryMode: 2,
      messageId: e.id,
      type: 'AuthRequested',
      timestamp: Date.parse('2025-05-01T10:00:00Z') / 1000,
      correlationId: e.correlationId,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      headers: { 'x-event-version': 1, 'x-shop-id': 'example-shop', 'x-causation-id': 'cause-1', 'x-extra': 1 },
    });
    expect(envelopeProperties(authRequested()).headers).not.toHaveProperty('x-causation-id');
  });

  it('prepares an event with the contract routing key and refuses contract violations', () => {
    const e = authRequested();
    expect(prepareEvent(e)).toMatchObject({ routingKey: 'payment.auth.requested', headers: { 'x-shop-id': 'example-shop' } });
    expect(() => prepareEvent({ ...e, version: 7 })).toThrow(/unknown-version/);
    expect(() => prepareEvent({ ...e, data: { ...(e.data as object), amount: 1.5 } })).toThrow(/invalid-payload/);
  });

  it('reads headers defensively', () => {
    expect(intHeader({ a: 3, b: '4', c: 'x', d: -1 }, 'a', 1)).toBe(3);
    expect(intHeader({ b: '4' }, 'b', 1)).toBe(4);
    expect(intHeader({ c: 'x' }, 'c', 1)).toBe(1);
    expect(intHeader({ d: -1 }, 'd', 1)).toBe(1);
    expect(intHeader(undefined, 'a', 1)).toBe(1);
    expect(stringHeader({ a: Buffer.from('q') }, 'a')).toBe('q');
    expect(stringHeader({}, 'a')).toBeUndefined();
  });

  it('replay headers drop the transport bookkeeping and add x-replayed-at', () => {
    const h = replayHeaders(
      { 'x-shop-id': 's', 'x-attempt': 5, 'x-retry-history': '[]', 'x-parked-reason': 'r', 'x-rejection-code': 'c', 'x-original-queue': 'q', 'x-death': [] },
      new Date('2025-01-01T00:00:00Z'),
    );
    expect(h).toEqual({ 'x-shop-id': 's', 'x-replayed-at': '2025-01-01T00:00:00.000Z' });
    expect(parkingLotQueueOf('gw')).toBe('gw.dlq');
    expect(parkingLotQueueOf('gw.dlq')).toBe('gw.dlq');
  });
});

describe('resolveTopology', () => {
  it('prefixes names and adds x-expires only in tests', () => {
    const t = resolveTopology({ namePrefix: 't1', queue: 'gw', bindings: ['#'], retryDelaysMs: [10], retryJitterQueues: 1 });
    expect(t.exchange).toBe('t1.rakuten.payments');
    expect(t.consumer?.queue).toBe('t1.gw');
    expect(t.consumer?.queueArguments).toMatchObject({ 'x-queue-type': 'quorum', 'x-expires': 600000, 'x-delivery-limit': 20, 'x-dead-letter-routing-key': 't1.gw.dlq' });
    expect(t.consumer?.retryArguments(10)).toMatchObject({ 'x-message-ttl': 10, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 't1.gw' });
    const prod = resolveTopology({ queue: 'gw', deliveryLimit: 7 });
    expect(prod.exchange).toBe('rakuten.payments');
    expect(prod.exchangeOptions).toEqual({ durable: true, autoDelete: false });
    expect(prod.consumer?.queueArguments).not.toHaveProperty('x-expires');
    expect(prod.consumer?.queueArguments['x-delivery-limit']).toBe(7);
    expect(() => resolveTopology({ queue: 'gw', retryDelaysMs: [] })).toThrow(/retryDelaysMs/);
  });
});
