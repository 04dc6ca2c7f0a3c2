import { request } from 'undici';
import { DeliveryError } from './delivery-error';

export const WEBHOOK_SENDER = Symbol('WEBHOOK_SENDER');

export interface WebhookSender {
  post(url: string, body: string, headers: Record<string, string>): Promise<void>;
}

/** Statuses worth retrying; any other 3xx/4xx (redirects are not followed) is a permanent refusal. */
const RETRYABLE_4XX = new Set([408, 409, 425, 429]);

export class UndiciWebhookSender implements WebhookSender {
  constructor(private readonly timeoutMs: number) {}

  async post(url: string, body: string, headers: Record<string, string>): Promise<void> {
    let statusCode: number;
    try {
      const response = await request(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'rcp-notification-service/1', ...headers },
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      statusCode = response.statusCode;
      await response.body.dump();
    } catch (err) {
      const e = err as { code?: string; name?: string; message?: string };
      throw new DeliveryError(`${e.code ?? e.name ?? 'network error'}: ${String(e.message ?? err).slice(0, 200)}`);
    }
    if (statusCode >= 200 && statusCode < 300) return;
    const permanent = statusCode < 400 || (statusCode < 500 && !RETRYABLE_4XX.has(statusCode));
    throw new DeliveryError(`HTTP ${statusCode}`, permanent);
  }
}
