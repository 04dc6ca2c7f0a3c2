import {
  BrokenCircuitError,
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  handleWhen,
  retry,
  wrap,
} from 'cockatiel';
import type { RccsClient, RccsCredentials, RccsExchange, RccsResult } from '@rcp/rccs-client';
import { RccsTransportError } from '@rcp/rccs-client';
import type { CredentialsProvider } from '../config/credentials';
import type { CallLimiter } from '../limits/shop-limiter';
import { isTransient, RetryableApiError } from './transient';

/** The client methods the gateway uses (RccsClient fits; tests pass fakes). */
export type RccsApi = Pick<
  RccsClient,
  'getRCCSRequestId' | 'authori' | 'authoriCancel' | 'sales' | 'salesCancel' | 'getRCCSResult' | 'getRCCSResultAll'
>;

export class UnknownShopError extends Error {
  override readonly name = 'UnknownShopError';
  constructor(shopId: string) {
    super(`no card-API credentials configured for shop ${shopId}`);
  }
}

export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'isolated';

export interface ResilienceOptions {
  callRetries: number;
  callRetryBaseMs: number;
  breakerThreshold: number;
  breakerHalfOpenAfterMs: number;
  /** Called when a shop's breaker is created (`closed`) and on every state change (metrics). */
  onCircuitState?: (shopId: string, state: CircuitStateName) => void;
}

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/** Records every raw exchange (key masked by the client) of a logical call, retries included. */
export type ExchangeSink = (exchange: RccsExchange) => void;

/**
 * The only door to the card API: credentials lookup, per-shop limits, a circuit breaker per shop and
 * bounded in-process retries for synchronous (idempotent) calls. Asynchronous submissions are never retried here.
 */
export class RccsGateway {
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();

  constructor(
    private readonly api: RccsApi,
    private readonly credentials: CredentialsProvider,
    private readonly limiter: CallLimiter,
    private readonly options: ResilienceOptions,
  ) {}

  /** Synchronous, side-effect-free calls: retried on transient failures. Request-level non-retryable failures are returned. */
  async sync<T>(shopId: string, call: (api: RccsApi, c: RccsCredentials) => Promise<RccsResult<T>>, sink?: ExchangeSink): Promise<RccsResult<T>> {
    const creds = await this.credentialsOf(shopId);
    const retryPolicy = retry(
      handleWhen((e) => isTransient(e) && !(e instanceof BrokenCircuitError)),
      {
        maxAttempts: this.options.callRetries,
        backoff: new ExponentialBackoff({ initialDelay: this.options.callRetryBaseMs, maxDelay: this.options.callRetryBaseMs * 8 }),
      },
    );
    return wrap(retryPolicy, this.breaker(shopId)).execute(() =>
      this.limiter.run(shopId, async () => {
        const result = await this.record(call(this.api, creds), sink);
        if (!result.ok && result.classification.classification === 'retryable') throw new RetryableApiError(result);
        return result;
      }),
    );
  }

  /** One asynchronous submission: exactly one HTTP call (or none when the circuit is open). */
  async submit<T>(shopId: string, call: (api: RccsApi, c: RccsCredentials) => Promise<RccsResult<T>>, sink?: ExchangeSink): Promise<RccsResult<T>> {
    const creds = await this.credentialsOf(shopId);
    return this.breaker(shopId).execute(() =>
      this.limiter.run(shopId, async () => {
        const result = await this.record(call(this.api, creds), sink);
        if (!result.ok && result.classification.classification === 'retryable') throw new RetryableApiError(result);
        return result;
      }),
    );
  }

  /**
   * Runs `fn`, whose card-API calls of the shop (about `calls` of them, one after another) are one logical submission:
   * they share one per-shop concurrency slot ({@link CallLimiter.hold}).
   */
  hold<T>(shopId: string, calls: number, fn: () => Promise<T>): Promise<T> {
    return this.limiter.hold ? this.limiter.hold(shopId, calls, fn) : fn();
  }

  /** Frees what the limiter keeps between calls (shutdown, after the last call). */
  async close(): Promise<void> {
    await this.limiter.close?.();
  }

  /** Circuit state per shop, for readiness and metrics. */
  circuitStates(): Record<string, CircuitStateName> {
    return Object.fromEntries([...this.breakers].map(([shop, b]) => [shop, STATE_NAMES[b.state]]));
  }

  async knowsShop(shopId: string): Promise<boolean> {
    return (await this.credentials.forShop(shopId)) !== undefined;
  }

  private async credentialsOf(shopId: string): Promise<RccsCredentials> {
    const creds = await this.credentials.forShop(shopId);
    if (!creds) throw new UnknownShopError(shopId);
    return creds;
  }

  private async record<T>(promise: Promise<RccsResult<T>>, sink?: ExchangeSink): Promise<RccsResult<T>> {
    try {
      const result = await promise;
      sink?.(result.exchange);
      return result;
    } catch (err) {
      if (err instanceof RccsTransportError) sink?.(err.exchange);
      throw err;
    }
  }

  private breaker(shopId: string): CircuitBreakerPolicy {
    let b = this.breakers.get(shopId);
    if (!b) {
      b = circuitBreaker(
        handleWhen((e) => isTransient(e)),
        { halfOpenAfter: this.options.breakerHalfOpenAfterMs, breaker: new ConsecutiveBreaker(this.options.breakerThreshold) },
      );
      this.breakers.set(shopId, b);
      const report = this.options.onCircuitState;
      if (report) {
        report(shopId, 'closed');
        b.onStateChange((state) => report(shopId, STATE_NAMES[state]));
      }
    }
    return b;
  }
}
