import * as http from 'node:http';
import { networkInterfaces } from 'node:os';
import { type RunningSimulator, startSimulator } from '../src/bootstrap';
import { SimClient, envelope, xml } from './sim-client';

/** Hostile and malformed HTTP input, the WSDL/health endpoints and the admin guard, over real HTTP (memory store). */
let sim: RunningSimulator;
let c: SimClient;
const LIMIT = 64 * 1024;

beforeAll(async () => {
  sim = await startSimulator({ env: {}, config: { port: 0, host: '0.0.0.0', store: 'memory', limits: { maxBodyBytes: LIMIT }, settings: { processingDelayMs: 0 } } });
  c = new SimClient(sim);
});
afterAll(() => sim?.close());

/** Raw POST with node:http (keeps whatever the server answers even if it stops reading early). */
function rawPost(body: string | Buffer, headers: Record<string, string | number> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(sim.soapUrl, { method: 'POST', headers: { 'content-type': 'text/xml', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const faultString = (body: string) => /<faultstring>([^<]*)<\/faultstring>/.exec(body)?.[1];

describe('hostile input over HTTP', () => {
  it('refuses an oversized body with 413 and a SOAP fault, then keeps serving', async () => {
    const big = envelope(`<r:getRCCSRequestId><x>${'a'.repeat(LIMIT)}</x></r:getRCCSRequestId>`);
    const r = await rawPost(big);
    expect(r.status).toBe(413);
    expect(faultString(r.body)).toMatch(/Request entity too large/);
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(sim.soapUrl, { method: 'POST', headers: { 'content-type': 'text/xml', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write('x'.repeat(8 * 1024));
      req.end();
    });
    expect(chunked).toBe(413);
    expect((await c.post(xml.getRCCSRequestId(c.auth))).status).toBe(200);
  });

  it.each([
    ['billion laughs', '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>', /DOCTYPE is disallowed/],
    ['external entity', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', /DOCTYPE is disallowed/],
    ['undeclared entity', envelope('<r:getRCCSRequestId>&e;</r:getRCCSRequestId>'), /was referenced, but not declared/],
    ['malformed XML', '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>', /XML reader error/],
    ['not XML at all', 'GET / HTTP/1.1', /Content is not allowed in prolog/],
    ['empty body', '', /XML reader error/],
    ['unknown operation', envelope('<r:authorise/>'), /Cannot find dispatch method for \{http:\/\/orderapi.rms.rakuten.co.jp\/rccsapi-services\/RCCSAPI\}authorise/],
    ['wrong type', envelope('<r:authori><r:intVal>12x</r:intVal></r:authori>'), /Unmarshalling Error: Not a number: 12x/],
    ['a control character', Buffer.from([0x3c, 0x61, 0x3e, 0x01, 0x3c, 0x2f, 0x61, 0x3e]), /invalid XML character/],
    ['invalid UTF-8', Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e]), /Invalid byte 1 of 1-byte UTF-8 sequence/],
  ])('answers %s with an HTTP 500 S:Client fault', async (_name, body, message) => {
    const r = await rawPost(body);
    expect(r.status).toBe(500);
    expect(r.body).toContain('<faultcode>S:Client</faultcode>');
    expect(faultString(r.body)).toMatch(message);
  });

  it('answers missing fields with the spec result codes, not a crash', async () => {
    expect((await c.level(envelope('<r:getRCCSRequestId/>'))).errorCode).toBe('RCCS_E01-001');
    const noList = envelope(`<r:authori><r:userAuthModel><e:authKey>demo-auth-key</e:authKey><e:shopUrl>demo-shop</e:shopUrl><e:userName>demo-user</e:userName></r:userAuthModel><r:intVal>1</r:intVal></r:authori>`);
    expect((await c.level(noList)).errorCode).toBe('RCCS_E03-001');
  });

  it('refuses non-XML content types with 415', async () => {
    const r = await rawPost('{"op":"authori"}', { 'content-type': 'application/json' });
    expect(r.status).toBe(415);
    expect(faultString(r.body)).toMatch(/Unsupported Content-Type: application\/json/);
  });

  it('checks SOAPAction only in strict mode', async () => {
    expect((await rawPost(xml.getRCCSRequestId(c.auth), { soapaction: '"urn:whatever"' })).status).toBe(200);
    await c.admin('PUT', '/settings', { strictSoapAction: true });
    try {
      expect((await rawPost(xml.getRCCSRequestId(c.auth), { soapaction: '"urn:whatever"' })).status).toBe(500);
      expect((await rawPost(xml.getRCCSRequestId(c.auth))).status).toBe(500);
      expect((await rawPost(xml.getRCCSRequestId(c.auth), { soapaction: '""' })).status).toBe(200);
    } finally {
      await c.admin('PUT', '/settings', { strictSoapAction: false });
    }
  });

  it('answers the system-busy code beyond the optional per-shop rate limit', async () => {
    await c.admin('PUT', '/settings', { rateLimitPerSecond: 2 });
    try {
      const codes: (string | null)[] = [];
      for (let i = 0; i < 6; i++) codes.push((await c.level(xml.getRCCSRequestId(c.auth))).errorCode);
      expect(codes.filter((x) => x === 'RCCS_E99-999').length).toBeGreaterThanOrEqual(2); // ≤ 2 per second, across ≤ 2 seconds
      expect(codes.filter((x) => x === 'RCCS_N00-000').length).toBeGreaterThanOrEqual(2);
    } finally {
      await c.admin('PUT', '/settings', { rateLimitPerSecond: 0 });
    }
  });

  it('survives a burst of concurrent garbage and valid calls', async () => {
    const calls = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? rawPost('<x>'.repeat(1000)) : rawPost(xml.getRCCSRequestId(c.auth))));
    const statuses = (await Promise.all(calls)).map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(40);
    expect(statuses.filter((s) => s === 500)).toHaveLength(20);
  });
});

describe('WSDL, health and the admin guard', () => {
  it('serves the WSDL with soap:address pointing at itself, and an info page without ?wsdl', async () => {
    const wsdl = await fetch(`${sim.soapUrl}?wsdl`);
    expect(wsdl.status).toBe(200);
    expect(wsdl.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(await wsdl.text()).toContain(`<soap:address location="${sim.soapUrl}"/>`);
    expect((await fetch(`${sim.soapUrl}?WSDL`)).status).toBe(200);
    const page = await fetch(sim.soapUrl);
    expect(await page.text()).toContain('RCCSApiService');
  });

  it('reports liveness and readiness', async () => {
    expect(await (await fetch(`${sim.url}/health`)).json()).toEqual({ status: 'ok', live: true, ready: true, store: 'memory' });
    expect((await fetch(`${sim.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${sim.url}/health/ready`)).status).toBe(200);
  });

  it('validates admin input and names the bad fields', async () => {
    const bad = await fetch(`${sim.url}/admin/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"orderNumber":' });
    expect(bad.status).toBe(400);
    const invalid = await c.admin('POST', '/orders', { orderNumber: 'x', amount: -5, colour: 'red' });
    expect(invalid.status).toBe(400);
    expect(invalid.json.message.join(' ')).toMatch(/amount/);
    expect(invalid.json.message.join(' ')).toMatch(/colour/);
    expect((await c.admin('POST', '/clock', { advanceMs: 'soon' })).status).toBe(400);
    expect((await c.admin('GET', '/orders/nope')).status).toBe(404);
  });

  const external = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

  it(`answers the admin API only from loopback (via ${external ?? 'no external interface: only loopback checked'})`, async () => {
    expect((await fetch(`${sim.url}/admin/config`)).status).toBe(200);
    if (!external) return;
    const base = `http://${external}:${sim.port}`;
    const refused = await fetch(`${base}/admin/config`, { headers: { 'x-forwarded-for': '127.0.0.1' } });
    expect(refused.status).toBe(403);
    expect((await fetch(`${base}/admin/reset`, { method: 'POST' })).status).toBe(403);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const soap = await fetch(`${base}/rccsapi-services/RCCSApiService`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: xml.getRCCSRequestId(c.auth) });
    expect(soap.status).toBe(200);

    const open = await startSimulator({ env: { SIM_ADMIN_ALLOW_REMOTE: 'true' }, config: { port: 0, host: '0.0.0.0', store: 'memory' } });
    try {
      expect((await fetch(`http://${external}:${open.port}/admin/config`)).status).toBe(200);
    } finally {
      await open.close();
    }
  });

  it('never returns auth keys from the admin API', async () => {
    const config = JSON.stringify((await c.admin('GET', '/config')).json);
    expect(config).not.toContain('demo-auth-key');
    expect(config).toContain('demo-shop');
  });
});
