import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * How the proxy treats traffic:
 * - `pass`: forward both ways;
 * - `hang`: accept new connections and keep existing ones open, but forward nothing (a black hole: no RST, no FIN);
 * - `reset`: destroy every socket at once (both sides, with RST) and refuse new connections the same way;
 * - `latency`: forward, each chunk delayed by `latencyMs` (order preserved).
 */
export type ProxyMode = 'pass' | 'hang' | 'reset' | 'latency';

export interface TcpProxyOptions {
  /** Upstream host (default 127.0.0.1). */
  targetHost?: string;
  targetPort: number;
  /** Local port (default: any free port). */
  listenPort?: number;
  /** Delay per chunk in `latency` mode (default 200 ms). */
  latencyMs?: number;
  /** A name for logs and reports. */
  name?: string;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Chunks held while hanging, per direction (dropped when the pair closes). */
  held: { toUpstream: Buffer[]; toClient: Buffer[] };
  delayed: { toUpstream: Buffer[]; toClient: Buffer[] };
}

/**
 * A small TCP proxy for fault injection in front of RabbitMQ or PostgreSQL (there is no netem or toxiproxy here).
 * Only the processes configured to connect through it are affected, so it is safe next to other users of the broker.
 */
export class TcpProxy {
  private server?: Server;
  private readonly pairs = new Set<Pair>();
  private currentMode: ProxyMode = 'pass';
  private latencyMs: number;
  /** Connections accepted since start (for reports and tests). */
  accepted = 0;
  /** Sockets destroyed by `reset`. */
  resets = 0;

  constructor(private readonly options: TcpProxyOptions) {
    this.latencyMs = options.latencyMs ?? 200;
  }

  get name(): string {
    return this.options.name ?? `proxy→${this.options.targetPort}`;
  }

  get mode(): ProxyMode {
    return this.currentMode;
  }

  get port(): number {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error(`${this.name} is not listening`);
    return address.port;
  }

  /** Open client connections. */
  get connections(): number {
    return this.pairs.size;
  }

  /** Local ports of the upstream sockets (the peer ports the broker or database sees: lets a tool find "our" connections). */
  upstreamLocalPorts(): number[] {
    return [...this.pairs].map((p) => p.upstream.localPort).filter((p): p is number => typeof p === 'number');
  }

  async start(): Promise<this> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.listenPort ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return this;
  }

  /** Switches the mode; `reset` destroys every open connection now. Leaving `hang` releases held data in order. */
  setMode(mode: ProxyMode, latencyMs?: number): void {
    if (latencyMs !== undefined) this.latencyMs = latencyMs;
    const previous = this.currentMode;
    this.currentMode = mode;
    if (mode === 'reset') this.destroyAll();
    if (previous === 'hang' && mode !== 'hang') {
      for (const pair of this.pairs) this.flushHeld(pair);
    }
  }

  /** Destroys every open connection (both sides) without changing the mode. */
  destroyAll(): number {
    let n = 0;
    for (const pair of [...this.pairs]) {
      pair.client.resetAndDestroy();
      pair.upstream.resetAndDestroy();
      this.pairs.delete(pair);
      n++;
    }
    this.resets += n;
    return n;
  }

  async close(): Promise<void> {
    this.destroyAll();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted++;
    client.on('error', () => undefined);
    if (this.currentMode === 'reset') {
      client.resetAndDestroy();
      this.resets++;
      return;
    }
    const upstream = createConnection({ host: this.options.targetHost ?? '127.0.0.1', port: this.options.targetPort });
    upstream.on('error', () => undefined);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const pair: Pair = { client, upstream, held: { toUpstream: [], toClient: [] }, delayed: { toUpstream: [], toClient: [] } };
    this.pairs.add(pair);
    const close = () => {
      if (!this.pairs.delete(pair)) return;
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('data', (chunk: Buffer) => this.forward(pair, chunk, 'toUpstream'));
    upstream.on('data', (chunk: Buffer) => this.forward(pair, chunk, 'toClient'));
  }

  private forward(pair: Pair, chunk: Buffer, direction: 'toUpstream' | 'toClient'): void {
    const target = direction === 'toUpstream' ? pair.upstream : pair.client;
    switch (this.currentMode) {
      case 'hang':
        pair.held[direction].push(chunk);
        return;
      case 'latency':
        this.enqueue(pair, chunk, direction, this.latencyMs);
        return;
      case 'reset':
        return;
      default:
        if (pair.delayed[direction].length > 0) this.enqueue(pair, chunk, direction, 0);
        else if (!target.destroyed) target.write(chunk);
    }
  }

  /** Delays a chunk; every timer writes the head of its direction's FIFO, so byte order is kept. */
  private enqueue(pair: Pair, chunk: Buffer, direction: 'toUpstream' | 'toClient', delayMs: number): void {
    const target = direction === 'toUpstream' ? pair.upstream : pair.client;
    pair.delayed[direction].push(chunk);
    setTimeout(() => {
      const next = pair.delayed[direction].shift();
      if (next && !target.destroyed) target.write(next);
    }, delayMs);
  }

  private flushHeld(pair: Pair): void {
    for (const direction of ['toUpstream', 'toClient'] as const) {
      const target = direction === 'toUpstream' ? pair.upstream : pair.client;
      const chunks = pair.held[direction].splice(0);
      for (const c of chunks) if (!target.destroyed) target.write(c);
    }
  }
}
