import { ArgumentMetadata, BadRequestException } from '@nestjs/common';
import { createValidationPipe } from '../http/validation';
import { CreateRuleDto, UpdateRuleDto } from './rule.dto';

const pipe = createValidationPipe();
const meta = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype, data: '' });

async function fieldErrorsOf(body: unknown, type: ArgumentMetadata['metatype'] = CreateRuleDto) {
  try {
    await pipe.transform(body, meta(type));
  } catch (err) {
    expect(err).toBeInstanceOf(BadRequestException);
    const response = (err as BadRequestException).getResponse() as { statusCode: number; error: string; errors: { field: string; message: string }[] };
    expect(response.statusCode).toBe(400);
    expect(response.error).toBe('Bad Request');
    return response.errors;
  }
  throw new Error('expected a validation failure');
}

const valid = {
  shopId: 'demo-shop',
  eventTypes: ['AuthFailed', 'PaymentStuck'],
  emails: ['ops@example.jp'],
  webhooks: [{ url: 'https://hooks.example.jp/rcp', secret: 'a-very-long-secret-1234' }],
  digestWindowSeconds: 60,
};

describe('rule validation', () => {
  it('accepts a valid rule', async () => {
    const dto = await pipe.transform(valid, meta(CreateRuleDto));
    expect(dto).toBeInstanceOf(CreateRuleDto);
    expect(dto.webhooks[0].url).toBe('https://hooks.example.jp/rcp');
  });

  it('names each bad field', async () => {
    const errors = await fieldErrorsOf({
      shopId: 'demo shop!',
      eventTypes: ['AuthFailed', 'Nonsense'],
      emails: ['not-an-email'],
      webhooks: [{ url: 'ftp://example.jp/x', secret: 'short' }],
      digestWindowSeconds: 0,
    });
    const fields = errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['shopId', 'eventTypes', 'emails', 'webhooks.0.url', 'webhooks.0.secret', 'digestWindowSeconds']));
    expect(JSON.stringify(errors)).not.toContain('short');
  });

  it('rejects unknown fields and webhook URLs with credentials', async () => {
    expect((await fieldErrorsOf({ ...valid, admin: true })).map((e) => e.field)).toContain('admin');
    const errors = await fieldErrorsOf({ ...valid, webhooks: [{ url: 'https://user:pw@hooks.example.jp/', secret: 'a-very-long-secret-1234' }] });
    expect(errors).toEqual([{ field: 'webhooks.0.url', message: expect.stringContaining('credentials') }]);
  });

  it('lets an update omit a webhook secret but not shorten it', async () => {
    await expect(pipe.transform({ webhooks: [{ url: 'https://hooks.example.jp/rcp' }] }, meta(UpdateRuleDto))).resolves.toBeInstanceOf(UpdateRuleDto);
    const errors = await fieldErrorsOf({ webhooks: [{ url: 'https://hooks.example.jp/rcp', secret: 'x' }] }, UpdateRuleDto);
    expect(errors.map((e) => e.field)).toEqual(['webhooks.0.secret']);
  });
});
