import { execFileSync } from 'node:child_process';

/**
 * Fewest file descriptors a local RabbitMQ needs for the integration tier: the tests declare several hundred quorum
 * queues within the 10 minutes their `x-expires` keeps them (11 per consumer) and each holds ≈ 3 of the broker's file
 * handles; a full run peaked at ≈ 1 230 of them (measured 2026-11-29). With the Debian default (1024 → ≈ 927 handles) the broker stops
 * accepting connections mid-run and tests fail with timeouts that do not say why.
 */
export const MIN_BROKER_FILE_DESCRIPTORS = 4096;

/** The file-descriptor limit in `rabbitmqctl status` output (`Total: 31, limit: 927`), or undefined. */
export function parseBrokerFileLimit(statusOutput: string): number | undefined {
  const match = /Total: \d+, limit: (\d+)/.exec(statusOutput);
  return match ? Number(match[1]) : undefined;
}

/** Host names of this machine as `URL.hostname` gives them (it keeps an IPv6 address's brackets). */
const LOCAL_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * The file-descriptor limit of the RabbitMQ at `url` when it runs on this machine and `rabbitmqctl` answers;
 * undefined when it cannot be known (a remote broker, no CLI, no answer within 30 s).
 */
export function localBrokerFileLimit(url: string): number | undefined {
  const host = new URL(url).hostname;
  if (!LOCAL_HOSTS.includes(host)) return undefined;
  try {
    return parseBrokerFileLimit(execFileSync('rabbitmqctl', ['status'], { timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore'] }).toString());
  } catch {
    return undefined;
  }
}
