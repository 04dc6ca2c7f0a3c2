import type { DataSource, EntityManager } from 'typeorm';
import { queryRows } from '../persistence/sql';
import type { RccsExchange } from '@rcp/rccs-client';
import type { OutboxInsert } from '@rcp/messaging';
import type { CardRequestState, OperationState } from './states';

/** Row shapes as read with raw SQL. */
export interface OperationRow {
  operation_id: string;
  shop_id: string;
  order_number: string;
  kind: string;
  amount: number | null;
  pay_type: number | null;
  help_item: string | null;
  state: OperationState;
  card_request_id: string | null;
  /** Card requests this operation was attached to. */
  attempts: number;
  /** Failed resubmission rounds while requeued. */
  resubmissions: number;
  message_id: string | null;
  correlation_id: string;
  created_at: Date;
}

export interface CardRequestRow {
  id: string;
  rccs_request_id: number;
  shop_id: string;
  kind: string;
  state: CardRequestState;
  order_numbers: string[];
  attempts: number;
  poll_count: number;
  next_poll_at: Date | null;
  created_at: Date;
  submitted_at: Date | null;
}

/** An operation as intake records it (state, attachment, counters and timestamps are the ledger's). */
export type NewOperation = Omit<OperationRow, 'state' | 'card_request_id' | 'attempts' | 'resubmissions' | 'created_at'>;

/** A card request claimed for a poll, with its in-flight operations. */
export type ClaimedRequest = CardRequestRow & { operations: OperationRow[] };

type Db = DataSource | EntityManager;

/** Columns of {@link OperationRow}. */
const OPERATION_COLUMNS = [
  'operation_id', 'shop_id', 'order_number', 'kind', 'amount', 'pay_type', 'help_item', 'state', 'card_request_id',
  'attempts', 'resubmissions', 'message_id', 'correlation_id', 'created_at',
] as const satisfies readonly (keyof OperationRow)[];
/** Columns of {@link CardRequestRow}. */
const REQUEST_COLUMNS = [
  'id', 'rccs_request_id', 'shop_id', 'kind', 'state', 'order_numbers', 'attempts', 'poll_count', 'next_poll_at', 'created_at', 'submitted_at',
] as const satisfies readonly (keyof CardRequestRow)[];
type RequestColumns = { [K in (typeof REQUEST_COLUMNS)[number] as `r_${K}`]: CardRequestRow[K] | null };

/** Keeps the raw-exchange log of a request bounded: the first 4 and the last 16 entries. */
const capExchanges = (expr: string) =>
  `(CASE WHEN jsonb_array_length(${expr}) > 20 THEN (SELECT jsonb_agg(e ORDER BY i) FROM jsonb_array_elements(${expr}) WITH ORDINALITY t(e, i) WHERE i <= 4 OR i > jsonb_array_length(${expr}) - 16) ELSE ${expr} END)`;

export interface MoveOptions {
  note?: string;
  exchanges?: RccsExchange[];
  nextPollInMs?: number | null;
  lastError?: string;
  pollCountDelta?: number;
}

/** A guarded card request transition (see {@link ledger.moveCardRequest}). */
export interface CardRequestMove {
  id: string;
  from: readonly CardRequestState[];
  to: CardRequestState;
  opts?: MoveOptions;
}

/** The statement of {@link ledger.moveCardRequest}, its parameters numbered from `$first` (8 of them, {@link moveParams}). */
function moveSql(first: number): string {
  const p = (n: number) => `$${first + n - 1}`;
  return `UPDATE card_request SET state = ${p(2)}::varchar,
              timeline = timeline || jsonb_build_array(jsonb_build_object('at', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'state', ${p(2)}::varchar, 'note', ${p(3)}::text)),
              exchanges = ${capExchanges(`(exchanges || ${p(5)}::jsonb)`)},
              next_poll_at = CASE WHEN ${p(6)}::int IS NULL THEN NULL ELSE clock_timestamp() + (${p(6)}::int * interval '1 millisecond') END,
              last_error = COALESCE(${p(7)}, last_error),
              poll_count = poll_count + ${p(8)},
              submitted_at = CASE WHEN ${p(2)}::varchar = 'submitted' AND submitted_at IS NULL THEN now() ELSE submitted_at END,
              completed_at = CASE WHEN ${p(2)}::varchar IN ('completed','rejected','not-registered') THEN now() ELSE completed_at END,
              attempts = attempts + CASE WHEN ${p(2)}::varchar IN ('submitted','outcome-unknown','rejected') AND state = 'id-obtained' THEN 1 ELSE 0 END,
              updated_at = now()
        WHERE id = ${p(1)} AND state = ANY(${p(4)}::varchar[]) RETURNING id`;
}

