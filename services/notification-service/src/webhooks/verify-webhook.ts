// Receivers: copy this file as is (it needs only node:crypto). The README shows it in full.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type WebhookVerification = { ok: true } | { ok: false; reason: string };

export interface VerifyWebhookInput {
  secret: string;
  /** The raw request body exactly as received (verify before parsing JSON). */
  body: string | Buffer;
  /** Value of the X-RCP-Timestamp header (Unix seconds). */
  timestamp: string | undefined;
  /** Value of the X-RCP-Signature header (`v1=<hex>`). */
  signature: string | undefined;
  /** Maximum age (and clock skew) accepted, seconds. Default 300. */
  toleranceSeconds?: number;
  /** Current time in Unix seconds; default the system clock. */
  nowSeconds?: number;
}

export function verifyWebhookSignature(input: VerifyWebhookInput): WebhookVerification {
  const { secret, body, timestamp, signature } = input;
  const tolerance = input.toleranceSeconds ?? 300;
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing or malformed timestamp' };
  if (Math.abs(now - Number(timestamp)) > tolerance) return { ok: false, reason: 'timestamp outside tolerance (replayed or old)' };
  const match = /^v1=([0-9a-f]{64})$/.exec(signature ?? '');
  if (!match) return { ok: false, reason: 'missing or malformed signature' };
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
  const given = Buffer.from(match[1], 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature mismatch' };
  return { ok: true };
}
