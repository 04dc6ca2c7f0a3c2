import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { fixture } from '../test/fixtures';
import { assertRccsOk, RccsClient, type RccsClientOptions } from './client';
import { RccsApiError, RccsTransportError, RccsValidationError } from './errors';

const AUTH_KEY = 'SUPER-SECRET-AUTH-KEY-0123456789';
const credentials = { shopUrl: 'example-shop', userName: 'cardapi01', authKey: AUTH_KEY };

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
interface Received {
  method?: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let baseUrl: string;
let handler: Handler;
let received: Received[];
let connections: number;
const clients: RccsClient[] = [];

const soap = (operation: string, inner: string) =>
  `<?xml version='1.0' encoding='UTF-8'?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><ns2:${operation}Response xmlns:ns2="http://orderapi.rms.rakuten.co.jp/rccsapi-services/RCCSAPI" xmlns:ns3="java:jp.co.rakuten.rms.mall.rccsapi.model.entity"><ns2:result>${inner}</ns2:result></ns2:${operation}Response></S:Body></S:Envelope>`;
const fault = (code: string, text: string) =>
  `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><S:Fault><faultcode>${code}</faultcode><faultstring>${text}</faultstring></S:Fault></S:Body></S:Envelope>`;
const reply = (status: number, xml: string) => (_req: IncomingMessage, _body: string, res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'text/xml;charset="utf-8"' });
  res.end(xml);
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method, headers: req.headers, body });
      handler(req, body, res);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rccsapi-services/RCCSApiService`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  connections = 0;
  handler = reply(200, fixture('getRCCSRequestId.response.xml'));
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function client(options: Partial<RccsClientOptions> = {}): RccsClient {
  const c = new RccsClient({ endpoint: baseUrl, connectTimeoutMs: 1_000, responseTimeoutMs: 2_000, ...options });
  clients.push(c);
  return c;
}

async function transportError(promise: Promise<unknown>): Promise<RccsTransportError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RccsTransportError);
  return err as RccsTransportError;
}

function expectNoKey(value: unknown): void {
  const err = value as Error;
  expect(inspect(value, { depth: 10, showHidden: true })).not.toContain(AUTH_KEY);
  expect(JSON.stringify(value)).not.toContain(AUTH_KEY);
  if (err instanceof Error) {
    expect(err.message).not.toContain(AUTH_KEY);
    expect(String(err.stack)).not.toContain(AUTH_KEY);
    expect(inspect(err.cause, { depth: 10 })).not.toContain(AUTH_KEY);
  }
}

describe('RccsClient — successful calls', () => {
  it('getRCCSRequestId: POSTs the envelope with SOAP headers and returns the id plus a masked raw exchange', async () => {
    const result = await client().getRCCSRequestId(credentials);
    expect(result.ok).toBe(true);
    expect(assertRccsOk(result)).toEqual({ requestId: 200004512 });
    const [req] = received;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('text/xml; charset=UTF-8');
    expect(req.headers['soapaction']).toBe('""');
    expect(req.body).toContain(`<e:authKey>${AUTH_KEY}</e:authKey>`);
    const { exchange } = result;
    expect(exchange).toMatchObject({ operation: 'getRCCSRequestId', httpStatus: 200, endpoint: baseUrl });
    expect(exchange.requestXml).not.toContain(AUTH_KEY);
    expect(exchange.requestXml).toMatch(/<e:authKey>\*+89<\/e:authKey>/);
    expect(exchange.requestXml.replace(/<e:authKey>[^<]*</, '<e:authKey>K<')).toBe(req.body.replace(/<e:authKey>[^<]*</, '<e:authKey>K<'));
    expect(exchange.responseXml).toBe(fixture('getRCCSRequestId.response.xml'));
    expect(exchange.durationMs).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(Date.parse(exchange.startedAt))).toBe(false);
    expectNoKey(result);
  });

  it.each(['authori', 'authoriCancel', 'sales', 'salesCancel'] as const)('%s: sends the batch and returns the acceptance', async (op) => {
    handler = reply(200, fixture('authori.response.xml').replace(/authoriResponse/g, `${op}Response`));
    const c = client();
    const items = [
      { orderNumber: '123456-20240105-00000123', price: 5480, payType: 0 },
      { orderNumber: '123456-20240105-00000124', price: 1200, payType: 0, helpItem: 'batch-7' },
    ];
    const result = op === 'authori' ? await c.authori(credentials, 200004512, items) : await c[op](credentials, 200004512, items);
    expect(result).toMatchObject({ ok: true, operation: op, errorCode: 'RCCS_N00-000', message: '正常終了', value: { requestId: null, unitErrors: [] } });
    expect(received[0].body).toContain(`<r:${op}>`);
    expect(received[0].body).toContain('<r:intVal>200004512</r:intVal>');
    expect(received[0].body.match(/<e:orderNumber>/g)).toHaveLength(2);
  });

  it('getRCCSResult: many ids in one call, typed per-order results', async () => {
    handler = reply(200, fixture('getRCCSResult.response.xml'));
    const result = await client({ strictOrder: true }).getRCCSResult(credentials, [200004512, 200004513]);
    expect(received[0].body).toContain('<r:ints><b:int>200004512</b:int><b:int>200004513</b:int></r:ints>');
    const value = assertRccsOk(result);
    expect(value.requests[0].results.map((r) => [r.orderNumber, r.errorCode, r.cardStatus])).toEqual([
      ['123456-20240105-00000123', 'RCCS_N00-000', 12],
      ['123456-20240105-00000124', 'RCCS_E22-822', 13],
    ]);
  });

  it('getRCCSResultAll: sends the criteria, returns results', async () => {
    handler = reply(200, fixture('getRCCSResultAll.response.xml'));
    const result = await client().getRCCSResultAll(credentials, { fromDate: new Date('2024-01-01T00:00:00+09:00'), toDate: '2024-01-08', cardStatus: 12 });
    expect(received[0].body).toContain('<e:cardStatus>12</e:cardStatus><e:fromDate>2024-01-01</e:fromDate>');
    expect(received[0].body).toContain('<e:payType/><e:toDate>2024-01-08</e:toDate>');
    expect(assertRccsOk(result).results).toHaveLength(2);
  });

  it('reuses the keep-alive connection across calls', async () => {
    const c = client({ maxConnections: 1 });
    for (let i = 0; i < 3; i++) await c.getRCCSRequestId(credentials);
    expect(received).toHaveLength(3);
    expect(connections).toBe(1);
  });
});

describe('RccsClient — request-level API results', () => {
  it('an error code is a typed ok:false result with the table classification, not an exception', async () => {
    handler = reply(200, soap('getRCCSRequestId', '<errorCode>RCCS_E01-001</errorCode><message>認証エラー</message>'));
    const result = await client().getRCCSRequestId(credentials);
    expect(result).toMatchObject({ ok: false, errorCode: 'RCCS_E01-001', message: '認証エラー', classification: { classification: 'operator-action', messageJa: '認証エラー' } });
    expect(() => assertRccsOk(result)).toThrow(RccsApiError);
    try {
      assertRccsOk(result);
    } catch (err) {
      expect(err).toMatchObject({ errorCode: 'RCCS_E01-001', classification: 'operator-action', operation: 'getRCCSRequestId' });
      expectNoKey(err);
    }
  });

  it('an unknown error code is ok:false with the operator-action default', async () => {
    handler = reply(200, soap('getRCCSResult', '<errorCode>RCCS_E42-424</errorCode>'));
    const result = await client().getRCCSResult(credentials, [1]);
    expect(result).toMatchObject({ ok: false, classification: { classification: 'operator-action', entry: null } });
  });

  it('a warning code is accepted: per-order data decides', async () => {
    handler = reply(200, soap('sales', '<errorCode>RCCS_W00-000</errorCode><message>エラーあり</message>'));
    const result = await client().sales(credentials, 9, [{ orderNumber: 'x' }]);
    expect(result.ok).toBe(true);
  });
});

describe('RccsClient — transport errors (no retries, exchange attached)', () => {
  it('server hangs → timeout, may have been registered, exactly one attempt', async () => {
    handler = () => undefined;
    const err = await transportError(client({ responseTimeoutMs: 150 }).authori(credentials, 1, [{ orderNumber: 'o', price: 1, payType: 0 }]));
    expect(err).toMatchObject({ kind: 'timeout', operation: 'authori', requestMayHaveBeenRegistered: true, httpStatus: undefined });
    expect(err.exchange).toMatchObject({ httpStatus: null, responseXml: null });
    expect(err.exchange.requestXml).toContain('<r:authori>');
    expect(err.cause?.code).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(received).toHaveLength(1);
    expectNoKey(err);
  });

  it('body stalls after the headers → timeout with the HTTP status known', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.write('<S:Envelope');
    };
    const err = await transportError(client({ responseTimeoutMs: 150 }).getRCCSRequestId(credentials));
    expect(err).toMatchObject({ kind: 'timeout', requestMayHaveBeenRegistered: true, httpStatus: 200 });
  });

  it('total deadline → timeout even when the server trickles bytes', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      const timer = setInterval(() => res.write(' '), 20);
      res.on('close', () => clearInterval(timer));
    };
    const err = await transportError(client({ responseTimeoutMs: 100, totalTimeoutMs: 300 }).getRCCSRequestId(credentials));
    expect(err).toMatchObject({ kind: 'timeout', requestMayHaveBeenRegistered: true });
  });

  it('connection refused → connect, not registered', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const err = await transportError(client({ endpoint: `http://127.0.0.1:${port}/x` }).authori(credentials, 1, [{ orderNumber: 'o', price: 1, payType: 0 }]));
    expect(err).toMatchObject({ kind: 'connect', requestMayHaveBeenRegistered: false });
    expect(err.cause?.code).toBe('ECONNREFUSED');
    expectNoKey(err);
  });

  it('socket destroyed after the body was read → connection-reset, may have been registered', async () => {
    handler = (req) => req.socket.destroy();
    const err = await transportError(client().sales(credentials, 1, [{ orderNumber: 'o' }]));
    expect(err).toMatchObject({ kind: 'connection-reset', requestMayHaveBeenRegistered: true });
    expect(received).toHaveLength(1);
    expectNoKey(err);
  });

  it('HTTP 500 with a SOAP fault → soap-fault with the fault details', async () => {
    handler = reply(500, fixture('fault-client.xml'));
    const err = await transportError(client().authori(credentials, 1, [{ orderNumber: 'o', price: 1, payType: 0 }]));
    expect(err).toMatchObject({ kind: 'soap-fault', httpStatus: 500, requestMayHaveBeenRegistered: true, fault: { faultCode: 'S:Client' } });
    expect(err.fault?.faultString).toContain('Cannot find dispatch method');
    expect(err.exchange.responseXml).toContain('S:Fault');
  });

  it('HTTP 200 with a SOAP fault → soap-fault', async () => {
    handler = reply(200, fault('S:Server', 'boom'));
    const err = await transportError(client().getRCCSRequestId(credentials));
    expect(err).toMatchObject({ kind: 'soap-fault', httpStatus: 200, fault: { faultCode: 'S:Server', faultString: 'boom' } });
  });

  it('HTTP 503 without fault → http-status, may have been registered; HTTP 400 → not registered', async () => {
    handler = reply(503, '<html>Service Unavailable</html>');
    expect(await transportError(client().getRCCSRequestId(credentials))).toMatchObject({ kind: 'http-status', httpStatus: 503, requestMayHaveBeenRegistered: true });
    handler = reply(400, 'wrong format');
    expect(await transportError(client().getRCCSRequestId(credentials))).toMatchObject({ kind: 'http-status', httpStatus: 400, requestMayHaveBeenRegistered: false });
  });

  it.each([
    ['DOCTYPE with entities', '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>&b;</S:Body></S:Envelope>'],
    ['not XML', 'OK'],
    ['truncated XML', fixture('getRCCSRequestId.response.xml').slice(0, 200)],
    ['success without requestId', soap('getRCCSRequestId', '<errorCode>RCCS_N00-000</errorCode>')],
  ])('HTTP 200 with %s → malformed-response', async (_name, body) => {
    handler = reply(200, body);
    const err = await transportError(client().getRCCSRequestId(credentials));
    expect(err).toMatchObject({ kind: 'malformed-response', httpStatus: 200, requestMayHaveBeenRegistered: true });
    expect(err.exchange.responseXml).toBe(body);
  });

  it('huge response → malformed-response, body discarded, logged response truncated', async () => {
    const huge = soap('getRCCSResultAll', `<errorCode>RCCS_N00-000</errorCode><message>${'x'.repeat(2_000_000)}</message>`);
    handler = reply(200, huge);
    const err = await transportError(client({ maxResponseBytes: 64 * 1024 }).getRCCSResultAll(credentials, { fromDate: '2024-01-01', toDate: '2024-01-02' }));
    expect(err).toMatchObject({ kind: 'malformed-response', requestMayHaveBeenRegistered: true });
    expect(err.message).toContain('exceeds 65536 bytes');
  });

  it('truncates a large but allowed response in the exchange log', async () => {
    handler = reply(200, soap('getRCCSRequestId', `<errorCode>RCCS_N00-000</errorCode><message>${'あ'.repeat(5000)}</message><requestId>1</requestId>`));
    const result = await client({ maxLoggedResponseChars: 100 }).getRCCSRequestId(credentials);
    expect(result.ok).toBe(true);
    expect(result.exchange.responseXml).toMatch(/…\[truncated \d+ chars\]$/);
  });

  it('invalid UTF-8 → malformed-response', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x61, 0x3e]));
    };
    expect(await transportError(client().getRCCSRequestId(credentials))).toMatchObject({ kind: 'malformed-response' });
  });

  it('after close() calls fail with connect, not registered', async () => {
    const c = client();
    await c.close();
    expect(await transportError(c.getRCCSRequestId(credentials))).toMatchObject({ kind: 'connect', requestMayHaveBeenRegistered: false });
  });
});

