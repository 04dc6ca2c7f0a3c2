import { generateApiKey } from './api-key';
import { redactForAudit } from './redact';

describe('audit redaction', () => {
  it('drops secret-named fields at any depth and masks API keys inside text', () => {
    const key = generateApiKey().key;
    const out = redactForAudit({
      name: 'ops',
      webhooks: [{ url: 'https://erp.example.jp/h', secret: 'super-secret-value-123' }],
      credentials: { userId: 'u', authKey: 'k' },
      password: 'p',
      headers: { Authorization: `Bearer ${key}`, 'x-api-key': key },
      note: `please use ${key} for now`,
    });
    const text = JSON.stringify(out);
    expect(text).not.toContain('super-secret-value-123');
    expect(text).not.toContain(key);
    expect(text).not.toContain('"p"');
    expect(out).toMatchObject({
      name: 'ops',
      webhooks: [{ url: 'https://erp.example.jp/h', secret: '[redacted]' }],
      credentials: '[redacted]',
      password: '[redacted]',
      headers: { Authorization: '[redacted]', 'x-api-key': '[redacted]' },
      note: 'please use [redacted] for now',
    });
  });

  it('bounds size: long strings and arrays are cut, buffers become their length', () => {
    const out = redactForAudit({ list: Array.from({ length: 120 }, (_, i) => i), text: 'a'.repeat(1000), file: Buffer.alloc(2048) }) as Record<string, unknown>;
    expect((out.list as unknown[]).length).toBe(51);
    expect(String(out.text).length).toBeLessThan(260);
    expect(out.file).toEqual({ bytes: 2048 });
  });
});
