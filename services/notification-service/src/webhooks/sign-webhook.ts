import { createHmac } from 'node:crypto';

export const SIGNATURE_VERSION = 'v1';

export const WEBHOOK_HEADERS = {
  timestamp: 'X-RCP-Timestamp',
  signature: 'X-RCP-Signature',
  eventId: 'X-RCP-Event-Id',
  eventType: 'X-RCP-Event-Type',
  deliveryId: 'X-RCP-Delivery-Id',
} as const;

/** `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`; timestamp in Unix seconds. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  const hex = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `${SIGNATURE_VERSION}=${hex}`;
}
