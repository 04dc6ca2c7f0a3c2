import { RccsTransportError, type RccsCredentials, type RccsResult } from '@rcp/rccs-client';
import type { ConnectionCheckCompletedV1, ConnectionCheckOutcome } from '@rcp/contracts';
import type { CredentialsProvider } from '../config/credentials';

/**
 * One getRCCSRequestId with given credentials: through the per-shop limiter, but without the circuit breaker or
 * retries (the operator wants the raw answer now).
 */
export interface ConnectionProbe {
  probe(shopId: string, creds: RccsCredentials): Promise<RccsResult<unknown>>;
}

export const CONNECTION_PROBE = Symbol('CONNECTION_PROBE');

export interface ConnectionCheckOptions {
  /** Request-level error code → outcome (default: RCCS_E01-001 → wrong-credentials). */
  codeOutcomes: Record<string, ConnectionCheckOutcome>;
  /** Overall limit of one check (limiter wait included). */
  timeoutMs: number;
}

class CheckTimeout extends Error {}

/**
 * 接続確認: logs in to the card API with the shop's stored credentials (getRCCSRequestId) and classifies the answer.
 * Transport: connect refused/reset → unreachable, no answer in time → timeout; request level: per `codeOutcomes`
 * (the simulator and, as far as known, the real API answer a wrong key AND an unknown 店舗URL with the same
 * RCCS_E01-001 認証エラー, so both are `wrong-credentials` unless a distinct code is configured); anything else → api-error.
 * Messages come from the client, which scrubs the auth key; they are cut to 300 characters.
 */
export async function runConnectionCheck(
  shopId: string,
  checkId: string,
  credentials: CredentialsProvider,
  gateway: ConnectionProbe,
  options: ConnectionCheckOptions,
  now: () => number = Date.now,
): Promise<ConnectionCheckCompletedV1> {
  const started = now();
  const done = (outcome: ConnectionCheckOutcome, errorCode?: string, message?: string): ConnectionCheckCompletedV1 => ({
    checkId,
    outcome,
    ...(errorCode ? { errorCode: errorCode.slice(0, 64) } : {}),
    ...(message ? { message: message.slice(0, 300) } : {}),
    latencyMs: Math.min(3_600_000, Math.max(0, now() - started)),
  });
  const creds = await credentials.forShop(shopId);
  if (!creds) return done('no-credentials', undefined, `the gateway holds no card-API credentials for shop ${shopId}`);
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      gateway.probe(shopId, creds),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CheckTimeout()), options.timeoutMs);
      }),
    ]);
    if (result.ok) return done('ok', result.errorCode, result.message ?? undefined);
    const outcome = options.codeOutcomes[result.errorCode] ?? 'api-error';
    const hint =
      outcome === 'wrong-credentials'
        ? '認証エラー: the card API refused 店舗URL / ユーザID / 認証キー (a wrong key and an unknown shop get the same answer)'
        : outcome === 'unknown-shop'
          ? 'the card API does not know this 店舗URL'
          : `the card API answered ${result.errorCode}`;
    return done(outcome, result.errorCode, `${hint}${result.message ? ` (${result.message})` : ''}`);
  } catch (err) {
    if (err instanceof CheckTimeout) return done('timeout', 'timeout', `no answer within ${options.timeoutMs} ms`);
    if (err instanceof RccsTransportError) {
      const outcome: ConnectionCheckOutcome = err.kind === 'connect' || err.kind === 'connection-reset' ? 'unreachable' : err.kind === 'timeout' ? 'timeout' : 'api-error';
      return done(outcome, err.kind, err.message);
    }
    return done('api-error', (err as Error).name ?? 'error', (err as Error).message ?? String(err));
  } finally {
    if (timer) clearTimeout(timer);
  }
}
