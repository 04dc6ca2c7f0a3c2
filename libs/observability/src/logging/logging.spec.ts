import { Controller, Get, Headers, INestApplication, Logger as NestLogger, Module, Post, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { messageScopeStorage, currentMessageContext } from '@rcp/messaging';
import { Logger } from 'nestjs-pino';
import request from 'supertest';
import { CORRELATION_ID_HEADER, createLogger, loggerModule, requestCorrelationId } from './logger';
import { REDACTED, redactDeep, redactSecrets } from './redact';

const CANARY = 'CANARY-5ecret-7f3a';

function capture() {
  const lines: string[] = [];
  return {
    lines,
    stream: { write: (s: string) => void lines.push(s) },
    json: () => lines.flatMap((l) => l.split('\n').filter(Boolean)).map((l) => JSON.parse(l) as Record<string, unknown>),
    text: () => lines.join(''),
  };
}

const messageScope = (messageId: string, correlationId: string, type: string) => ({
  context: { messageId, correlationId, type, causationId: null, shopId: 'shop-1', attempt: 1 },
});

describe('logging', () => {
  it('writes JSON lines with service, level and the message context inside handlers', async () => {
    const out = capture();
    const log = createLogger({ service: 'order-service', level: 'debug', messageContext: currentMessageContext, destination: out.stream });
    log.info('outside');
    await messageScopeStorage.run(messageScope('m-1', 'c-1', 'AuthCompleted'), async () => {
      await Promise.resolve();
      log.debug({ orderId: 'o-1' }, 'inside');
    });
    const [outside, inside] = out.json();
    expect(outside).toMatchObject({ service: 'order-service', level: 'info', msg: 'outside' });
    expect(outside).not.toHaveProperty('messageId');
    expect(inside).toMatchObject({
      service: 'order-service',
      level: 'debug',
      msg: 'inside',
      orderId: 'o-1',
      messageId: 'm-1',
      correlationId: 'c-1',
      type: 'AuthCompleted',
    });
    expect(typeof inside.time).toBe('string');
  });

  it('honours the level and survives a throwing context source', () => {
    const out = capture();
    const log = createLogger({
      service: 's',
      level: 'warn',
      destination: out.stream,
      messageContext: () => {
        throw new Error('no');
      },
    });
    log.info('dropped');
    log.warn('kept');
    expect(out.json().map((l) => l.msg)).toEqual(['kept']);
  });

  describe('HTTP (nestjs-pino)', () => {
    const out = capture();

    @Controller('orders')
    class OrdersController {
      private readonly log = new NestLogger('Orders');

      @Get()
      list(@Req() req: { id?: unknown }) {
        this.log.log('listing orders');
        return { correlationId: requestCorrelationId(req) };
      }

      @Post('login')
      login(@Headers('authorization') _auth: string) {
        this.log.log({ user: { password: CANARY }, shop: { rccs: { authKey: CANARY } } }, 'login');
        this.log.error(`card API rejected <ns:authKey>${CANARY}</ns:authKey> authKey=${CANARY}&x=1 {"apiKey":"${CANARY}"}`);
        return { ok: true };
      }
    }

    @Module({
      imports: [loggerModule({ service: 'payment-gateway', level: 'info', destination: out.stream, messageContext: currentMessageContext })],
      controllers: [OrdersController],
    })
    class App {}

    let app: INestApplication;
    beforeAll(async () => {
      app = await NestFactory.create(App, { bufferLogs: true });
      app.useLogger(app.get(Logger));
      app.flushLogs(); // listen() does this in a service
      await app.init();
    });
    afterAll(async () => app?.close());
    beforeEach(() => out.lines.splice(0));

    it('echoes a given x-correlation-id and puts it on every line of the request', async () => {
      const res = await request(app.getHttpServer()).get('/orders').set(CORRELATION_ID_HEADER, 'corr-42').expect(200);
      expect(res.headers[CORRELATION_ID_HEADER]).toBe('corr-42');
      expect(res.body).toEqual({ correlationId: 'corr-42' });
      const lines = out.json();
      const listing = lines.find((l) => l.msg === 'listing orders');
      expect(listing).toMatchObject({ service: 'payment-gateway', correlationId: 'corr-42', context: 'Orders' });
      expect(lines.find((l) => l.msg === 'request completed')).toMatchObject({ correlationId: 'corr-42', res: { statusCode: 200 } });
    });

    it('keeps the completion line lean: method, URL, status, duration; no headers', async () => {
      await request(app.getHttpServer()).get('/orders?page=2').set('User-Agent', 'ops-probe/1').set('X-Custom', 'x').expect(200);
      const done = out.json().find((l) => l.msg === 'request completed');
      expect(done).toMatchObject({ req: { method: 'GET', url: '/orders?page=2', userAgent: 'ops-probe/1' }, res: { statusCode: 200 } });
      expect(typeof done?.responseTime).toBe('number');
      expect(Object.keys(done?.req as object).sort()).toEqual(['method', 'remoteAddress', 'url', 'userAgent']);
      expect(done?.res).toEqual({ statusCode: 200 });
    });

    it('generates a correlation id when absent or malformed', async () => {
      const a = await request(app.getHttpServer()).get('/orders').expect(200);
      const b = await request(app.getHttpServer()).get('/orders').set(CORRELATION_ID_HEADER, 'bad id {"x":1}').expect(200);
      for (const res of [a, b]) expect(res.headers[CORRELATION_ID_HEADER]).toMatch(/^[0-9a-f-]{36}$/);
      expect(a.headers[CORRELATION_ID_HEADER]).not.toBe(b.headers[CORRELATION_ID_HEADER]);
      expect(out.json().filter((l) => l.msg === 'listing orders').map((l) => l.correlationId)).toEqual([
        a.headers[CORRELATION_ID_HEADER],
        b.headers[CORRELATION_ID_HEADER],
      ]);
    });

    it('never lets the canary secret out: headers, nested keys, XML, query/JSON text, errors', async () => {
      await request(app.getHttpServer())
        .post(`/orders/login?authKey=${CANARY}`)
        .set('Authorization', `Bearer ${CANARY}`)
        .set('Cookie', `session=${CANARY}`)
        .expect(201);
      const text = out.text();
      expect(text).toContain('card API rejected');
      expect(text).toContain(REDACTED);
      expect(text).not.toContain(CANARY);
    });
  });

  it('never lets the canary out of a standalone logger (redact paths, free text, errors)', () => {
    const out = capture();
    const log = createLogger({ service: 's', destination: out.stream });
    log.info({ authKey: CANARY, password: CANARY, secret: CANARY, apiKey: CANARY }, 'top level');
    log.info({ shop: { authKey: CANARY }, a: { b: { authKey: CANARY } }, a1: { b: { c: { d: { authKey: CANARY } } } } }, 'nested');
    log.info({ headers: { authorization: `Basic ${CANARY}`, cookie: CANARY } }, 'headers');
    log.info({ body: `<req><authKey>${CANARY}</authKey></req>` }, 'xml field');
    log.info(`soap <authKey xmlns="urn:x">${CANARY}</authKey> and "authKey": "${CANARY}" and password=${CANARY}`);
    log.info('format %s', `authKey=${CANARY}`);
    log.error({ err: new Error(`upstream said authKey=${CANARY}`) }, 'failed');
    log.error(new Error(`<authKey>${CANARY}</authKey>`));
    const lines = out.json();
    expect(lines).toHaveLength(8);
    expect(lines[0]).toMatchObject({ authKey: REDACTED, password: REDACTED, secret: REDACTED, apiKey: REDACTED });
    expect(out.text()).not.toContain(CANARY);
  });

  describe('redactSecrets', () => {
    it.each([
      [`<authKey>${CANARY}</authKey>`, `<authKey>${REDACTED}</authKey>`],
      [`<ns1:authKey a="1">\n${CANARY}\n</ns1:authKey><x>keep</x>`, `<ns1:authKey a="1">${REDACTED}</ns1:authKey><x>keep</x>`],
      [`?shopId=1&authKey=${CANARY}&amount=100`, `?shopId=1&authKey=${REDACTED}&amount=100`],
      [`{"authKey":"${CANARY}","amount":100}`, `{"authKey":"${REDACTED}","amount":100}`],
      [`{"authKey" : "a\\"${CANARY}"}`, `{"authKey" : "${REDACTED}"}`],
      [`password: ${CANARY} next`, `password: ${REDACTED} next`],
      [`api_key='${CANARY}'`, `api_key='${REDACTED}'`],
      [`Authorization: Bearer ${CANARY}`, `Authorization: Bearer ${REDACTED}`],
      ['nothing secret here: amount=100', 'nothing secret here: amount=100'],
    ])('%s', (input, expected) => {
      expect(redactSecrets(input)).toBe(expected);
    });

    it('redactDeep masks secret keys and strings without mutating the input', () => {
      const input = { a: 1, shop: { authKey: CANARY }, list: [`authKey=${CANARY}`], keep: { x: 'y' } };
      const out = redactDeep(input);
      expect(out).toEqual({ a: 1, shop: { authKey: REDACTED }, list: [`authKey=${REDACTED}`], keep: { x: 'y' } });
      expect(out.keep).toBe(input.keep);
      expect(input.shop.authKey).toBe(CANARY);
    });
  });
});
