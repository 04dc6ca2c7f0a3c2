import { Pool, type PoolClient, type QueryResult } from 'pg';
import { DataSource } from 'typeorm';
import { ensureDatabase, pgClientPoolOption, runMigrationsLocked } from '@rcp/database';
import type { AsyncOperation, CardState, DeclineOutcome, OrderRecord, RequestRecord, ResultRecord, ShopCredentials } from '../domain/types';
import { InitSimulator1732780800000 } from './migrations/1732780800000-InitSimulator';
import type { LedgerFilter, OrderFilter, RequestWithResults, ResultSearch, SimulatorStore, SubmitCommand, SubmitResult } from './store.port';

/** Advisory-lock key that serialises this service's migrations ("RCSI"). */
export const SIMULATOR_MIGRATION_LOCK = 0x52435349;

export const SIMULATOR_MIGRATIONS = [InitSimulator1732780800000];

type Row = Record<string, unknown>;

const ORDER_COLUMNS = [
  ['order_number', 'text'],
  ['shop_url', 'text'],
  ['brand_name', 'text'],
  ['card_no', 'text'],
  ['owner_name', 'text'],
  ['exp_ym', 'text'],
  ['company_name', 'text'],
  ['card_imst_count', 'int'],
  ['pay_type', 'int'],
  ['amount', 'int'],
  ['credit_limit', 'bigint'],
  ['forced_decline', 'jsonb'],
  ['rules_exempt', 'boolean'],
  ['card_state', 'text'],
  ['authorized_at', 'timestamptz'],
  ['authorized_amount', 'int'],
  ['approval_number', 'text'],
  ['billed_at', 'timestamptz'],
  ['pending_request_id', 'int'],
  ['pending_op', 'text'],
  ['pending_until', 'timestamptz'],
  ['auto_provisioned', 'boolean'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
] as const;

const RESULT_COLUMNS = [
  ['request_id', 'int'],
  ['seq', 'int'],
  ['shop_url', 'text'],
  ['op', 'text'],
  ['order_number', 'text'],
  ['help_item', 'text'],
  ['pay_type', 'int'],
  ['price', 'int'],
  ['brand_name', 'text'],
  ['card_no', 'text'],
  ['owner_name', 'text'],
  ['exp_ym', 'text'],
  ['company_name', 'text'],
  ['card_imst_count', 'int'],
  ['card_state', 'text'],
  ['state_before', 'text'],
  ['approval_number', 'text'],
  ['transaction_id', 'text'],
  ['error_code', 'text'],
  ['ccs_error_code', 'text'],
  ['ccs_error_code_detail', 'text'],
  ['message', 'text'],
  ['created_at', 'timestamptz'],
  ['reg_at', 'timestamptz'],
] as const;

/** Columns the processor may change on an order (one UPDATE ... FROM unnest per batch). */
const ORDER_STATE_COLUMNS = [
  ['order_number', 'text'],
  ['card_state', 'text'],
  ['authorized_at', 'timestamptz'],
  ['authorized_amount', 'int'],
  ['approval_number', 'text'],
  ['pay_type', 'int'],
  ['billed_at', 'timestamptz'],
  ['pending_request_id', 'int'],
  ['pending_op', 'text'],
  ['pending_until', 'timestamptz'],
  ['updated_at', 'timestamptz'],
] as const;

type ColumnSpec = readonly (readonly [string, string])[];

/** `unnest($1::text[], $2::int[], ...) AS v(a, b, ...)` with one array parameter per column. */
function unnest(columns: ColumnSpec, rows: Row[], firstParam = 1): { sql: string; params: unknown[] } {
  const params = columns.map(([name, type]) =>
    rows.map((r) => {
      const v = r[name];
      return type === 'jsonb' && v !== null && v !== undefined ? JSON.stringify(v) : (v ?? null);
    }),
  );
  const args = columns.map(([, type], i) => `$${firstParam + i}::${type}[]`).join(', ');
  return { sql: `unnest(${args}) AS v(${columns.map(([n]) => n).join(', ')})`, params };
}

function orderToRow(o: OrderRecord): Row {
  return {
    order_number: o.orderNumber,
    shop_url: o.shopUrl,
    brand_name: o.brandName,
    card_no: o.cardNo,
    owner_name: o.ownerName,
    exp_ym: o.expYM,
    company_name: o.companyName,
    card_imst_count: o.cardImstCount,
    pay_type: o.payType,
    amount: o.amount,
    credit_limit: o.creditLimit,
    forced_decline: o.forcedDecline,
    rules_exempt: o.rulesExempt,
    card_state: o.cardState,
    authorized_at: o.authorizedAt,
    authorized_amount: o.authorizedAmount,
    approval_number: o.approvalNumber,
    billed_at: o.billedAt,
    pending_request_id: o.pending?.requestId ?? null,
    pending_op: o.pending?.op ?? null,
    pending_until: o.pending?.until ?? null,
    auto_provisioned: o.autoProvisioned,
    created_at: o.createdAt,
    updated_at: o.updatedAt,
  };
}

function rowToOrder(r: Row): OrderRecord {
  return {
    orderNumber: r.order_number as string,
    shopUrl: r.shop_url as string,
    brandName: r.brand_name as string,
    cardNo: r.card_no as string,
    ownerName: r.owner_name as string,
    expYM: r.exp_ym as string,
    companyName: r.company_name as string,
    cardImstCount: r.card_imst_count as number,
    payType: r.pay_type as number,
    amount: (r.amount as number | null) ?? null,
    creditLimit: r.credit_limit === null ? null : Number(r.credit_limit),
    forcedDecline: (r.forced_decline as DeclineOutcome | null) ?? null,
    rulesExempt: r.rules_exempt as boolean,
    cardState: r.card_state as CardState,
    authorizedAt: (r.authorized_at as Date | null) ?? null,
    authorizedAmount: (r.authorized_amount as number | null) ?? null,
    approvalNumber: (r.approval_number as string | null) ?? null,
    billedAt: (r.billed_at as Date | null) ?? null,
    pending:
      r.pending_request_id === null
        ? null
        : { requestId: r.pending_request_id as number, op: r.pending_op as AsyncOperation, until: (r.pending_until as Date | null) ?? null },
    autoProvisioned: r.auto_provisioned as boolean,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

function resultToRow(x: ResultRecord): Row {
  return {
    request_id: x.requestId,
    seq: x.seq,
    shop_url: x.shopUrl,
    op: x.op,
    order_number: x.orderNumber,
    help_item: x.helpItem,
    pay_type: x.payType,
    price: x.price,
    brand_name: x.brandName,
    card_no: x.cardNo,
    owner_name: x.ownerName,
    exp_ym: x.expYM,
    company_name: x.companyName,
    card_imst_count: x.cardImstCount,
    card_state: x.cardState,
    state_before: x.stateBefore,
    approval_number: x.approvalNumber,
    transaction_id: x.transactionId,
    error_code: x.errorCode,
    ccs_error_code: x.ccsErrorCode,
    ccs_error_code_detail: x.ccsErrorCodeDetail,
    message: x.message,
    created_at: x.createdAt,
    reg_at: x.regAt,
  };
}

function rowToResult(r: Row): ResultRecord {
  return {
    requestId: r.request_id as number,
    seq: r.seq as number,
    shopUrl: r.shop_url as string,
    op: r.op as AsyncOperation,
    orderNumber: r.order_number as string,
    helpItem: r.help_item as string,
    payType: r.pay_type as number,
    price: r.price as number,
    brandName: r.brand_name as string | null,
    cardNo: r.card_no as string | null,
    ownerName: r.owner_name as string | null,
    expYM: r.exp_ym as string | null,
    companyName: r.company_name as string | null,
    cardImstCount: r.card_imst_count as number,
    cardState: r.card_state as CardState | null,
    stateBefore: r.state_before as CardState | null,
    approvalNumber: r.approval_number as string,
    transactionId: r.transaction_id as string,
    errorCode: r.error_code as string,
    ccsErrorCode: r.ccs_error_code as string,
    ccsErrorCodeDetail: r.ccs_error_code_detail as string | null,
    message: r.message as string,
    createdAt: r.created_at as Date,
    regAt: (r.reg_at as Date | null) ?? null,
  };
}

/** Columns of sim_requests ({@link rowToRequest}). */
const REQUEST_COLUMNS = ['request_id', 'shop_url', 'issued_at', 'op', 'used_at', 'item_count', 'accepted_until', 'complete_at', 'stuck'] as const;

function rowToRequest(r: Row): RequestRecord {
  return {
    requestId: r.request_id as number,
    shopUrl: r.shop_url as string,
    issuedAt: r.issued_at as Date,
    op: (r.op as AsyncOperation | null) ?? null,
    usedAt: (r.used_at as Date | null) ?? null,
    itemCount: r.item_count as number,
    acceptedUntil: (r.accepted_until as Date | null) ?? null,
    completeAt: (r.complete_at as Date | null) ?? null,
    stuck: r.stuck as boolean,
  };
}

/** The connection itself failed (terminated backend, reset socket): the transaction never committed. */
function isConnectionLoss(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code === '57P01' || code === '57P02' || code === '57P03' || code === 'ECONNRESET' || /Connection terminated/i.test(String((err as Error)?.message));
}

const RETRYABLE = new Set(['40P01', '40001']); // deadlock, serialization failure

/**
 * PostgreSQL driver. Raw, set-based SQL over a `pg` pool (one statement per table per batch); the schema
 * comes from TypeORM migrations run under an advisory lock at start.
 */
export class PostgresStore implements SimulatorStore {
  readonly kind = 'postgres' as const;
  private pool?: Pool;

  constructor(private readonly options: { url: string; poolSize?: number; synchronousCommit?: boolean; preparedStatements?: boolean }) {}

  async init(): Promise<void> {
    await ensureDatabase(this.options.url);
    const ds = new DataSource({
      type: 'postgres',
      url: this.options.url,
      migrations: SIMULATOR_MIGRATIONS,
      migrationsTableName: 'sim_migrations',
      logging: false,
      extra: pgClientPoolOption(false),
    });
    await ds.initialize();
    try {
      await runMigrationsLocked(ds, SIMULATOR_MIGRATION_LOCK);
    } finally {
      await ds.destroy();
    }
    this.pool = new Pool({
      connectionString: this.options.url,
      max: this.options.poolSize ?? 10,
      ...pgClientPoolOption(this.options.preparedStatements ?? true),
      // A simulator restart never loses a commit either way; only a crash of PostgreSQL itself could lose the last
      // fraction of a second, which is worth the throughput for a test double (SIM_DB_SYNCHRONOUS_COMMIT=true to change).
      options: `-c synchronous_commit=${this.options.synchronousCommit ? 'on' : 'off'}`,
    });
    this.pool.on('error', () => undefined); // idle client errors surface on the next query instead of crashing
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  async ping(): Promise<boolean> {
    try {
      await this.exec(this.db, 'SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /** Statements sent so far (lets tests check that batches are set-based). */
  statements = 0;

  private exec(executor: Pool | PoolClient, sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
    this.statements++;
    return executor.query<Row>(sql, params);
  }

  private get db(): Pool {
    if (!this.pool) throw new Error('PostgresStore is not initialised');
    return this.pool;
  }

  private async tx<T>(work: (c: PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.db.connect();
      // A backend terminated mid-transaction (pg_terminate_backend, a database restart) shows as an 'error' event
      // between statements: noted here so the transaction is retried on a fresh connection and this one discarded.
      let broken: Error | undefined;
      let committing = false;
      const onError = (err: Error) => (broken = err);
      client.on('error', onError);
      try {
        await this.exec(client, 'BEGIN');
        const value = await work(client);
        committing = true;
        await this.exec(client, 'COMMIT');
        return value;
      } catch (err) {
        if (!broken) await this.exec(client, 'ROLLBACK').catch(() => undefined);
        // A connection lost while COMMIT was in flight may have committed: never apply the work twice.
        const lostBeforeCommit = !committing && (broken !== undefined || isConnectionLoss(err));
        const retryable = RETRYABLE.has((err as { code?: string }).code ?? '') || lostBeforeCommit;
        if (attempt < 5 && retryable) {
          broken ??= err as Error;
          continue;
        }
        throw err;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    }
  }

  async listShops(): Promise<ShopCredentials[]> {
    const { rows } = await this.exec(this.db, 'SELECT * FROM sim_shops ORDER BY shop_url');
    return rows.map((r) => ({
      shopUrl: r.shop_url as string,
      userName: r.user_name as string,
      authKey: r.auth_key as string,
      ...(r.service_secret !== null ? { serviceSecret: r.service_secret as string } : {}),
      ...(r.license_key !== null ? { licenseKey: r.license_key as string } : {}),
    }));
  }

  async upsertShop(s: ShopCredentials): Promise<void> {
    await this.exec(this.db, 
      `INSERT INTO sim_shops (shop_url, user_name, auth_key, service_secret, license_key, updated_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (shop_url) DO UPDATE SET user_name = EXCLUDED.user_name, auth_key = EXCLUDED.auth_key,
         service_secret = EXCLUDED.service_secret, license_key = EXCLUDED.license_key, updated_at = now()`,
      [s.shopUrl, s.userName, s.authKey, s.serviceSecret ?? null, s.licenseKey ?? null],
    );
  }

  async deleteShop(shopUrl: string): Promise<boolean> {
    const r = await this.exec(this.db, 'DELETE FROM sim_shops WHERE shop_url = $1', [shopUrl]);
    return (r.rowCount ?? 0) > 0;
  }

  async getSetting<T>(key: string): Promise<T | undefined> {
    const { rows } = await this.exec(this.db, 'SELECT value FROM sim_settings WHERE key = $1', [key]);
    return rows.length ? (rows[0].value as T) : undefined;
  }

  async setSetting(key: string, value: unknown): Promise<void> {
    await this.exec(this.db, 
      'INSERT INTO sim_settings (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
      [key, JSON.stringify(value)],
    );
  }

  async issueRequestId(shopUrl: string, now: Date): Promise<number> {
    const { rows } = await this.exec(this.db, 
      `INSERT INTO sim_requests (request_id, shop_url, issued_at) VALUES (nextval('sim_request_id_seq'), $1, $2) RETURNING request_id`,
      [shopUrl, now],
    );
    return rows[0].request_id as number;
  }

  async submit(cmd: SubmitCommand): Promise<SubmitResult> {
    return this.tx(async (c) => {
      // 1. claim the request id (single use) and lock the orders, in one round trip: no row = not claimed.
      const claimed = await this.exec(
        c,
        `WITH claim AS (
           UPDATE sim_requests SET op = $3, used_at = $4, item_count = $5, accepted_until = $6, complete_at = $7, stuck = $8
           WHERE request_id = $1 AND shop_url = $2 AND used_at IS NULL AND issued_at > $9
           RETURNING request_id)
         SELECT o.* FROM claim LEFT JOIN LATERAL (
           SELECT * FROM sim_orders WHERE order_number = ANY($10::text[]) ORDER BY order_number FOR UPDATE) o ON true`,
        [cmd.requestId, cmd.shopUrl, cmd.op, cmd.now, cmd.itemCount, cmd.acceptedUntil, cmd.completeAt, cmd.completeAt === null, cmd.issuedAfter, cmd.orderNumbers],
      );
      if (claimed.rows.length === 0) {
        const { rows } = await this.exec(c, 'SELECT shop_url, used_at FROM sim_requests WHERE request_id = $1', [cmd.requestId]);
        const reason = !rows.length ? 'unknown' : rows[0].shop_url !== cmd.shopUrl ? 'foreign' : rows[0].used_at ? 'used' : 'expired';
        return { ok: false, reason } as const;
      }
      let rows = claimed.rows.filter((r) => r.order_number !== null);
      // 2. auto-provisioning: create the missing orders (already locked as our own new rows).
      if (cmd.provision && rows.length < cmd.orderNumbers.length) {
        const found = new Set(rows.map((r) => r.order_number as string));
        const missing = cmd.provision(cmd.orderNumbers.filter((n) => !found.has(n))).sort((a, b) => (a.orderNumber < b.orderNumber ? -1 : 1));
        if (missing.length) {
          const u = unnest(ORDER_COLUMNS, missing.map(orderToRow));
          const inserted = await this.exec(
            c,
            `INSERT INTO sim_orders (${ORDER_COLUMNS.map(([n]) => n).join(', ')}) SELECT * FROM ${u.sql}
             ON CONFLICT (order_number) DO NOTHING RETURNING *`,
            u.params,
          );
          rows = rows.concat(inserted.rows);
          if (inserted.rows.length < missing.length) {
            // created concurrently by another request: lock those rows too
            const mine = new Set(inserted.rows.map((r) => r.order_number as string));
            const raced = missing.map((o) => o.orderNumber).filter((n) => !mine.has(n));
            const locked = await this.exec(c, 'SELECT * FROM sim_orders WHERE order_number = ANY($1::text[]) ORDER BY order_number FOR UPDATE', [raced]);
            rows = rows.concat(locked.rows);
          }
        }
      }
      // 3. decide, then write the orders and the results in one statement.
      const orders = new Map(rows.map((r) => [r.order_number as string, rowToOrder(r)]));
      const { results, changed } = cmd.decide(orders);
      const ins = unnest(RESULT_COLUMNS, results.map(resultToRow));
      const insert = `INSERT INTO sim_results (${RESULT_COLUMNS.map(([n]) => n).join(', ')}) SELECT * FROM ${ins.sql}`;
      if (changed.length) {
        const upd = unnest(ORDER_STATE_COLUMNS, changed.map(orderToRow), ins.params.length + 1);
        const sets = ORDER_STATE_COLUMNS.slice(1)
          .map(([n]) => `${n} = v.${n}`)
          .join(', ');
        await this.exec(c, `WITH upd AS (UPDATE sim_orders AS o SET ${sets} FROM ${upd.sql} WHERE o.order_number = v.order_number) ${insert}`, [
          ...ins.params,
          ...upd.params,
        ]);
      } else if (results.length) {
        await this.exec(c, insert, ins.params);
      }
      return { ok: true, results } as const;
    });
  }

  async getRequests(requestIds: number[]): Promise<RequestWithResults[]> {
    if (!requestIds.length) return [];
    // one statement: each request's columns (prefixed) on every row of its results, or on one row when it has none
    const { rows } = await this.exec(
      this.db,
      `SELECT ${REQUEST_COLUMNS.map((c) => `r.${c} AS r_${c}`).join(', ')}, s.*
         FROM sim_requests r LEFT JOIN sim_results s ON s.request_id = r.request_id
        WHERE r.request_id = ANY($1::int[]) ORDER BY r.request_id, s.seq`,
      [requestIds],
    );
    const byId = new Map<number, RequestWithResults>();
    for (const row of rows) {
      const id = row.r_request_id as number;
      let entry = byId.get(id);
      if (!entry) {
        entry = { request: rowToRequest(Object.fromEntries(REQUEST_COLUMNS.map((c) => [c, row[`r_${c}`]]))), results: [] };
        byId.set(id, entry);
      }
      if (row.seq !== null) entry.results.push(rowToResult(row));
    }
    return [...new Set(requestIds)].flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
  }

  async searchResults(q: ResultSearch): Promise<ResultRecord[]> {
    const params: unknown[] = [q.shopUrl, q.now, q.from, q.until];
    const inner = ['shop_url = $1', 'reg_at IS NOT NULL', 'reg_at <= $2', 'reg_at >= $3', 'reg_at < $4'];
    if (q.orderNumber !== undefined) {
      params.push(q.orderNumber);
      inner.push(`order_number = $${params.length}`);
    }
    const outer: string[] = [];
    const add = (column: string, value: unknown) => {
      if (value === undefined) return;
      params.push(value);
      outer.push(`${column} = $${params.length}`);
    };
    add('brand_name', q.brandName);
    add('card_state', q.cardState);
    add('help_item', q.helpItem);
    add('owner_name', q.ownerName);
    add('pay_type', q.payType);
    params.push(q.limit);
    const base = q.latestPerOrder
      ? `SELECT DISTINCT ON (order_number) * FROM sim_results WHERE ${inner.join(' AND ')} ORDER BY order_number, reg_at DESC, request_id DESC, seq DESC`
      : `SELECT * FROM sim_results WHERE ${inner.join(' AND ')}`;
    const { rows } = await this.exec(this.db, 
      `SELECT * FROM (${base}) t ${outer.length ? `WHERE ${outer.join(' AND ')}` : ''}
       ORDER BY order_number, reg_at, request_id, seq LIMIT $${params.length}`,
      params,
    );
    return rows.map(rowToResult);
  }

  async completeRequest(requestId: number, at: Date): Promise<boolean> {
    return this.tx(async (c) => {
      const { rows } = await this.exec(c, 
        `UPDATE sim_requests SET complete_at = LEAST(COALESCE(complete_at, $2), $2), stuck = false
         WHERE request_id = $1 AND used_at IS NOT NULL RETURNING complete_at`,
        [requestId, at],
      );
      if (!rows.length) return false;
      const when = rows[0].complete_at as Date;
      await this.exec(c, 'UPDATE sim_results SET reg_at = $2 WHERE request_id = $1', [requestId, when]);
      await this.exec(c, 'UPDATE sim_orders SET pending_until = $2 WHERE pending_request_id = $1', [requestId, when]);
      return true;
    });
  }

  async upsertOrders(orders: OrderRecord[]): Promise<void> {
    if (!orders.length) return;
    const u = unnest(ORDER_COLUMNS, orders.map(orderToRow));
    const updates = ORDER_COLUMNS.slice(1)
      .map(([n]) => `${n} = EXCLUDED.${n}`)
      .join(', ');
    await this.exec(this.db, 
      `INSERT INTO sim_orders (${ORDER_COLUMNS.map(([n]) => n).join(', ')}) SELECT * FROM ${u.sql}
       ON CONFLICT (order_number) DO UPDATE SET ${updates}`,
      u.params,
    );
  }

  async getOrder(orderNumber: string): Promise<OrderRecord | undefined> {
    const { rows } = await this.exec(this.db, 'SELECT * FROM sim_orders WHERE order_number = $1', [orderNumber]);
    return rows.length ? rowToOrder(rows[0]) : undefined;
  }

  async listOrders(f: OrderFilter): Promise<OrderRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.shopUrl !== undefined) {
      params.push(f.shopUrl);
      where.push(`shop_url = $${params.length}`);
    }
    if (f.cardState !== undefined) {
      params.push(f.cardState);
      where.push(`card_state = $${params.length}`);
    }
    params.push(f.limit, f.offset);
    const { rows } = await this.exec(this.db, 
      `SELECT * FROM sim_orders ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY order_number
       LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return rows.map(rowToOrder);
  }

  async deleteOrder(orderNumber: string): Promise<boolean> {
    const r = await this.exec(this.db, 'DELETE FROM sim_orders WHERE order_number = $1', [orderNumber]);
    return (r.rowCount ?? 0) > 0;
  }

  async ledger(f: LedgerFilter): Promise<ResultRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      if (value === undefined) return;
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    add('shop_url = ?', f.shopUrl);
    add('order_number = ?', f.orderNumber);
    add('request_id = ?', f.requestId);
    add('op = ?', f.op);
    add('error_code = ?', f.errorCode);
    add('created_at >= ?', f.since);
    add('created_at < ?', f.until);
    params.push(f.limit, f.offset);
    const { rows } = await this.exec(this.db, 
      `SELECT * FROM sim_results ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id
       LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return rows.map(rowToResult);
  }

  async reset(): Promise<void> {
    await this.exec(this.db, 'TRUNCATE sim_orders, sim_requests, sim_results, sim_settings');
  }
}