describe('RccsClient — the auth key never leaks', () => {
  it('is masked when the server echoes it in a fault, a response and an HTTP error page', async () => {
    handler = (_req, body, res) => {
      res.writeHead(500, { 'content-type': 'text/xml' });
      res.end(fault('S:Server', `bad key ${body.match(/<e:authKey>([^<]*)</)?.[1]} &amp; ${AUTH_KEY}`));
    };
    const err = await transportError(client().getRCCSRequestId(credentials));
    expect(err.fault?.faultString).toMatch(/^bad key \*+89 & \*+89$/);
    expectNoKey(err);

    handler = reply(200, soap('getRCCSRequestId', `<errorCode>RCCS_E01-001</errorCode><message>${AUTH_KEY}</message>`));
    const result = await client().getRCCSRequestId(credentials);
    expect(result.exchange.responseXml).not.toContain(AUTH_KEY);

    handler = reply(502, `<html>${AUTH_KEY}</html>`);
    expectNoKey(await transportError(client().getRCCSRequestId(credentials)));
  });

  it('XML-special characters in the key are masked too', async () => {
    const key = 'k&<ey>"\'-1234567890';
    const result = await client().getRCCSRequestId({ ...credentials, authKey: key });
    expect(received[0].body).toContain('<e:authKey>k&amp;&lt;ey&gt;&quot;&apos;-1234567890</e:authKey>');
    expect(result.exchange.requestXml).not.toContain('k&amp;&lt;ey');
  });
});

