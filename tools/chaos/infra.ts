import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { testDatabaseServerUrl } from '@rcp/testing';

const run = promisify(execFile);

/** Runs `rabbitmqctl` with arguments (no shell). */
export async function rabbitmqctl(args: string[], timeoutMs = 30_000): Promise<string> {
  const { stdout } = await run('rabbitmqctl', args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Runs `fn` up to `attempts` times, `delayMs` apart, while it throws; the last failure is thrown. For reads only. */
export async function retried<T>(fn: () => Promise<T>, attempts = 3, delayMs = 300): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

/**
 * `rabbitmqctl list_<what>` of the given columns, parsed. The broker lists every queue, channel or connection of the
 * vhost, and one that closes meanwhile (a test deleting its queue) fails the whole listing (`badrpc … shutdown`):
 * such a listing is retried.
 */
async function listBroker<T>(what: 'queues' | 'bindings' | 'connections' | 'consumers' | 'channels', columns: string[]): Promise<T[]> {
  return retried(async () => JSON.parse((await rabbitmqctl([`list_${what}`, '-q', '--formatter', 'json', ...columns])) || '[]') as T[]);
}

export interface QueueInfo {
  name: string;
  ready: number;
  unacked: number;
  consumers: number;
}

/** Queues whose name starts with `prefix.` with their depths. */
export async function listQueues(prefix: string): Promise<QueueInfo[]> {
  const rows = await listBroker<{ name: string; messages_ready: number; messages_unacknowledged: number; consumers: number }>('queues', ['name', 'messages_ready', 'messages_unacknowledged', 'consumers']);
  return rows
    .filter((r) => r.name.startsWith(`${prefix}.`))
    .map((r) => ({ name: r.name, ready: Number(r.messages_ready) || 0, unacked: Number(r.messages_unacknowledged) || 0, consumers: Number(r.consumers) || 0 }));
}

export interface BindingInfo {
  source: string;
  destination: string;
  routingKey: string;
}

export async function listBindings(exchange: string): Promise<BindingInfo[]> {
  const rows = await listBroker<{ source_name: string; destination_name: string; routing_key: string }>('bindings', ['source_name', 'destination_name', 'routing_key']);
  return rows.filter((r) => r.source_name === exchange).map((r) => ({ source: r.source_name, destination: r.destination_name, routingKey: r.routing_key }));
}

export interface ConnectionInfo {
  pid: string;
  name: string;
  peerPort: number;
  clientName?: string;
}

export async function listConnections(): Promise<ConnectionInfo[]> {
  const rows = await listBroker<{ pid: string; name: string; peer_port: number; client_properties: unknown }>('connections', ['pid', 'name', 'peer_port', 'client_properties']);
  return rows.map((r) => {
    const props = JSON.stringify(r.client_properties ?? '');
    const m = /"connection_name","longstr","([^"]+)"/.exec(props);
    return { pid: r.pid, name: r.name, peerPort: Number(r.peer_port), clientName: m?.[1] };
  });
}

/** Closes the broker connections whose peer port is one of `peerPorts` (our services' connections through our proxies). */
export async function closeConnectionsByPeerPort(peerPorts: number[], reason: string): Promise<number> {
  const wanted = new Set(peerPorts);
  const conns = (await listConnections()).filter((c) => wanted.has(c.peerPort));
  await Promise.all(conns.map((c) => rabbitmqctl(['close_connection', c.pid, reason]).catch(() => undefined)));
  return conns.length;
}

/** Topic-exchange matching (`*` = one word, `#` = zero or more words). */
export function topicMatches(pattern: string, key: string): boolean {
  const p = pattern.split('.');
  const k = key.split('.');
  const match = (i: number, j: number): boolean => {
    if (i === p.length) return j === k.length;
    if (p[i] === '#') return match(i + 1, j) || (j < k.length && match(i, j + 1));
    if (j === k.length) return false;
    return (p[i] === '*' || p[i] === k[j]) && match(i + 1, j + 1);
  };
  return match(0, 0);
}

