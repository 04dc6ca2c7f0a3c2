import { randomUUID } from 'node:crypto';
import { SHOP_ID } from './system';

/** A message that must end in the parking lot of every consumer whose bindings match its routing key. */
export interface PoisonMessage {
  label: string;
  routingKey: string;
  messageId: string;
  body: Buffer;
  /** rejection code we expect (for the report) */
  code: string;
  /** type property (AMQP) */
  type?: string;
}

/** A card number (Luhn-valid test PAN) that must never appear in any log either. */
export const POISON_PAN = '4111 1111 1111 1111';

const envelope = (type: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  type,
  version: 1,
  occurredAt: new Date().toISOString(),
  correlationId: randomUUID(),
  causationId: null,
  shopId: SHOP_ID,
  data,
  ...extra,
});

/** The poison set of scenario 9; `orderNumber` is an order that exists nowhere. */
export function poisonMessages(orderNumber: string): PoisonMessage[] {
  const auth = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) => envelope('AuthRequested', { operationId: randomUUID(), orderNumber, amount: 1000, payType: 0, ...data }, extra);
  const list: { label: string; routingKey: string; code: string; body: unknown; raw?: Buffer }[] = [
    { label: 'not JSON', routingKey: 'payment.auth.requested', code: 'not-json', body: undefined, raw: Buffer.from('{"id": "this is not json') },
    { label: 'JSON array', routingKey: 'order.shipped', code: 'invalid-envelope', body: [1, 2, 3] },
    { label: 'unknown field', routingKey: 'payment.auth.requested', code: 'invalid-payload', body: auth({ cardNumberHint: 'x' }) },
    { label: 'unknown envelope field', routingKey: 'order.shipped', code: 'invalid-envelope', body: envelope('OrderShipped', { orderNumber, shippedAt: new Date().toISOString() }, { sneaky: true }) },
    { label: 'unknown version', routingKey: 'payment.auth.requested', code: 'unknown-version', body: auth({}, { version: 99 }) },
    { label: 'unknown type', routingKey: 'payment.auth.requested', code: 'unknown-type', body: envelope('AuthRequestedPlease', { orderNumber }) },
    { label: 'wrong type (amount as string)', routingKey: 'payment.auth.requested', code: 'invalid-payload', body: auth({ amount: '1000' }) },
    { label: 'negative amount', routingKey: 'payment.capture.requested', code: 'invalid-payload', body: envelope('CaptureRequested', { operationId: randomUUID(), orderNumber, amount: -500 }) },
    { label: 'fractional amount', routingKey: 'payment.auth.requested', code: 'invalid-payload', body: auth({ amount: 1000.5 }) },
    { label: 'oversized payload', routingKey: 'payment.auth.requested', code: 'too-large', body: auth({}, { padding: 'x'.repeat(300 * 1024) }) },
    {
      label: 'card number in a text field',
      routingKey: 'payment.auth.failed',
      code: 'card-number-like-data',
      body: envelope('AuthFailed', {
        operationId: randomUUID(),
        orderNumber,
        rccsRequestId: null,
        errorCode: 'RCCS_E22-822',
        ccsErrorCode: '210G55',
        message: `declined card ${POISON_PAN}`,
        errorClass: 'buyer-action',
      }),
    },
    { label: 'wrong types in a shipping event', routingKey: 'order.shipped', code: 'invalid-payload', body: envelope('OrderShipped', { orderNumber: 12345, shippedAt: 'yesterday' }) },
  ];
  return list.map((p) => {
    const messageId = p.body && typeof p.body === 'object' && !Array.isArray(p.body) ? String((p.body as { id: string }).id) : randomUUID();
    return { label: p.label, routingKey: p.routingKey, code: p.code, messageId, body: p.raw ?? Buffer.from(JSON.stringify(p.body)) };
  });
}
