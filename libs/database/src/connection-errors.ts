import { Client } from 'pg';

/**
 * A `pg` Client class (for `new Pool({ Client })` or TypeORM's `extra: { Client }`) whose connections keep an
 * `'error'` listener for their whole life.
 *
 * A connection the server ends (`pg_terminate_backend`, a restart, a failover) reports it as an `'error'` event
 * when no query is running on it, and an `'error'` event nobody listens to is an uncaught exception: the process
 * dies. `pg-pool` listens while a client is idle and takes its listener off while the client is checked out,
 * leaving the event to whoever holds it — TypeORM's query runner attaches its own, but only once the checkout's
 * promise has settled. A new connection whose server process is terminated right after it became ready delivers
 * "ready" and the FATAL in one socket read: pg handles both in that turn, and the FATAL finds no listener. The
 * chaos suite's `6a-postgres-terminate-backends` killed the payment-gateway that way.
 *
 * The listener only keeps the process alive; it needs to do nothing else: pg has already marked the client not
 * queryable and failed its pending queries, the holder's next query fails with a connection error (and is retried
 * like any lost connection), and the pool discards the client when it comes back.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a mixin's constructor must take `...any[]`
export function connectionErrorSafeClient<C extends new (...args: any[]) => Client>(Base: C): C {
  return class ConnectionErrorSafeClient extends Base {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    constructor(...args: any[]) {
      super(...args);
      this.on('error', ignoreConnectionError);
    }
  };
}

/** What pg-pool itself installs after a client's first error (`additional client error after disconnection`). */
function ignoreConnectionError(): void {}
