import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signWebhook } from './sign-webhook';
import { verifyWebhookSignature } from './verify-webhook';

describe('webhook signature', () => {
  const secret = 'whsec_0123456789abcdef';
  const body = JSON.stringify({ id: 'e1', type: 'AuthFailed', data: { orderNumber: '338459-20180531-00000703' } });
  const now = 1_760_000_000;
  const sig = signWebhook(secret, now, body);

  it('accepts the signature the service produces', () => {
    expect(sig).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature({ secret, body, timestamp: String(now), signature: sig, nowSeconds: now + 10 })).toEqual({ ok: true });
    expect(verifyWebhookSignature({ secret, body: Buffer.from(body), timestamp: String(now), signature: sig, nowSeconds: now })).toEqual({ ok: true });
  });

  it('rejects a tampered body', () => {
    const tampered = body.replace('00000703', '00000704');
    expect(verifyWebhookSignature({ secret, body: tampered, timestamp: String(now), signature: sig, nowSeconds: now })).toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
  });

  it('rejects a signature moved to another timestamp', () => {
    expect(verifyWebhookSignature({ secret, body, timestamp: String(now + 1), signature: sig, nowSeconds: now }).ok).toBe(false);
  });

  it('rejects a replayed (old) delivery and one from the future', () => {
    const old = verifyWebhookSignature({ secret, body, timestamp: String(now), signature: sig, nowSeconds: now + 301 });
    expect(old).toEqual({ ok: false, reason: 'timestamp outside tolerance (replayed or old)' });
    expect(verifyWebhookSignature({ secret, body, timestamp: String(now), signature: sig, nowSeconds: now - 301 }).ok).toBe(false);
    expect(verifyWebhookSignature({ secret, body, timestamp: String(now), signature: sig, nowSeconds: now + 60, toleranceSeconds: 30 }).ok).toBe(false);
  });

  it('rejects a wrong secret and malformed headers', () => {
    expect(verifyWebhookSignature({ secret: 'other-secret-123456', body, timestamp: String(now), signature: sig, nowSeconds: now }).ok).toBe(false);
    expect(verifyWebhookSignature({ secret, body, timestamp: undefined, signature: sig, nowSeconds: now }).ok).toBe(false);
    expect(verifyWebhookSignature({ secret, body, timestamp: 'abc', signature: sig, nowSeconds: now }).ok).toBe(false);
    expect(verifyWebhookSignature({ secret, body, timestamp: String(now), signature: sig.slice(0, -2), nowSeconds: now }).ok).toBe(false);
    expect(verifyWebhookSignature({ secret, body, timestamp: String(now), signature: sig.replace('v1=', 'v0='), nowSeconds: now }).ok).toBe(false);
  });
});

describe('README verification snippet', () => {
  it('is the code the tests run', () => {
    const source = readFileSync(join(__dirname, 'verify-webhook.ts'), 'utf8').split('\n').slice(1).join('\n').trim();
    expect(readFileSync(join(__dirname, '../../README.md'), 'utf8')).toContain(source);
  });
});
