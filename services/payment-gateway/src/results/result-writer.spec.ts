import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { EventEnvelope } from '@rcp/contracts';
import type { OperationRow } from '../ledger/ledger';
import { failureResult } from './result-mapping';
import { ResultWriter } from './result-writer';
import type { OutboxPort } from './outbox-port';

const clock = { now: () => new Date('2026-01-01T00:00:00Z') };

const opRow = (n: number): OperationRow => ({
  operation_id: randomUUID(),
  shop_id: 'shop-1',
  order_number: `123456-20260101-${String(n).padStart(8, '0')}`,
  kind: 'auth',
  amount: 1000,
  pay_type: 0,
  help_item: null,
  state: 'in-flight',
  card_request_id: randomUUID(),
  attempts: 1,
  resubmissions: 0,
  message_id: randomUUID(),
  correlation_id: randomUUID(),
  created_at: new Date(),
});

/** Fake data source: records statements; the statement reports every operation as finished except `alreadyFinal`. */
function fakeDataSource(alreadyFinal: Set<string>) {
  const statements: { sql: string; params: unknown[] }[] = [];
  const dataSource = {
    query: async (sql: string, params: unknown[]) => {
      statements.push({ sql, params });
      // parameters 1–8 are the card request move, 9 the operation ids
      return (params[8] as string[]).filter((id) => !alreadyFinal.has(id)).map((operation_id) => ({ operation_id }));
    },
  } as unknown as DataSource;
  return { dataSource, statements };
}

/** Outbox whose statement inserts are recorded: the envelopes prepared and the event ids reported written. */
function recordingOutbox() {
  const prepared: EventEnvelope[][] = [];
  const written: (readonly string[] | undefined)[] = [];
  const outbox: OutboxPort = {
    add: jest.fn(),
    prepareStatementInsert: (_ds, e) => {
      const list = [...(Array.isArray(e) ? e : [e])] as EventEnvelope[];
      if (list.length === 0) return undefined;
      prepared.push(list);
      return { rows: list.length, parameters: 0, sql: (_p, onlyIf) => `INSERT INTO outbox_message /* ${JSON.stringify(onlyIf)} */`, written: (ids) => void written.push(ids) };
    },
  };
  return { outbox, prepared, written };
}

const move = { id: '1', from: ['submitted'] as const, to: 'completed' as const };

describe('ResultWriter.answerRequest', () => {
  it('completes a whole request, its operations and their events in ONE statement, whatever its number of orders', async () => {
    const { outbox, prepared, written } = recordingOutbox();
    const seen: string[] = [];
    const writer = new ResultWriter(outbox, clock, { onResult: (t) => seen.push(t) });
    const ops = Array.from({ length: 100 }, (_, i) => opRow(i));
    const { dataSource, statements } = fakeDataSource(new Set([ops[3]!.operation_id]));

    const n = await writer.answerRequest(
      dataSource,
      move,
      ops.map((op) => ({ op, mapped: failureResult({ operationId: op.operation_id, orderNumber: op.order_number, kind: 'auth', amount: 1000 }, 7, { message: 'x', errorClass: 'operator-action' }, clock.now()) })),
    );

    expect(n).toBe(99);
    expect(statements).toHaveLength(1); // not one per order, no transaction
    expect(statements[0]!.sql).toMatch(/WITH moved AS \(UPDATE card_request .* fin AS \(\s*UPDATE payment_operation .* FROM unnest.*ob AS \(INSERT INTO outbox_message .*"idsFrom":"SELECT event_id FROM fin"/s);
    expect(prepared[0]).toHaveLength(100);
    // the already-final operation gets no second event: only the rows of the 99 finished ones count as written
    const byOperation = new Map(prepared[0]!.map((e) => [(e.data as { operationId: string }).operationId, e.id]));
    expect(written).toHaveLength(1);
    expect(written[0]).toHaveLength(99);
    expect(written[0]).not.toContain(byOperation.get(ops[3]!.operation_id));
    expect(statements[0]!.params[12]).toEqual(ops.map((o) => byOperation.get(o.operation_id))); // each row's event id
    expect(seen).toHaveLength(99);
  });

  it('still completes a request with nothing left to answer (no outbox insert)', async () => {
    const { outbox, written } = recordingOutbox();
    const { dataSource, statements } = fakeDataSource(new Set());
    await expect(new ResultWriter(outbox, clock).answerRequest(dataSource, move, [])).resolves.toBe(0);
    expect(statements).toHaveLength(1);
    expect(statements[0]!.sql).not.toMatch(/outbox_message/);
    expect(written).toHaveLength(0);
  });
});
