import { redactSecrets } from '../logging/redact';

/** One named readiness check: resolves (anything but `false`) when healthy, throws or resolves `false` when not. */
export interface ReadinessCheck {
  /** Key of the check in the health response, e.g. `database`. */
  name: string;
  /** The probe; an object it resolves to is included in the response as details. */
  check: () => unknown | Promise<unknown>;
  /** Per-check timeout (ms); default {@link DEFAULT_CHECK_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/** Default per-check timeout (ms): a hanging dependency makes the check fail instead of hanging the probe. */
export const DEFAULT_CHECK_TIMEOUT_MS = 2000;

/** The part of a TypeORM `DataSource` the database check needs. */
export interface QueryRunnerLike {
  query(sql: string): Promise<unknown>;
}

/** Readiness check `SELECT 1` through a TypeORM `DataSource` (or anything with `query`). */
export function databaseCheck(dataSource: QueryRunnerLike, name = 'database'): ReadinessCheck {
  return {
    name,
    check: async () => {
      await dataSource.query('SELECT 1');
    },
  };
}

/** Readiness check of the broker connection: `isConnected` is a callback into the messaging connection. */
export function brokerCheck(isConnected: () => boolean | Promise<boolean>, name = 'broker'): ReadinessCheck {
  return {
    name,
    check: async () => {
      if (!(await isConnected())) throw new Error('not connected');
    },
  };
}

/** Any other readiness check, e.g. `healthCheck('card-api-circuit', () => breaker.state !== 'open')`. */
export function healthCheck(name: string, check: () => unknown | Promise<unknown>, timeoutMs?: number): ReadinessCheck {
  return { name, check, timeoutMs };
}

/** Outcome of one check run. */
export type CheckOutcome = { up: true; details?: Record<string, unknown> } | { up: false; message: string };

/** Runs a check with its timeout; never throws. Failure messages are secret-redacted. */
export async function runCheck(check: ReadinessCheck): Promise<CheckOutcome> {
  const timeoutMs = check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      Promise.resolve().then(check.check),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    if (result === false) return { up: false, message: 'check returned false' };
    if (result && typeof result === 'object' && !Array.isArray(result)) return { up: true, details: result as Record<string, unknown> };
    return { up: true };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { up: false, message: redactSecrets(message).slice(0, 300) };
  } finally {
    if (timer) clearTimeout(timer);
  }
}
