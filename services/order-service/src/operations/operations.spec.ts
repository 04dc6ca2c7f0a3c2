import { parse } from 'yaml';
import { buildAsyncApiDocument } from '@rcp/contracts';
import { payloadFields, renderAsyncApiHtml, toYaml } from './asyncapi-render';
import { toStreamItem } from './event-stream.service';

describe('AsyncAPI rendering', () => {
  const doc = buildAsyncApiDocument('rakuten.payments');

  it('YAML round-trips to the same document', () => {
    expect(parse(toYaml(doc))).toEqual(JSON.parse(JSON.stringify(doc)));
    expect(parse(toYaml({ a: [], b: {}, 'x-y': 'true', '#': [1, { c: null }], d: 'line\nbreak: "q"' }))).toEqual({ a: [], b: {}, 'x-y': 'true', '#': [1, { c: null }], d: 'line\nbreak: "q"' });
  });

  it('the page lists every routing key, the exchange and payload fields, escaped', () => {
    const html = renderAsyncApiHtml(doc, 'rakuten.payments');
    for (const c of Object.values(doc.channels as Record<string, { address: string }>)) expect(html).toContain(`<code>${c.address}</code>`);
    expect(html).toContain('<code>rakuten.payments</code>');
    expect(html).toContain('<code>orderNumber</code>');
    expect(renderAsyncApiHtml({ info: { title: '<script>x</script>' } }, 'e')).not.toContain('<script>x');
  });

  it('payload fields name types and required', () => {
    expect(payloadFields({ required: ['a'], properties: { a: { type: 'string' }, b: { type: 'array', items: { type: 'integer' } }, c: { enum: ['x', 'y'] } } })).toEqual([
      { field: 'a', type: 'string', required: true },
      { field: 'b', type: 'integer[]', required: false },
      { field: 'c', type: 'x | y', required: false },
    ]);
  });
});

describe('event stream items', () => {
  it('keep identification only, never the payload', () => {
    const body = {
      id: 'e1',
      type: 'AuthCompleted',
      version: 1,
      occurredAt: '2024-06-01T00:00:00.000Z',
      correlationId: 'c1',
      causationId: null,
      shopId: 'shop-1',
      data: { orderNumber: '338459-20240531-00000001', amount: 1000, authKey: 'secret-auth-key', cardNumber: '4111111111111111' },
    };
    const item = toStreamItem('payment.auth.completed', Buffer.from(JSON.stringify(body)));
    expect(item).toEqual({
      id: 'e1',
      type: 'AuthCompleted',
      routingKey: 'payment.auth.completed',
      shopId: 'shop-1',
      orderNumber: '338459-20240531-00000001',
      occurredAt: '2024-06-01T00:00:00.000Z',
      correlationId: 'c1',
    });
    expect(JSON.stringify(item)).not.toMatch(/secret|4111|1000/);
  });

  it('survive bodies that are not JSON, falling back to AMQP properties', () => {
    expect(toStreamItem('x.y', Buffer.from('not json'), { type: 'T', messageId: 'm', headers: { 'x-shop-id': 's' } })).toMatchObject({ id: 'm', type: 'T', shopId: 's', orderNumber: null });
  });
});
