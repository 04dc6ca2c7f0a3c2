import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunk, EXIT, parseOrderNumbers, progressLine, RcpIo, runRcp } from './rcp';

const KEY = 'rcp_testkey_secret';
const N = (i: number) => `338459-20240531-${String(i).padStart(8, '0')}`;

interface Seen {
  method: string;
  url: string;
  auth?: string;
  body: unknown;
}

/** A fake order-service: records requests; `handler` decides the answer. */
async function fakeApi(handler: (req: Seen, res: ServerResponse) => void): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body: text ? JSON.parse(text) : undefined };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Accepts every order except those whose number ends in 9 (skipped) or 8 (refused). */
function bulkHandler(req: Seen, res: ServerResponse): void {
  const m = /^\/shops\/([^/]+)\/orders\/actions\/([a-z-]+)$/.exec(req.url);
  if (req.auth !== `Bearer ${KEY}`) return json(res, 401, { statusCode: 401, message: 'the API key is invalid or revoked', errors: [] });
  if (!m) return json(res, 404, { statusCode: 404, message: 'not found', errors: [] });
  const numbers = (req.body as { orderNumbers: string[] }).orderNumbers;
  json(res, 200, {
    action: m[2],
    results: numbers.map((n) => ({
      orderNumber: n,
      outcome: n.endsWith('9') ? 'skipped' : n.endsWith('8') ? 'refused' : 'accepted',
      reason: n.endsWith('9') ? 'already in progress' : n.endsWith('8') ? 'not found' : undefined,
      paymentTag: 'オーソリ中',
    })),
  });
}

function io(env: NodeJS.ProcessEnv = {}, tty = false) {
  const outs: string[] = [];
  const errs: string[] = [];
  const progress: string[] = [];
  const value: RcpIo & { outs: string[]; errs: string[]; progressed: string[] } = {
    out: (t) => outs.push(t),
    err: (t) => errs.push(t),
    env,
    progress: { write: (t) => progress.push(t), isTTY: tty },
    readStdin: async () => `${N(1)}\n${N(2)}\n`,
    pollMs: 20,
    outs,
    errs,
    progressed: progress,
  };
  return value;
}

function fileOf(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'rcp-spec-'));
  const file = join(dir, 'orders.txt');
  writeFileSync(file, lines.join('\n'));
  return file;
}

describe('rcp helpers', () => {
  it('parses order-number files: comments, blanks, separators, duplicates, BOM, invalid lines', () => {
    const r = parseOrderNumbers(`\uFEFF# header\n${N(1)}\n\n  ${N(2)} , ${N(3)}\n${N(1)}\nnot-a-number\n`);
    expect(r.orderNumbers).toEqual([N(1), N(2), N(3)]);
    expect(r.invalid).toEqual([{ line: 6, value: 'not-a-number' }]);
  });

  it('chunks and draws a progress bar', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    const line = progressLine(50, 100, { accepted: 48, skipped: 1, refused: 1 }, 10);
    expect(line).toBe('[#####.....]  50% 50/100  accepted 48  skipped 1  refused 1');
  });
});