/** An admin connection to the PostgreSQL server. */
export async function withAdminDb<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: testDatabaseServerUrl(), connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Terminates every backend connected to one of `databases` (never anyone else's). */
export async function terminateBackends(databases: string[]): Promise<number> {
  return withAdminDb(async (c) => {
    const r = await c.query(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid()`, [databases]);
    return r.rowCount ?? 0;
  });
}

/** Connections to the broker and backends of other databases: a rough "is someone else using the shared servers?". */
export async function sharedActivity(ourPeerPorts: number[], ourDatabases: string[]): Promise<{ brokerConnections: number; otherBackends: number }> {
  const ours = new Set(ourPeerPorts);
  const conns = (await listConnections().catch(() => [])).filter((c) => !ours.has(c.peerPort));
  const otherBackends = await withAdminDb(async (c) => {
    const r = await c.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname IS NOT NULL AND NOT (datname = ANY($1::text[])) AND pid <> pg_backend_pid()`,
      [ourDatabases],
    );
    return (r.rows[0] as { n: number }).n;
  }).catch(() => -1);
  return { brokerConnections: conns.length, otherBackends };
}

/** The PostgreSQL cluster version directory (for pg_ctlcluster). */
export async function pgClusterVersion(): Promise<string> {
  const { stdout } = await run('ls', ['/etc/postgresql']);
  return stdout.trim().split(/\s+/)[0] ?? '';
}

export async function pgCtlcluster(action: string, extra: string[] = []): Promise<void> {
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', await pgClusterVersion(), 'main', action, ...extra], { timeout: 60_000 });
}

/** Current relative memory high watermark (e.g. 0.4), or undefined when it is absolute. */
export async function memoryWatermark(): Promise<string | undefined> {
  const out = (await rabbitmqctl(['eval', 'vm_memory_monitor:get_vm_memory_high_watermark().'])).trim();
  return /^[0-9.]+$/.test(out) ? out : undefined;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * What holds messages unacknowledged, for a failure report: the broker's consumers and channels with unacked
 * messages on `queues`, and every backend of `databases` that is inside a transaction or not idle (with what it waits
 * on). Best effort: a failing look is reported as such.
 */
export async function describeUnacked(queues: string[], databases: string[]): Promise<string[]> {
  const lines: string[] = [];
  const wanted = new Set(queues);
  try {
    const consumers = await listBroker<{ queue_name: string; channel_pid: string; consumer_tag: string; prefetch_count: number }>('consumers', ['queue_name', 'channel_pid', 'consumer_tag', 'prefetch_count']);
    const channels = await listBroker<{ pid: string; name: string; messages_unacknowledged: number }>('channels', ['pid', 'name', 'messages_unacknowledged']);
    const unackedByChannel = new Map(channels.map((c) => [c.pid, c]));
    for (const c of consumers.filter((c) => wanted.has(c.queue_name))) {
      const ch = unackedByChannel.get(c.channel_pid);
      lines.push(`consumer ${c.consumer_tag} on ${c.queue_name}: channel ${ch?.name ?? c.channel_pid}, ${ch?.messages_unacknowledged ?? '?'} unacked, prefetch ${c.prefetch_count}`);
    }
    if (!consumers.some((c) => wanted.has(c.queue_name))) lines.push(`no consumers on ${queues.join(', ')}`);
  } catch (err) {
    lines.push(`broker consumers not listed: ${(err as Error).message}`);
  }
  try {
    const rows = await withAdminDb(async (c) => {
      const r = await c.query(
        `SELECT datname, pid, state, wait_event_type, wait_event, client_port,
                round(extract(epoch FROM now() - xact_start) * 1000) AS xact_ms, left(query, 120) AS query
           FROM pg_stat_activity
          WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid() AND (state <> 'idle' OR xact_start IS NOT NULL)`,
        [databases],
      );
      return r.rows as { datname: string; pid: number; state: string; wait_event_type: string | null; wait_event: string | null; client_port: number; xact_ms: string | null; query: string }[];
    });
    for (const b of rows) {
      lines.push(`backend ${b.pid} (${b.datname}, client port ${b.client_port}): ${b.state}, waiting ${b.wait_event_type ?? '-'}/${b.wait_event ?? '-'}, transaction ${b.xact_ms ?? '-'} ms: ${b.query}`);
    }
    if (rows.length === 0) lines.push('no database backend of ours is in a transaction');
  } catch (err) {
    lines.push(`database backends not listed: ${(err as Error).message}`);
  }
  return lines;
}
