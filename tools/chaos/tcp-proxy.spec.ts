import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { TcpProxy } from './tcp-proxy';

/** An echo server on a free port. */
async function echoServer(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves with what arrives within `ms`. */
function collect(socket: Socket, ms: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (b: Buffer) => (text += b.toString());
    socket.on('data', onData);
    setTimeout(() => {
      socket.off('data', onData);
      resolve(text);
    }, ms);
  });
}

function closed(socket: Socket): Promise<{ error?: string }> {
  return new Promise((resolve) => {
    let error: string | undefined;
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => resolve({ error }));
  });
}

describe('TcpProxy', () => {
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let proxy: TcpProxy;
  const clients: Socket[] = [];

  beforeEach(async () => {
    echo = await echoServer();
    proxy = await new TcpProxy({ targetPort: echo.port, latencyMs: 150 }).start();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await proxy.close();
    for (const s of echo.sockets) s.destroy();
    await new Promise<void>((r) => echo.server.close(() => r()));
  });

  const open = async () => {
    const c = await connect(proxy.port);
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };

  it('passes bytes both ways and reports the upstream ports', async () => {
    const c = await open();
    const got = collect(c, 100);
    c.write('hello');
    expect(await got).toBe('hello');
    expect(proxy.connections).toBe(1);
    expect(proxy.upstreamLocalPorts()).toHaveLength(1);
    expect([...echo.sockets].map((s) => s.remotePort)).toEqual(proxy.upstreamLocalPorts());
  });

  it('hang: keeps the connection open but forwards nothing, then delivers the held bytes in order on pass', async () => {
    const c = await open();
    proxy.setMode('hang');
    const during = collect(c, 200);
    c.write('one-');
    c.write('two');
    expect(await during).toBe('');
    expect(c.destroyed).toBe(false);
    // a new connection is accepted but also silent
    const late = await open();
    const lateData = collect(late, 150);
    late.write('x');
    expect(await lateData).toBe('');
    const after = collect(c, 200);
    proxy.setMode('pass');
    expect(await after).toBe('one-two');
  });

  it('reset: destroys every open connection and refuses new ones until pass', async () => {
    const a = await open();
    const b = await open();
    const aClosed = closed(a);
    const bClosed = closed(b);
    proxy.setMode('reset');
    await Promise.all([aClosed, bClosed]);
    expect(a.destroyed && b.destroyed).toBe(true);
    expect(proxy.connections).toBe(0);
    expect(proxy.resets).toBeGreaterThanOrEqual(2);
    // a new connection is cut at once
    const refused = await new Promise<string>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port: proxy.port });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      s.on('close', () => resolve('closed'));
    });
    expect(refused).toMatch(/ECONNRESET|closed|EPIPE/);
    proxy.setMode('pass');
    const d = await open();
    const got = collect(d, 100);
    d.write('back');
    expect(await got).toBe('back');
  });

  it('latency: delays each chunk and keeps the order', async () => {
    const c = await open();
    proxy.setMode('latency');
    const early = collect(c, 100);
    const started = Date.now();
    c.write('a');
    c.write('b');
    expect(await early).toBe('');
    const rest = await collect(c, 400);
    expect(rest).toBe('ab');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });
});