describe('rcp orders', () => {
  let api: Awaited<ReturnType<typeof fakeApi>>;
  beforeAll(async () => (api = await fakeApi(bulkHandler)));
  afterAll(() => api.close());
  beforeEach(() => (api.seen.length = 0));

  it('exit 0 when every order is accepted; sends the key; chunks by --chunk; plain progress lines when not a TTY', async () => {
    const file = fileOf([1, 2, 3, 4, 5].map(N));
    const x = io({ RCP_API_URL: api.url, RCP_API_KEY: KEY });
    expect(await runRcp(['orders', 'authorize', '--shop', 'shop-1', '--file', file, '--chunk', '2'], x)).toBe(EXIT.ok);
    expect(api.seen.map((s) => s.url)).toEqual(Array(3).fill('/shops/shop-1/orders/actions/authorize'));
    expect(api.seen.map((s) => (s.body as { orderNumbers: string[] }).orderNumbers.length)).toEqual([2, 2, 1]);
    expect(api.seen.every((s) => s.auth === `Bearer ${KEY}`)).toBe(true);
    expect(x.progressed).toEqual([
      'authorize: 2/5 sent; accepted 2, skipped 0, refused 0\n',
      'authorize: 4/5 sent; accepted 4, skipped 0, refused 0\n',
      'authorize: 5/5 sent; accepted 5, skipped 0, refused 0\n',
    ]);
    expect(x.progressed.join('')).not.toContain('\r');
    expect(x.outs.at(-1)).toBe('authorize: 5 order(s); accepted 5, skipped 0, refused 0');
  });

  it('exit 3 (partial) when some are skipped or refused; lists them; a redrawn bar on a TTY', async () => {
    const file = fileOf([N(1), N(9), N(8), N(2)]);
    const x = io({}, true);
    expect(await runRcp(['--api', api.url, '--key', KEY, 'orders', 'capture', '--shop', 's', '--file', file, '--chunk', '3'], x)).toBe(EXIT.partial);
    expect(x.outs).toContain(`${N(9)}\tskipped\talready in progress`);
    expect(x.outs).toContain(`${N(8)}\trefused\tnot found`);
    const bar = x.progressed.join('');
    expect(bar.startsWith('\r[')).toBe(true);
    expect(bar).toContain('100% 4/4  accepted 2  skipped 1  refused 1');
    expect(bar.endsWith('\n')).toBe(true);
  });

  it('--json prints every result; reads - from stdin', async () => {
    const x = io({ RCP_API_URL: api.url, RCP_API_KEY: KEY });
    expect(await runRcp(['orders', 'status-check', '--shop', 's', '--file', '-', '--json'], x)).toBe(EXIT.ok);
    const out = JSON.parse(x.outs.join('\n')) as { total: number; accepted: number; results: unknown[] };
    expect(out).toMatchObject({ action: 'status-check', total: 2, accepted: 2 });
    expect(out.results).toHaveLength(2);
  });

  it('exit 1 on an HTTP error (401), naming it; stops sending', async () => {
    const file = fileOf([N(1), N(2), N(3)]);
    const x = io({ RCP_API_URL: api.url, RCP_API_KEY: 'wrong' });
    expect(await runRcp(['orders', 'authorize', '--shop', 's', '--file', file, '--chunk', '1'], x)).toBe(EXIT.failure);
    expect(api.seen).toHaveLength(1);
    expect(x.errs.join('\n')).toMatch(/401: the API key is invalid/);
    expect(x.outs.join('\n')).toContain('not sent 3');
  });

  it('exit 1 when the API cannot be reached', async () => {
    const file = fileOf([N(1)]);
    const x = io({ RCP_API_URL: 'http://127.0.0.1:1', RCP_API_KEY: KEY });
    expect(await runRcp(['orders', 'authorize', '--shop', 's', '--file', file], x)).toBe(EXIT.failure);
    expect(x.errs.join('\n')).toContain('cannot reach http://127.0.0.1:1');
  });

  it('exit 2 on usage errors, before any request', async () => {
    const env = { RCP_API_URL: api.url, RCP_API_KEY: KEY };
    const good = fileOf([N(1)]);
    const cases: string[][] = [
      [],
      ['frobnicate'],
      ['orders', 'explode', '--shop', 's', '--file', good],
      ['orders', 'authorize', '--file', good],
      ['orders', 'authorize', '--shop', 's'],
      ['orders', 'authorize', '--shop', 'bad shop', '--file', good],
      ['orders', 'authorize', '--shop', 's', '--file', good, '--chunk', '0'],
      ['orders', 'authorize', '--shop', 's', '--file', good, '--chunk', '1001'],
      ['orders', 'authorize', '--shop', 's', '--file', '/nonexistent/file'],
      ['orders', 'authorize', '--shop', 's', '--file', fileOf(['# nothing'])],
      ['orders', 'authorize', '--shop', 's', '--file', fileOf([N(1), 'garbage'])],
      ['status', 'not-an-order', '--shop', 's'],
      ['status', N(1), '--shop', 's', '--wait', '-1'],
    ];
    for (const argv of cases) {
      const x = io(env);
      expect([argv, await runRcp(argv, x)]).toEqual([argv, EXIT.usage]);
    }
    const noKey = io({ RCP_API_URL: api.url });
    expect(await runRcp(['orders', 'authorize', '--shop', 's', '--file', good], noKey)).toBe(EXIT.usage);
    expect(noKey.errs.join('\n')).toContain('RCP_API_KEY');
    const badUrl = io({ RCP_API_URL: 'ftp://x', RCP_API_KEY: KEY });
    expect(await runRcp(['orders', 'authorize', '--shop', 's', '--file', good], badUrl)).toBe(EXIT.usage);
    expect(api.seen).toHaveLength(0);
  });

  it('exit 0 for --help, which documents the exit codes', async () => {
    const x = io();
    expect(await runRcp(['--help'], x)).toBe(EXIT.ok);
    expect(x.outs.join('\n')).toMatch(/3 partial/);
  });

  it('delegates parking to the parking-lot CLI (usage errors → 2)', async () => {
    expect(await runRcp(['parking', 'replay', '--queue', 'q'], io({ RABBITMQ_URL: 'amqp://x' }))).toBe(EXIT.usage);
  });
});

