import type { DataSource } from 'typeorm';
import { ledger, type NewOperation, type OperationRow } from '../ledger/ledger';

interface Waiting {
  op: NewOperation;
  resolve(row: OperationRow | undefined): void;
  reject(err: unknown): void;
}

/**
 * Group insert for intake: the new operations of the messages delivered together (those asking within one event-loop
 * turn, at most `maxRows`) share one {@link ledger.insertPendingIfAlone} statement instead of one each. If that
 * statement fails, each operation is inserted on its own, so one bad row fails only its own message.
 */
export class PendingInserts {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly maxRows = 100,
  ) {}

  /** The inserted row, or undefined when nothing was written (the caller takes the full path). */
  insert(op: NewOperation): Promise<OperationRow | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ op, resolve, reject });
      if (this.waiting.length >= this.maxRows) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    const group = this.waiting;
    this.waiting = [];
    if (group.length === 0) return;
    void ledger.insertPendingIfAlone(this.dataSource, group.map((w) => w.op)).then(
      (rows) => {
        const byId = new Map(rows.map((r) => [r.operation_id, r]));
        for (const w of group) {
          // a second delivery of the same operation in the group gets nothing: it takes the full path
          const row = byId.get(w.op.operation_id);
          byId.delete(w.op.operation_id);
          w.resolve(row);
        }
      },
      (err: unknown) => {
        if (group.length === 1) return group[0]!.reject(err);
        for (const w of group) {
          ledger.insertPendingIfAlone(this.dataSource, [w.op]).then((rows) => w.resolve(rows[0]), w.reject);
        }
      },
    );
  }
}
