import * as amqp from 'amqp-connection-manager';
import type { AmqpConnectionManager } from 'amqp-connection-manager';
import { redactUrl } from '@rcp/config';
import { coalesceFrameWrites } from './coalesce-writes';
import { MessagingLogger, errorMessage } from './logger';

/** Options of {@link connectBroker}. */
export interface BrokerConnectionOptions {
  /** `amqp://` URL of the broker. Logged only redacted. */
  url: string;
  /** Shown by `rabbitmqctl list_connections client_properties` and the management UI (`connection_name`). */
  connectionName: string;
  logger: MessagingLogger;
  /** Heartbeat (s); default 5. */
  heartbeatIntervalInSeconds?: number;
  /** TCP/AMQP connect timeout per attempt (ms); default 5000. */
  connectTimeoutMs?: number;
  /** Delay before reconnecting (s); default 1. */
  reconnectTimeInSeconds?: number;
}

/**
 * Opens an auto-reconnecting broker connection (amqp-connection-manager). Connection state changes are
 * logged with the URL redacted; the process never crashes on connection errors. Frames queued in one event-loop turn
 * go out with one socket write ({@link coalesceFrameWrites}).
 */
export function connectBroker(options: BrokerConnectionOptions): AmqpConnectionManager {
  const { url, connectionName, logger } = options;
  const safeUrl = redactUrl(url);
  const connection = amqp.connect([url], {
    heartbeatIntervalInSeconds: options.heartbeatIntervalInSeconds ?? 5,
    reconnectTimeInSeconds: options.reconnectTimeInSeconds ?? 1,
    // A bounded socket connect: a dropped SYN (full accept backlog) must not stall reconnection for minutes.
    connectionOptions: { clientProperties: { connection_name: connectionName }, timeout: options.connectTimeoutMs ?? 5000 },
  });
  connection.on('connect', ({ connection: channelModel }: { connection?: unknown }) => {
    if (!coalesceFrameWrites(channelModel)) logger.warn(`cannot coalesce frame writes on ${connectionName} (unexpected amqplib internals); one write per frame`);
    logger.log(`connected to RabbitMQ ${safeUrl} as ${connectionName}`);
  });
  connection.on('disconnect', ({ err }: { err?: Error }) =>
    logger.warn(`disconnected from RabbitMQ ${safeUrl} (${connectionName}): ${err ? errorMessage(err) : 'closed'}; reconnecting`),
  );
  connection.on('connectFailed', ({ err }: { err?: Error }) =>
    logger.warn(`cannot connect to RabbitMQ ${safeUrl} (${connectionName}): ${err ? errorMessage(err) : 'unknown error'}; retrying`),
  );
  connection.on('blocked', ({ reason }: { reason: string }) => logger.warn(`RabbitMQ blocked the connection ${connectionName}: ${reason}`));
  connection.on('error', (err: unknown) => logger.error(`RabbitMQ connection error (${connectionName}): ${errorMessage(err)}`));
  return connection;
}

/** Races a promise against a timer; rejects with `message` after `ms`. The timer never keeps the process alive. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(message)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Raised when a bounded wait (confirm, handler, flush) runs out. */
export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}