describe('rcp status', () => {
  it('requests a check, waits for the card status to change, prints it (exit 0); times out with 1; refused with 3', async () => {
    let polls = 0;
    let accept = true;
    const api = await fakeApi((req, res) => {
      if (req.method === 'POST') {
        return json(res, 200, { results: [{ orderNumber: N(1), outcome: accept ? 'accepted' : 'refused', reason: accept ? undefined : 'useCardApi is off', operationId: 'op-1' }] });
      }
      polls++;
      const fresh = polls >= 3 && req.url.includes(N(1));
      json(res, 200, { orderNumber: N(1), paymentTag: 'オーソリ済', cardStatus: fresh ? { cardStatus: 12, checkedAt: '2024-06-01T00:00:00Z' } : null });
    });
    try {
      const x = io({ RCP_API_URL: api.url, RCP_API_KEY: KEY });
      expect(await runRcp(['status', N(1), '--shop', 's', '--wait', '5'], x)).toBe(EXIT.ok);
      expect(x.outs.join('\n')).toContain('cardStatus: 12');
      expect(api.seen.filter((s) => s.method === 'POST').map((s) => s.url)).toEqual(['/shops/s/orders/actions/status-check']);

      const slow = io({ RCP_API_URL: api.url, RCP_API_KEY: KEY });
      expect(await runRcp(['status', N(2), '--shop', 's', '--wait', '1'], slow)).toBe(EXIT.failure);
      expect(slow.errs.join('\n')).toContain('timed out');

      accept = false;
      const refused = io({ RCP_API_URL: api.url, RCP_API_KEY: KEY });
      expect(await runRcp(['status', N(1), '--shop', 's'], refused)).toBe(EXIT.partial);
      expect(refused.errs.join('\n')).toContain('useCardApi is off');
    } finally {
      await api.close();
    }
  });
});

describe('rcp events', () => {
  it('prints stream events and exits 0 after --max', async () => {
    const api = await fakeApi((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: ping\ndata: {}\n\n');
      res.write(`event: rcp-event\ndata: ${JSON.stringify({ type: 'AuthCompleted', routingKey: 'payment.auth.completed', shopId: 's', orderNumber: N(1), occurredAt: 'T' })}\n\n`);
      res.write(`event: rcp-event\ndata: ${JSON.stringify({ type: 'OrderStatusChanged', routingKey: 'order.status.changed', shopId: 's', orderNumber: N(1), occurredAt: 'T2' })}\n\n`);
    });
    try {
      const x = io({ RCP_API_URL: api.url, RCP_API_KEY: KEY });
      expect(await runRcp(['events', '--shop', 's', '--max', '2'], x)).toBe(EXIT.ok);
      expect(x.outs).toEqual([`T\tAuthCompleted\tpayment.auth.completed\ts\t${N(1)}`, `T2\tOrderStatusChanged\torder.status.changed\ts\t${N(1)}`]);
      expect(api.seen[0].url).toBe('/events/stream?shopId=s');
    } finally {
      await api.close();
    }
  });
});
