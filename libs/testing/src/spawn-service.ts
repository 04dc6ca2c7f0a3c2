import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { reapOnExit } from './reap-children';

/** A service started as its own OS process from the built `dist/` tree, as it runs in production. */
export interface SpawnedService {
  readonly name: string;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far (for assertions and failure messages). */
  output(): string;
  /** SIGTERM and wait for exit (graceful shutdown), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL at once and wait for exit. */
  kill(): Promise<void>;
}

export interface SpawnServiceOptions {
  /** Service folder name under services/, e.g. `rccs-simulator`. */
  service: string;
  /** Environment for the process (merged over the current environment). */
  env?: Record<string, string>;
  /** Env var that carries the HTTP port, e.g. `SIM_PORT`. A free port is chosen when `port` is not given. */
  portEnv: string;
  port?: number;
  /** Path polled until it answers 2xx (default `/health/live`). */
  readyPath?: string;
  readyTimeoutMs?: number;
  /** Extra `node` flags, e.g. `['--cpu-prof', '--cpu-prof-dir=tmp/prof']` (flags NODE_OPTIONS refuses). */
  nodeArgs?: string[];
}

/** The repository root (where nx.json is), from libs/testing/src or dist/libs/testing/src. */
export function repositoryRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error('repository root not found');
    dir = parent;
  }
  return dir;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts `node dist/services/<service>/src/main.js` (run `npm run build` first; the integration test command does)
 * and waits until its ready path answers. Fails loudly with the process output when it does not come up.
 */
export async function spawnService(options: SpawnServiceOptions): Promise<SpawnedService> {
  const entry = join(repositoryRoot(), 'dist', 'services', options.service, 'src', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} does not exist: run \`npm run build\` before the integration tests`);
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), entry], {
    env: { ...process.env, NODE_ENV: 'test', ...options.env, [options.portEnv]: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  reapOnExit(child);
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  let ready = false;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const res = await fetch(url + (options.readyPath ?? '/health/live'));
      await res.arrayBuffer();
      if (res.ok) {
        ready = true;
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error(`${options.service} did not become ready on ${url} (exit code ${child.exitCode}). Output:\n${output.slice(-5000)}`);
  }
  return {
    name: options.service,
    port,
    url,
    process: child,
    output: () => output,
    async stop(timeoutMs = 10_000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