function moveParams({ id, from, to, opts = {} }: CardRequestMove): unknown[] {
  return [id, to, opts.note ?? null, from, JSON.stringify(opts.exchanges ?? []), opts.nextPollInMs ?? null, opts.lastError ?? null, opts.pollCountDelta ?? 0];
}

/** SQL of the ledger tables (card_request, payment_operation). Every write is a single statement or runs in the caller's transaction. */
export const ledger = {
  async findOperation(db: Db, operationId: string, lock = false): Promise<OperationRow | undefined> {
    const rows = await queryRows<OperationRow>(db, `SELECT * FROM payment_operation WHERE operation_id = $1${lock ? ' FOR UPDATE' : ''}`, [operationId]);
    return rows[0];
  },

  async insertOperation(
    db: Db,
    op: NewOperation & { state: OperationState },
  ): Promise<boolean> {
    const rows = await queryRows<unknown>(db, 
      `INSERT INTO payment_operation (operation_id, shop_id, order_number, kind, amount, pay_type, help_item, state, message_id, correlation_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (operation_id) DO NOTHING RETURNING operation_id`,
      [op.operation_id, op.shop_id, op.order_number, op.kind, op.amount, op.pay_type, op.help_item, op.state, op.message_id, op.correlation_id],
    );
    return rows.length > 0;
  },

  /**
   * The common case of intake in one statement (no transaction), for several operations at once: inserts each new
   * `pending` operation unless its operationId is known or another open operation of the same kind exists on the
   * order (the same test as {@link ledger.findConcurrentOperation}) — or comes earlier in `ops` (only the first of an
   * order and kind is inserted). Returns the rows inserted; for the others nothing was written and the caller must
   * take the full path (duplicate, replay, operationId reused, another operation in progress).
   */
  async insertPendingIfAlone(db: Db, ops: readonly NewOperation[]): Promise<OperationRow[]> {
    if (ops.length === 0) return [];
    const col = <K extends keyof NewOperation>(k: K) => ops.map((o) => o[k]);
    return queryRows<OperationRow>(db,
      `INSERT INTO payment_operation (operation_id, shop_id, order_number, kind, amount, pay_type, help_item, state, message_id, correlation_id)
       SELECT DISTINCT ON (v.shop_id, v.order_number, v.kind)
              v.operation_id, v.shop_id, v.order_number, v.kind, v.amount, v.pay_type, v.help_item, 'pending', v.message_id, v.correlation_id
         FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::int[], $6::int[], $7::varchar[], $8::uuid[], $9::varchar[])
              WITH ORDINALITY AS v(operation_id, shop_id, order_number, kind, amount, pay_type, help_item, message_id, correlation_id, ord)
        WHERE NOT EXISTS (SELECT 1 FROM payment_operation p WHERE p.shop_id = v.shop_id AND p.order_number = v.order_number AND p.kind = v.kind
                             AND p.operation_id <> v.operation_id AND p.state IN ('pending','in-flight','requeued'))
        ORDER BY v.shop_id, v.order_number, v.kind, v.ord
       ON CONFLICT (operation_id) DO NOTHING RETURNING *`,
      [col('operation_id'), col('shop_id'), col('order_number'), col('kind'), col('amount'), col('pay_type'), col('help_item'), col('message_id'), col('correlation_id')],
    );
  },

  /** Another open operation of the same kind on the same order (different operationId), if any. */
  async findConcurrentOperation(db: Db, shopId: string, orderNumber: string, kind: string, operationId: string): Promise<OperationRow | undefined> {
    const rows = await queryRows<OperationRow>(db, 
      `SELECT * FROM payment_operation WHERE shop_id = $1 AND order_number = $2 AND kind = $3 AND operation_id <> $4
         AND state IN ('pending','in-flight','requeued') LIMIT 1`,
      [shopId, orderNumber, kind, operationId],
    );
    return rows[0];
  },

  async setOperationState(db: Db, operationIds: string[], state: OperationState, fromStates: OperationState[], extra: { lastError?: string | null } = {}): Promise<string[]> {
    if (operationIds.length === 0) return [];
    const rows = await queryRows<{ operation_id: string }>(db, 
      `UPDATE payment_operation SET state = $2, updated_at = now(), last_error = COALESCE($4, last_error)
        WHERE operation_id = ANY($1::uuid[]) AND state = ANY($3::varchar[]) RETURNING operation_id`,
      [operationIds, state, fromStates, extra.lastError ?? null],
    );
    return rows.map((r) => r.operation_id);
  },

  async finishOperation(db: Db, operationId: string, state: 'succeeded' | 'failed', resultEvent: string, result: unknown): Promise<void> {
    await db.query(
      `UPDATE payment_operation SET state = $2, result_event = $3, result = $4::jsonb, completed_at = now(), updated_at = now() WHERE operation_id = $1`,
      [operationId, state, resultEvent, JSON.stringify(result)],
    );
  },

  /**
   * Finishes a card request in ONE statement run on its own (no transaction): `move` (guarded by its `from` states,
   * the request row locked first) and, only if it moved, the operations of `rows` still in flight on that request —
   * and `outbox` inserts the result events of exactly those (`rows[i].eventId` is the id of the row's event). Nothing
   * is written when the request is no longer in a `from` state. Returns the ids of the operations finished.
   */
  async finalizeRequest(
    db: DataSource,
    move: CardRequestMove,
    rows: readonly { operationId: string; state: 'succeeded' | 'failed'; resultEvent: string; result: unknown; eventId: string }[],
    outbox?: OutboxInsert,
  ): Promise<string[]> {
    const params = moveParams(move);
    const param = (value: unknown) => `$${params.push(value)}`;
    const values = `unnest(${param(rows.map((r) => r.operationId))}::uuid[], ${param(rows.map((r) => r.state))}::varchar[], ${param(rows.map((r) => r.resultEvent))}::varchar[],
                           ${param(rows.map((r) => JSON.stringify(r.result)))}::text[], ${param(rows.map((r) => r.eventId))}::uuid[])`;
    const done = await queryRows<{ operation_id: string }>(db,
      `WITH moved AS (${moveSql(1)}), fin AS (
         UPDATE payment_operation p SET state = v.state, result_event = v.result_event, result = v.result::jsonb, completed_at = now(), updated_at = now()
           FROM ${values} AS v(operation_id, state, result_event, result, event_id)
          WHERE p.operation_id = v.operation_id AND p.state = 'in-flight' AND p.card_request_id IN (SELECT id FROM moved)
          RETURNING p.operation_id, v.event_id
       )${outbox ? `, ob AS (${outbox.sql(param, { idsFrom: 'SELECT event_id FROM fin' })})` : ''}
       SELECT operation_id FROM fin`,
      params,
    );
    return done.map((r) => r.operation_id);
  },

  /**
   * Persists a card request (`id-obtained`) with the operations it carries, in ONE statement: locks the batch's
   * operations (in operation_id order), takes the first `pending`/`requeued` operation of each order (by created_at:
   * one order appears at most once per card request), inserts the card request with their order numbers and attaches
   * them. Nothing is written when no operation can be attached. Returns the request (undefined then), the attached
   * operations with the state they had before (`prev_state`), and the current state of the batch's other operations.
   */
  async persistCardRequest(
    db: Db,
    r: { rccsRequestId: number; shopId: string; kind: string; leaseMs: number; exchanges: RccsExchange[]; operationIds: string[] },
  ): Promise<{ request: CardRequestRow | undefined; attached: (OperationRow & { prev_state: OperationState })[]; others: OperationRow[] }> {
    const rows = await queryRows<OperationRow & { part: 'attached' | 'other'; prev_state: OperationState | null } & RequestColumns>(db,
      `WITH locked AS (
         SELECT * FROM payment_operation WHERE operation_id = ANY($6::uuid[]) ORDER BY operation_id FOR UPDATE
       ), cand AS (
         SELECT DISTINCT ON (order_number) operation_id, order_number, created_at, state FROM locked
          WHERE state IN ('pending','requeued') ORDER BY order_number, created_at
       ), req AS (
         INSERT INTO card_request (rccs_request_id, shop_id, kind, state, order_numbers, next_poll_at, timeline, exchanges)
         SELECT $1, $2, $3, 'id-obtained', (SELECT jsonb_agg(order_number ORDER BY created_at, operation_id) FROM cand),
                clock_timestamp() + ($4::int * interval '1 millisecond'),
                jsonb_build_array(jsonb_build_object('at', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'state', 'id-obtained')), $5::jsonb
          WHERE EXISTS (SELECT 1 FROM cand)
         RETURNING *
       ), att AS (
         UPDATE payment_operation p SET state = 'in-flight', card_request_id = req.id, attempts = p.attempts + 1, updated_at = now()
           FROM req, cand WHERE p.operation_id = cand.operation_id
         RETURNING p.*, cand.state AS prev_state
       )
       SELECT 'attached' AS part, a.prev_state, ${OPERATION_COLUMNS.map((c) => `a.${c}`).join(', ')},
              ${REQUEST_COLUMNS.map((c) => `r.${c} AS r_${c}`).join(', ')}
         FROM att a, req r
       UNION ALL
       SELECT 'other', NULL, ${OPERATION_COLUMNS.map((c) => `l.${c}`).join(', ')}, ${REQUEST_COLUMNS.map(() => 'NULL').join(', ')}
         FROM locked l WHERE l.operation_id NOT IN (SELECT operation_id FROM cand)`,
      [r.rccsRequestId, r.shopId, r.kind, r.leaseMs, JSON.stringify(r.exchanges), r.operationIds],
    );
    const opOf = (x: (typeof rows)[number]): OperationRow => Object.fromEntries(OPERATION_COLUMNS.map((c) => [c, x[c]])) as unknown as OperationRow;
    const attached = rows
      .filter((x) => x.part === 'attached')
      .map((x) => ({ ...opOf(x), prev_state: x.prev_state as OperationState }))
      .sort((a, b) => new Date(a.created_at).getTime() - new Date(b.created_at).getTime() || a.operation_id.localeCompare(b.operation_id));
    const first = rows.find((x) => x.part === 'attached');
    const request = first ? (Object.fromEntries(REQUEST_COLUMNS.map((c) => [c, first[`r_${c}`]])) as unknown as CardRequestRow) : undefined;
    return { request, attached, others: rows.filter((x) => x.part === 'other').map(opOf) };
  },

  /** Moves the operations of a card request that was provably not registered back to their owners. */
  async detachOperations(db: Db, cardRequestId: string, toRequeued: string[], lastError: string): Promise<void> {
    await db.query(
      `UPDATE payment_operation SET state = CASE WHEN operation_id = ANY($2::uuid[]) THEN 'requeued' ELSE 'pending' END,
              card_request_id = NULL, last_error = $3, next_attempt_at = now(), updated_at = now()
        WHERE card_request_id = $1 AND state = 'in-flight'`,
      [cardRequestId, toRequeued, lastError],
    );
  },

  async operationsOf(db: Db, cardRequestId: string, lock = false): Promise<OperationRow[]> {
    return queryRows(db, `SELECT * FROM payment_operation WHERE card_request_id = $1 AND state = 'in-flight' ORDER BY created_at${lock ? ' FOR UPDATE' : ''}`, [
      cardRequestId,
    ]);
  },

  /**
   * Moves a card request to `to` only if it is in one of `from` (optimistic guard), appending to its timeline
   * and exchange log. Returns false when another actor moved it first.
   */
  async moveCardRequest(db: Db, id: string, from: CardRequestState[], to: CardRequestState, opts: MoveOptions = {}): Promise<boolean> {
    const rows = await queryRows<unknown>(db, moveSql(1), moveParams({ id, from, to, opts }));
    return rows.length > 0;
  },

  /** Schedules the next poll of a still-open request (same state), recording the poll. */
  async reschedulePoll(db: Db, id: string, delayMs: number, exchanges: RccsExchange[], note?: string): Promise<void> {
    await db.query(
      `UPDATE card_request SET next_poll_at = clock_timestamp() + ($2::int * interval '1 millisecond'), poll_count = poll_count + 1,
              exchanges = ${capExchanges(`(exchanges || $3::jsonb)`)}, last_error = COALESCE($4, last_error), updated_at = now()
        WHERE id = $1`,
      [id, delayMs, JSON.stringify(exchanges), note ?? null],
    );
  },

  /**
   * Claims due open requests of the given shops (earliest due first, at most `limit` in all) in ONE statement, however
   * many shops are served — a shop with nothing due costs nothing. Pushes their next_poll_at out by `leaseMs` so no other
   * replica polls them meanwhile (FOR UPDATE SKIP LOCKED, no transaction held across the HTTP call). Each comes with
   * its in-flight operations (created_at order): attached in the statement that created the request, they stay
   * attached while it is open, so {@link ledger.finalizeRequest} can answer them without reading them again.
   */
  async claimDueRequests(db: Db, shopIds: readonly string[], limit: number, leaseMs: number): Promise<ClaimedRequest[]> {
    if (shopIds.length === 0) return [];
    const rows = await queryRows<CardRequestRow & { operations: (Omit<OperationRow, 'created_at'> & { created_at: string })[] }>(db,
      `UPDATE card_request c SET next_poll_at = clock_timestamp() + ($3::int * interval '1 millisecond')
        WHERE id IN (SELECT id FROM card_request WHERE shop_id = ANY($1::varchar[]) AND state IN ('id-obtained','submitted','outcome-unknown')
                       AND next_poll_at <= clock_timestamp() ORDER BY next_poll_at LIMIT $2 FOR UPDATE SKIP LOCKED)
        RETURNING c.*, (SELECT COALESCE(jsonb_agg(jsonb_build_object(${OPERATION_COLUMNS.map((col) => `'${col}', p.${col}`).join(', ')}) ORDER BY p.created_at), '[]'::jsonb)
                          FROM payment_operation p WHERE p.card_request_id = c.id AND p.state = 'in-flight') AS operations`,
      [shopIds, limit, leaseMs],
    );
    return rows.map((r) => ({ ...r, operations: r.operations.map((o) => ({ ...o, created_at: new Date(o.created_at) })) }));
  },

  /**
   * Milliseconds until the earliest due poll of an open request and until the earliest due resubmission of a
   * requeued operation (any shop); negative when overdue, null when nothing is scheduled. One read-only statement.
   */
  async nextDue(db: Db): Promise<{ pollMs: number | null; requeuedMs: number | null }> {
    const rows = await queryRows<{ poll_ms: number | string | null; requeued_ms: number | string | null }>(db,
      `SELECT EXTRACT(EPOCH FROM ((SELECT min(next_poll_at) FROM card_request WHERE state IN ('id-obtained','submitted','outcome-unknown')) - clock_timestamp())) * 1000 AS poll_ms,
              EXTRACT(EPOCH FROM ((SELECT min(next_attempt_at) FROM payment_operation WHERE state = 'requeued') - clock_timestamp())) * 1000 AS requeued_ms`,
    );
    const ms = (v: number | string | null | undefined) => (v === null || v === undefined ? null : Number(v));
    return { pollMs: ms(rows[0]?.poll_ms), requeuedMs: ms(rows[0]?.requeued_ms) };
  },

  async findCardRequest(db: Db, id: string, lock = false): Promise<CardRequestRow | undefined> {
    const rows = await queryRows<CardRequestRow>(db, `SELECT * FROM card_request WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0];
  },

  /** Claims requeued operations due for resubmission (lease on next_attempt_at). */
  async claimRequeued(db: Db, limit: number, leaseMs: number): Promise<OperationRow[]> {
    return queryRows(db, 
      `UPDATE payment_operation SET next_attempt_at = clock_timestamp() + ($2::int * interval '1 millisecond')
        WHERE operation_id IN (SELECT operation_id FROM payment_operation WHERE state = 'requeued' AND next_attempt_at <= clock_timestamp()
                                ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING *`,
      [limit, leaseMs],
    );
  },
};
