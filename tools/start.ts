// `npm start`: the whole system on this machine — simulator, payment-gateway, order-service, notification-service —
// against local RabbitMQ and PostgreSQL (override with RABBITMQ_URL / DATABASE_URL). Each service creates its own
// database and runs its migrations before it listens. Ctrl-C stops everything gracefully.
import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { generateApiKey, parseApiKey } from '@rcp/auth';
import { redactUrl } from '@rcp/config';
import { Keyring } from '@rcp/secrets';
import { repoRoot } from './repo-root';
import { startDevMailSink } from './dev-mail-sink';

const DATABASE_SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Development credentials shared by the simulator and the gateway (not secrets: the simulator is a stand-in). */
const DEV_SHOP = { shopId: 'demo-shop', shopUrl: 'demo-shop', userName: 'demo-user', authKey: 'dev-only-auth-key' };

/**
 * The development bootstrap admin key: RCP_BOOTSTRAP_ADMIN_KEY when set, else one generated on the first
 * `npm start` and kept in tmp/dev-admin-key (gitignored) so curl walkthroughs can read it.
 */
function devAdminKey(root: string): { key: string; file: string } {
  const file = join(root, 'tmp', 'dev-admin-key');
  const fromEnv = process.env.RCP_BOOTSTRAP_ADMIN_KEY;
  if (fromEnv) return { key: fromEnv, file: '(from RCP_BOOTSTRAP_ADMIN_KEY)' };
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (parseApiKey(stored)) return { key: stored, file };
  }
  mkdirSync(join(root, 'tmp'), { recursive: true });
  const { key } = generateApiKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, file };
}

/** Development keyrings (AES-256-GCM) for shop credentials: at rest in order-service, in transit, at rest in the gateway. */
export interface DevKeyrings {
  CREDENTIALS_ENCRYPTION_KEYS: string;
  CREDENTIALS_TRANSPORT_KEYS: string;
  GATEWAY_CREDENTIALS_KEYS: string;
}

/**
 * Each keyring from the environment when set, else from tmp/dev-keys/<name> (created on the first `npm start` with
 * one random 32-byte key, directory 700, files 600, gitignored). Production takes them from a Secret instead.
 */
export function devKeyrings(root: string): DevKeyrings {
  const dir = join(root, 'tmp', 'dev-keys');
  const one = (variable: keyof DevKeyrings, file: string): string => {
    const fromEnv = process.env[variable];
    if (fromEnv) return fromEnv;
    const path = join(dir, file);
    if (existsSync(path)) {
      const stored = readFileSync(path, 'utf8').trim();
      Keyring.parse(stored, path); // fails loudly on a damaged file rather than starting with another key
      return stored;
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    const entry = Keyring.generateEntry('dev1');
    writeFileSync(path, `${entry}\n`, { mode: 0o600 });
    return entry;
  };
  return {
    CREDENTIALS_ENCRYPTION_KEYS: one('CREDENTIALS_ENCRYPTION_KEYS', 'credentials-encryption'),
    CREDENTIALS_TRANSPORT_KEYS: one('CREDENTIALS_TRANSPORT_KEYS', 'credentials-transport'),
    GATEWAY_CREDENTIALS_KEYS: one('GATEWAY_CREDENTIALS_KEYS', 'gateway-credentials'),
  };
}

function databaseUrl(name: string): string {
  const url = new URL(DATABASE_SERVER);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface ServiceSpec {
  name: string;
  port: number;
  /** The variable that carries the port (tests start the service on another one). */
  portEnv: string;
  env: Record<string, string>;
  urls: string[];
}

/** The four services as `npm start` runs them (exported so a test can boot each with exactly this environment). */
export function devServiceSpecs(mailPort: number, keys: DevKeyrings = devKeyrings(repoRoot())): ServiceSpec[] {
  return [
    {
      name: 'rccs-simulator',
      port: 3003,
      portEnv: 'SIM_PORT',
      // The simulator knows shops by shopUrl only (its schema refuses unknown keys such as shopId).
      env: {
        SIM_PORT: '3003',
        SIMULATOR_DATABASE_URL: databaseUrl('rcp_simulator'),
        SIM_SHOPS: JSON.stringify([{ shopUrl: DEV_SHOP.shopUrl, userName: DEV_SHOP.userName, authKey: DEV_SHOP.authKey }]),
      },
      urls: ['SOAP   http://127.0.0.1:3003/rccsapi-services/RCCSApiService  (WSDL: ?wsdl)', 'admin  http://127.0.0.1:3003/admin'],
    },
    {
      name: 'payment-gateway',
      port: 3001,
      portEnv: 'GATEWAY_PORT',
      env: {
        GATEWAY_PORT: '3001',
        GATEWAY_DATABASE_URL: databaseUrl('rcp_gateway'),
        RCCS_ENDPOINT: 'http://127.0.0.1:3003/rccsapi-services/RCCSApiService',
        // development fallback for demo-shop; credentials saved through order-service (PUT /shops/:id/credentials) win
        GATEWAY_SHOPS: JSON.stringify([DEV_SHOP]),
        GATEWAY_CREDENTIALS_KEYS: keys.GATEWAY_CREDENTIALS_KEYS,
        CREDENTIALS_TRANSPORT_KEYS: keys.CREDENTIALS_TRANSPORT_KEYS,
      },
      urls: ['health http://127.0.0.1:3001/health/ready', 'ledger http://127.0.0.1:3001/admin/requests'],
    },
    {
      name: 'order-service',
      port: 3000,
      portEnv: 'ORDER_PORT',
      env: {
        ORDER_PORT: '3000',
        ORDER_DATABASE_URL: databaseUrl('rcp_orders'),
        CREDENTIALS_ENCRYPTION_KEYS: keys.CREDENTIALS_ENCRYPTION_KEYS,
        CREDENTIALS_TRANSPORT_KEYS: keys.CREDENTIALS_TRANSPORT_KEYS,
      },
      urls: ['API    http://127.0.0.1:3000  (OpenAPI: http://127.0.0.1:3000/docs)'],
    },
    {
      name: 'notification-service',
      port: 3002,
      portEnv: 'NOTIFY_PORT',
      env: { NOTIFY_PORT: '3002', NOTIFY_DATABASE_URL: databaseUrl('rcp_notifications'), SMTP_URL: `smtp://127.0.0.1:${mailPort}` },
      urls: ['API    http://127.0.0.1:3002'],
    },
  ];
}

function reachable(urlText: string, defaultPort: number): Promise<boolean> {
  const url = new URL(urlText);
  return new Promise((resolve) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port || defaultPort) });
    const done = (ok: boolean) => (socket.destroy(), resolve(ok));
    socket.setTimeout(3000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function preflight(): Promise<void> {
  const [pg, mq] = await Promise.all([reachable(DATABASE_SERVER, 5432), reachable(RABBITMQ_URL, 5672)]);
  const problems: string[] = [];
  if (!pg)
    problems.push(
      `PostgreSQL is not reachable at ${redactUrl(DATABASE_SERVER)}.\n` +
        `    Start it: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start' (Debian packages),\n` +
        `    or 'docker compose up -d postgres' where Docker runs, or set DATABASE_URL.`,
    );
  if (!mq)
    problems.push(
      `RabbitMQ is not reachable at ${redactUrl(RABBITMQ_URL)}.\n` +
        `    Start it: 'rabbitmq-server -detached' (Debian packages), or 'docker compose up -d rabbitmq', or set RABBITMQ_URL.`,
    );
  if (problems.length) {
    console.error(`Cannot start:\n  - ${problems.join('\n  - ')}`);
    process.exit(1);
  }
}

function waitReady(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = async () => {
      if (child.exitCode !== null) return reject(new Error(`exited with code ${child.exitCode}`));
      try {
        const res = await fetch(url);
        await res.arrayBuffer();
        if (res.ok) return resolve();
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) return reject(new Error(`not ready after ${timeoutMs} ms (${url})`));
      setTimeout(tick, 250);
    };
    void tick();
  });
}