describe('RccsClient — input validation (nothing is sent)', () => {
  it.each([
    ['no items', (c: RccsClient) => c.authori(credentials, 1, [])],
    ['fractional price', (c: RccsClient) => c.authori(credentials, 1, [{ orderNumber: 'o', price: 10.5, payType: 0 }])],
    ['request id 0', (c: RccsClient) => c.sales(credentials, 0, [{ orderNumber: 'o' }])],
    ['blank order number', (c: RccsClient) => c.salesCancel(credentials, 1, [{ orderNumber: ' ' }])],
    ['control character', (c: RccsClient) => c.authoriCancel(credentials, 1, [{ orderNumber: 'o', helpItem: 'a\u0001' }])],
    ['bad date', (c: RccsClient) => c.getRCCSResultAll(credentials, { fromDate: '2024/01/01', toDate: '2024-01-02' })],
    ['no ids', (c: RccsClient) => c.getRCCSResult(credentials, [])],
    ['missing key', (c: RccsClient) => c.getRCCSRequestId({ ...credentials, authKey: '' })],
    ['too many orders', (c: RccsClient) => c.sales(credentials, 1, [{ orderNumber: 'a' }, { orderNumber: 'b' }, { orderNumber: 'c' }])],
  ])('%s → rejects with RccsValidationError', async (_name, call) => {
    const c = client({ maxItemsPerRequest: 2 });
    await expect(call(c)).rejects.toThrow(RccsValidationError);
    expect(received).toHaveLength(0);
  });

  it('a bad key character is reported without echoing the key', async () => {
    try {
      await client().getRCCSRequestId({ ...credentials, authKey: `${AUTH_KEY}\u0000` });
      throw new Error('expected a validation error');
    } catch (err) {
      expect(err).toBeInstanceOf(RccsValidationError);
      expectNoKey(err);
    }
  });

  it('rejects bad client options', () => {
    expect(() => new RccsClient({ endpoint: 'not a url', connectTimeoutMs: 1, responseTimeoutMs: 1 })).toThrow(TypeError);
  });
});
