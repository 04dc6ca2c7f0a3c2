import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
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

/** Fake manager: records statements; the UPDATE reports every operation as finished except `alreadyFinal`. */
function fakeManager(alreadyFinal: Set<string>) {
  const statements: { sql: string; params: unknown[] }[] = [];
  const manager = {
    query: async (sql: string, params: unknown[]) => {
      statements.push({ sql, params });
      const ids = (params[0] as string[]).filter((id) => !alreadyFinal.has(id));
      return [ids.map((operation_id) => ({ operation_id })), ids.length];
    },
  } as unknown as EntityManager;
  return { manager, statements };
}

describe('ResultWriter.answerMany', () => {
  it('finishes a whole request in one UPDATE and one outbox insert, whatever its number of orders', async () => {
    const added: EventEnvelope[][] = [];
    const outbox: OutboxPort = { add: async (_m, e) => void added.push([...(Array.isArray(e) ? e : [e])] as EventEnvelope[]) };
    const seen: string[] = [];
    const writer = new ResultWriter(outbox, clock, { onResult: (t) => seen.push(t) });
    const ops = Array.from({ length: 100 }, (_, i) => opRow(i));
    const { manager, statements } = fakeManager(new Set([ops[3]!.operation_id]));

    const n = await writer.answerMany(
      manager,
      ops.map((op) => ({ op, mapped: failureResult({ operationId: op.operation_id, orderNumber: op.order_number, kind: 'auth', amount: 1000 }, 7, { message: 'x', errorClass: 'operator-action' }, clock.now()) })),
    );

    expect(n).toBe(99);
    expect(statements).toHaveLength(1); // not one per order
    expect(statements[0]!.sql).toMatch(/UPDATE payment_operation .* FROM unnest/s);
    expect(added).toHaveLength(1); // one multi-row outbox insert
    expect(added[0]).toHaveLength(99); // the already-final operation gets no second event
    expect(added[0]!.map((e) => (e.data as { operationId: string }).operationId)).not.toContain(ops[3]!.operation_id);
    expect(seen).toHaveLength(99);
  });

  it('writes nothing for an empty list', async () => {
    const outbox: OutboxPort = { add: jest.fn() };
    const { manager, statements } = fakeManager(new Set());
    await expect(new ResultWriter(outbox, clock).answerMany(manager, [])).resolves.toBe(0);
    expect(statements).toHaveLength(0);
    expect(outbox.add).not.toHaveBeenCalled();
  });
});