async function main(): Promise<void> {
  await preflight();
  const root = repoRoot();
  const mail = await startDevMailSink(Number(process.env.DEV_SMTP_PORT ?? 2525), join(root, 'tmp', 'mail'));
  const admin = devAdminKey(root);
  const common = { RABBITMQ_URL, NODE_ENV: process.env.NODE_ENV ?? 'development', RCP_BOOTSTRAP_ADMIN_KEY: admin.key };
  const services = devServiceSpecs(mail.port);

  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    for (const child of [...children].reverse()) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)));
    await mail.close();
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  for (const spec of services) {
    const entry = join(root, 'dist', 'services', spec.name, 'src', 'main.js');
    if (!existsSync(entry)) {
      console.error(`${spec.name}: ${entry} is missing (run \`npm run build\`)`);
      return stopAll(1);
    }
    const child = spawn(process.execPath, ['--enable-source-maps', entry], { env: { ...process.env, ...common, ...spec.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const prefix = `[${spec.name}] `;
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => process.stdout.write(chunk.toString().replace(/^(?=.)/gm, prefix)));
    }
    child.once('exit', (code) => {
      if (!stopping) {
        console.error(`${spec.name} exited with code ${code}; stopping the system`);
        void stopAll(1);
      }
    });
    try {
      await waitReady(`http://127.0.0.1:${spec.port}/health/live`, child);
    } catch (err) {
      console.error(`${spec.name} did not start: ${(err as Error).message}`);
      return stopAll(1);
    }
  }

  console.log(
    [
      '',
      'Rakuten card payments is running:',
      ...services.flatMap((s) => [`  ${s.name}`, ...s.urls.map((u) => `    ${u}`)]),
      `  dev mail sink  smtp://127.0.0.1:${mail.port} → ${mail.dir}`,
      `  RabbitMQ       ${redactUrl(RABBITMQ_URL)} (exchange rakuten.payments)`,
      `  PostgreSQL     ${redactUrl(DATABASE_SERVER)} (databases rcp_orders, rcp_gateway, rcp_notifications, rcp_simulator)`,
      `  admin API key  ${admin.file}  (send as 'Authorization: Bearer <key>')`,
      `  credential keyrings  ${join(root, 'tmp', 'dev-keys')} unless set in the environment (see docs/security.md)`,
      'Press Ctrl-C to stop.',
    ].join('\n'),
  );
}

if (require.main === module) void main();
