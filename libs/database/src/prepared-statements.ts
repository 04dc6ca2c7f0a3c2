import { Client, type QueryConfig, type QueryResult } from 'pg';
import { connectionErrorSafeClient } from './connection-errors';

/** Options of {@link preparingClient}. */
export interface PreparedStatementOptions {
  /** A statement text becomes a prepared statement once it has been run this many times in the process; default 3. */
  minUses?: number;
  /** Most distinct statement texts prepared per process (each connection keeps those it used); default 300. */
  maxStatements?: number;
  /** Statement texts counted before the counts start over (bounds the memory of one-off texts); default 5000. */
  maxTracked?: number;
}

/**
 * The `Client` pool option every service's PostgreSQL pool uses: connections that survive being ended by the server
 * ({@link connectionErrorSafeClient}) and, when `preparedStatements` is on, run recurring statements as prepared
 * statements ({@link preparingClient}; off behind a transaction-pooling proxy). Spread into TypeORM's `extra` or a
 * `pg` Pool config.
 */
export function pgClientPoolOption(preparedStatements: boolean, options?: PreparedStatementOptions): { Client: typeof Client } {
  return { Client: preparedStatements ? preparingClient(options) : connectionErrorSafeClient(Client) };
}

/** PostgreSQL's answer when a prepared statement's result columns changed under it (DDL since it was prepared). */
const STALE_PLAN = /cached plan must not change result type/;

/** Names statement texts that recur; one per pool (shared by its connections). */
export class StatementNamer {
  private readonly uses = new Map<string, number>();
  private readonly names = new Map<string, string>();
  private readonly minUses: number;
  private readonly maxStatements: number;
  private readonly maxTracked: number;

  constructor(options: PreparedStatementOptions = {}) {
    this.minUses = Math.max(1, options.minUses ?? 3);
    this.maxStatements = options.maxStatements ?? 300;
    this.maxTracked = options.maxTracked ?? 5000;
  }

  /** The statement's name, or undefined while it is not (or can no longer be) a prepared statement. */
  nameOf(text: string): string | undefined {
    const known = this.names.get(text);
    if (known !== undefined) return known;
    if (this.names.size >= this.maxStatements) return undefined;
    const n = (this.uses.get(text) ?? 0) + 1;
    if (n < this.minUses) {
      if (this.uses.size >= this.maxTracked) this.uses.clear();
      this.uses.set(text, n);
      return undefined;
    }
    this.uses.delete(text);
    const name = `rcp_${this.names.size + 1}`;
    this.names.set(text, name);
    return name;
  }

  /** How many statement texts are prepared. */
  get size(): number {
    return this.names.size;
  }
}

/**
 * A `pg` Client class (for `new Pool({ Client })`, or TypeORM's `extra: { Client }`) that runs recurring
 * parameterised statements as named prepared statements: PostgreSQL parses and plans them once per connection
 * instead of on every call (measured: half the backend CPU of a lock + write transaction). Texts without parameters
 * (`BEGIN`, `COMMIT`, DDL) and one-off texts stay unnamed.
 *
 * A statement whose result columns changed since it was prepared on a connection (a migration by another replica)
 * fails once with PostgreSQL's "cached plan must not change result type"; that connection then prepares it again
 * under a new name, so the caller's retry succeeds. Not for transaction-pooling proxies (PgBouncer `pool_mode =
 * transaction`), which do not keep prepared statements per client.
 */
export function preparingClient(options: PreparedStatementOptions = {}): typeof Client {
  const namer = new StatementNamer(options);
  return class PreparingClient extends connectionErrorSafeClient(Client) {
    /** Per connection: statements to prepare afresh under a suffixed name (their old plan went stale). */
    private readonly renamed = new Map<string, number>();

    // pg's other overloads (config objects, submittables, streams) pass through untouched; (text, values[, callback])
    // is run as a named statement once the text recurs.
    override query(...args: unknown[]): never {
      const [text, values, callback] = args;
      const withCallback = args.length === 3 && typeof callback === 'function';
      const plain = typeof text === 'string' && Array.isArray(values) && values.length > 0 && (args.length === 2 || withCallback);
      const base = plain ? namer.nameOf(text) : undefined;
      if (base === undefined) return (super.query as (...a: unknown[]) => never)(...args);
      const generation = this.renamed.get(base);
      const config: QueryConfig = { name: generation ? `${base}_${generation}` : base, text: text as string, values: values as unknown[] };
      const run = (super.query(config) as Promise<QueryResult>).catch((err: unknown) => {
        if (err instanceof Error && STALE_PLAN.test(err.message)) this.renamed.set(base, (generation ?? 0) + 1);
        throw err;
      });
      if (!withCallback) return run as never;
      const done = callback as (err: unknown, result?: QueryResult) => void;
      run.then((result) => done(null, result), done);
      return undefined as never;
    }
  };
}
