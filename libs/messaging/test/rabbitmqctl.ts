import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs rabbitmqctl (quiet, no table headers) and returns stdout. */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** Lines of `rabbitmqctl list_queues name type arguments` for queues whose name starts with `prefix`. */
export async function queueLines(prefix: string): Promise<string[]> {
  const out = await rabbitmqctl('list_queues', '--no-table-headers', 'name', 'type', 'arguments');
  return out.split('\n').filter((l) => l.startsWith(prefix));
}

/** Message count of one queue (ready + unacked). */
export async function queueDepth(name: string): Promise<number> {
  const out = await rabbitmqctl('list_queues', '--no-table-headers', 'name', 'messages');
  const line = out.split('\n').find((l) => l.split('\t')[0] === name);
  return line ? Number(line.split('\t')[1]) : -1;
}

/**
 * Closes only the connections whose client-provided `connection_name` contains `needle`
 * (so parallel test files are never disturbed). Returns how many were closed.
 */
export async function closeConnectionsNamed(needle: string): Promise<number> {
  const out = await rabbitmqctl('list_connections', '--no-table-headers', 'pid', 'client_properties');
  const pids = out
    .split('\n')
    .filter((l) => l.includes(needle))
    .map((l) => l.split('\t')[0].trim())
    .filter(Boolean);
  for (const pid of pids) await rabbitmqctl('close_connection', pid, 'test: simulated broker connection loss').catch(() => undefined);
  return pids.length;
}
