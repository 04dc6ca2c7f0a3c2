import type { DataSource, EntityManager } from 'typeorm';
import { queryRows } from '../persistence/sql';
import type { RccsExchange } from '@rcp/rccs-client';
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

type Db = DataSource | EntityManager;

const timelineEntry = `jsonb_build_array(jsonb_build_object('at', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'state', $2::varchar, 'note', $3::text))`;

/** Keeps the raw-exchange log of a request bounded: the first 4 and the last 16 entries. */
const capExchanges = (expr: string) =>
  `(CASE WHEN jsonb_array_length(${expr}) > 20 THEN (SELECT jsonb_agg(e ORDER BY i) FROM jsonb_array_elements(${expr}) WITH ORDINALITY t(e, i) WHERE i <= 4 OR i > jsonb_array_length(${expr}) - 16) ELSE ${expr} END)`;

/** SQL of the ledger tables (card_request, payment_operation). Every write is a single statement or runs in the caller's transaction. */
export const ledger = {
  async findOperation(db: Db, operationId: string, lock = false): Promise<OperationRow | undefined> {
    const rows = await queryRows<OperationRow>(db, `SELECT * FROM payment_operation WHERE operation_id = $1${lock ? ' FOR UPDATE' : ''}`, [operationId]);
    return rows[0];
  },

  async insertOperation(
    db: Db,
    op: Omit<OperationRow, 'state' | 'card_request_id' | 'attempts' | 'resubmissions' | 'created_at'> & { state: OperationState },
  ): Promise<boolean> {
    const rows = await queryRows<unknown>(db, 
      `INSERT INTO payment_operation (operation_id, shop_id, order_number, kind, amount, pay_type, help_item, state, message_id, correlation_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (operation_id) DO NOTHING RETURNING operation_id`,
      [op.operation_id, op.shop_id, op.order_number, op.kind, op.amount, op.pay_type, op.help_item, op.state, op.message_id, op.correlation_id],
    );
    return rows.length > 0;
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
   * Set-based `finishOperation` for many operations in one statement; skips operations already final.
   * Returns the ids actually finished (in no particular order).
   */
  async finishOperations(
    db: Db,
    rows: { operationId: string; state: 'succeeded' | 'failed'; resultEvent: string; result: unknown }[],
  ): Promise<string[]> {
    if (rows.length === 0) return [];
    const done = await queryRows<{ operation_id: string }>(db,
      `UPDATE payment_operation p SET state = v.state, result_event = v.result_event, result = v.result::jsonb, completed_at = now(), updated_at = now()
         FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::text[]) AS v(operation_id, state, result_event, result)
        WHERE p.operation_id = v.operation_id AND p.state NOT IN ('succeeded','failed')
        RETURNING p.operation_id`,
      [rows.map((r) => r.operationId), rows.map((r) => r.state), rows.map((r) => r.resultEvent), rows.map((r) => JSON.stringify(r.result))],
    );
    return done.map((r) => r.operation_id);
  },

  async insertCardRequest(db: Db, r: { rccsRequestId: number; shopId: string; kind: string; orderNumbers: string[]; leaseMs: number; exchanges: RccsExchange[] }): Promise<CardRequestRow> {
    const rows = await queryRows<CardRequestRow>(db, 
      `INSERT INTO card_request (rccs_request_id, shop_id, kind, state, order_numbers, next_poll_at, timeline, exchanges)
       VALUES ($1, $2, $3, 'id-obtained', $4::jsonb, clock_timestamp() + ($5::int * interval '1 millisecond'),
               jsonb_build_array(jsonb_build_object('at', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'state', 'id-obtained')), $6::jsonb)
       RETURNING *`,
      [r.rccsRequestId, r.shopId, r.kind, JSON.stringify(r.orderNumbers), r.leaseMs, JSON.stringify(r.exchanges)],
    );
    return rows[0] as CardRequestRow;
  },

  async attachOperations(db: Db, cardRequestId: string, operationIds: string[]): Promise<OperationRow[]> {
    return queryRows(db, 
      `UPDATE payment_operation SET state = 'in-flight', card_request_id = $1, attempts = attempts + 1, updated_at = now()
        WHERE operation_id = ANY($2::uuid[]) AND state IN ('pending','requeued') RETURNING *`,
      [cardRequestId, operationIds],
    );
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
  async moveCardRequest(
    db: Db,
    id: string,
    from: CardRequestState[],
    to: CardRequestState,
    opts: { note?: string; exchanges?: RccsExchange[]; nextPollInMs?: number | null; lastError?: string; pollCountDelta?: number } = {},
  ): Promise<boolean> {
    const rows = await queryRows<unknown>(db, 
      `UPDATE card_request SET state = $2::varchar,
              timeline = timeline || ${timelineEntry},
              exchanges = ${capExchanges(`(exchanges || $5::jsonb)`)},
              next_poll_at = CASE WHEN $6::int IS NULL THEN NULL ELSE clock_timestamp() + ($6::int * interval '1 millisecond') END,
              last_error = COALESCE($7, last_error),
              poll_count = poll_count + $8,
              submitted_at = CASE WHEN $2::varchar = 'submitted' AND submitted_at IS NULL THEN now() ELSE submitted_at END,
              completed_at = CASE WHEN $2::varchar IN ('completed','rejected','not-registered') THEN now() ELSE completed_at END,
              attempts = attempts + CASE WHEN $2::varchar IN ('submitted','outcome-unknown','rejected') AND state = 'id-obtained' THEN 1 ELSE 0 END,
              updated_at = now()
        WHERE id = $1 AND state = ANY($4::varchar[]) RETURNING id`,
      [id, to, opts.note ?? null, from, JSON.stringify(opts.exchanges ?? []), opts.nextPollInMs ?? null, opts.lastError ?? null, opts.pollCountDelta ?? 0],
    );
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
   * Claims due open requests of a shop for one poll: pushes their next_poll_at out by `leaseMs` so no other
   * replica polls them meanwhile (FOR UPDATE SKIP LOCKED, no transaction held across the HTTP call).
   */
  async claimDueRequests(db: Db, shopId: string, limit: number, leaseMs: number): Promise<CardRequestRow[]> {
    return queryRows(db, 
      `UPDATE card_request SET next_poll_at = clock_timestamp() + ($3::int * interval '1 millisecond')
        WHERE id IN (SELECT id FROM card_request WHERE shop_id = $1 AND state IN ('id-obtained','submitted','outcome-unknown')
                       AND next_poll_at <= clock_timestamp() ORDER BY next_poll_at LIMIT $2 FOR UPDATE SKIP LOCKED)
        RETURNING *`,
      [shopId, limit, leaseMs],
    );
  },

  /**
   * Milliseconds until the earliest due background work of any shop (a poll of an open request or the resubmission
   * of a requeued operation); negative when overdue, null when nothing is scheduled. One read-only statement.
   */
  async msUntilNextDue(db: Db): Promise<number | null> {
    const rows = await queryRows<{ ms: number | string | null }>(db,
      `SELECT EXTRACT(EPOCH FROM (LEAST(
                (SELECT min(next_poll_at) FROM card_request WHERE state IN ('id-obtained','submitted','outcome-unknown')),
                (SELECT min(next_attempt_at) FROM payment_operation WHERE state = 'requeued')
              ) - clock_timestamp())) * 1000 AS ms`,
    );
    const ms = rows[0]?.ms;
    return ms === null || ms === undefined ? null : Number(ms);
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
