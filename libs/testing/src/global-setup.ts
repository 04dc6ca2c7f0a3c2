import * as net from 'node:net';
import { localBrokerFileLimit, MIN_BROKER_FILE_DESCRIPTORS } from './broker-file-limit';
import { DEFAULT_DATABASE_URL, DEFAULT_RABBITMQ_URL } from './infra';

/**
 * Jest global setup of the integration tier. Decision order:
 * 1. `DATABASE_URL` / `RABBITMQ_URL` set, or the local services answering on their default ports → use them (a
 *    RabbitMQ on this machine with too few file descriptors for the tier's quorum queues fails the run at once);
 * 2. otherwise a container runtime that actually answers → start PostgreSQL and RabbitMQ with testcontainers;
 * 3. otherwise fail loudly, naming what to set. Integration tests are never skipped silently.
 */
export default async function globalSetup(): Promise<void> {
  process.env.TZ = 'UTC';
  const dbUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const mqUrl = process.env.RABBITMQ_URL ?? DEFAULT_RABBITMQ_URL;
  const [dbUp, mqUp] = await Promise.all([reachable(dbUrl, 5432), reachable(mqUrl, 5672)]);
  if (dbUp && mqUp) {
    process.env.DATABASE_URL = dbUrl;
    process.env.RABBITMQ_URL = mqUrl;
    const fileLimit = localBrokerFileLimit(mqUrl);
    if (fileLimit !== undefined && fileLimit < MIN_BROKER_FILE_DESCRIPTORS) {
      throw new Error(
        `RabbitMQ at ${redact(mqUrl)} runs with ${fileLimit} file descriptors; the integration tests need at least ` +
          `${MIN_BROKER_FILE_DESCRIPTORS} (their quorum queues hold ≈ 3 file handles each, and at the limit the broker stops accepting ` +
          `connections mid-run). Run 'bash tools/dev/local-infra.sh' once: it restarts RabbitMQ with 20000 (CI does this).`,
      );
    }
    return;
  }
  if (await startContainers(!dbUp, !mqUp)) return;
  const missing = [!dbUp && `PostgreSQL at ${redact(dbUrl)} (set DATABASE_URL)`, !mqUp && `RabbitMQ at ${redact(mqUrl)} (set RABBITMQ_URL)`]
    .filter(Boolean)
    .join(' and ');
  throw new Error(
    `Integration tests need ${missing}, and no container runtime answered for testcontainers. ` +
      `Start them (on Debian: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start', 'rabbitmq-server -detached') ` +
      `or point the variables at running servers.`,
  );
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

function reachable(urlText: string, defaultPort: number): Promise<boolean> {
  const url = new URL(urlText);
  return new Promise((resolve) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function startContainers(needDb: boolean, needMq: boolean): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
  } catch {
    return false;
  }
  const started: { stop(): Promise<unknown> }[] = [];
  if (needDb) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const pg = await new PostgreSqlContainer('postgres:15-alpine').withUsername('postgres').start();
    process.env.DATABASE_URL = pg.getConnectionUri();
    started.push(pg);
  }
  if (needMq) {
    const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
    const mq = await new RabbitMQContainer('rabbitmq:3.13-management').start();
    process.env.RABBITMQ_URL = mq.getAmqpUrl();
    started.push(mq);
  }
  (globalThis as { __rcpContainers?: unknown }).__rcpContainers = started;
  return true;
}
