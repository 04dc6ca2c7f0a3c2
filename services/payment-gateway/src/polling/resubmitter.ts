import type { DataSource } from 'typeorm';
import { ledger, type OperationRow } from '../ledger/ledger';
import type { AsyncKind } from '../operations/operation-kinds';
import type { ResultWriter } from '../results/result-writer';
import type { Submitter } from '../submission/submitter';

/**
 * Resubmits operations whose card request was provably never registered after their message was acknowledged
 * (the ledger owns them). A round that fails is counted in `resubmissions` and the next one waits
 * `retryDelaysMs[rounds failed so far]` (the last delay repeats), so the rounds outlast a short outage instead of
 * burning through it. Gives up after `maxAttempts` failed rounds: PaymentRequestDeadLettered.
 */
export class Resubmitter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly submitter: Submitter,
    private readonly results: ResultWriter,
    private readonly options: { maxAttempts: number; batchSize: number; leaseMs: number; retryDelaysMs: readonly number[] },
  ) {}

  async runOnce(): Promise<number> {
    const ops = await ledger.claimRequeued(this.dataSource, this.options.batchSize * 4, this.options.leaseMs);
    const groups = new Map<string, OperationRow[]>();
    for (const op of ops) {
      const key = `${op.shop_id}\u0000${op.kind}`;
      groups.set(key, [...(groups.get(key) ?? []), op]);
    }
    for (const group of groups.values()) {
      for (let i = 0; i < group.length; i += this.options.batchSize) {
        const chunk = group.slice(i, i + this.options.batchSize);
        const { failed, error } = await this.submitIsolating(chunk);
        if (failed.length === 0) continue;
        // `attempts` also grows with every card request the operation joined (in-process retries, splits): only failed
        // rounds count towards giving up (docs/reliability.md F5).
        const exhausted = failed.filter((o) => o.resubmissions + 1 >= this.options.maxAttempts);
        const again = failed.filter((o) => o.resubmissions + 1 < this.options.maxAttempts);
        await this.dataSource.transaction(async (m) => {
          if (again.length) {
            await m.query(
              `UPDATE payment_operation SET resubmissions = resubmissions + 1, last_error = $2,
                      next_attempt_at = clock_timestamp() + (($3::int[])[LEAST(resubmissions + 1, cardinality($3::int[]))] * interval '1 millisecond')
                WHERE operation_id = ANY($1::uuid[]) AND state = 'requeued'`,
              [again.map((o) => o.operation_id), error, this.retryDelays()],
            );
          }
          await this.results.deadLetter(m, exhausted, error, this.options.maxAttempts, 'payment-gateway ledger (acknowledged request; replay with a new request event)');
        });
      }
    }
    return ops.length;
  }

  private retryDelays(): number[] {
    return this.options.retryDelaysMs.length ? [...this.options.retryDelaysMs] : [1000];
  }

  /**
   * Submits the operations; when a batch of several fails, its failed members are split in halves and submitted
   * again, down to batches of one, so a poisonous order (e.g. one the API always answers with HTTP 500) can only fail
   * itself (docs/reliability.md F1). Not split when the circuit is open (nothing reached the API). Returns the
   * operations that failed alone (or with the circuit open) and the last error.
   */
  private async submitIsolating(chunk: OperationRow[]): Promise<{ failed: OperationRow[]; error: string }> {
    const first = chunk[0] as OperationRow;
    const outcomes = await this.submitter.submitBatch(first.shop_id, first.kind as AsyncKind, chunk.map((o) => o.operation_id));
    const failed = chunk.filter((_, j) => outcomes[j]?.kind === 'retry');
    const error = (outcomes.find((o) => o.kind === 'retry') as { error: string } | undefined)?.error ?? '';
    if (failed.length <= 1 || /circuit open/.test(error)) return { failed, error };
    const half = Math.ceil(failed.length / 2);
    const a = await this.submitIsolating(failed.slice(0, half));
    const b = await this.submitIsolating(failed.slice(half));
    return { failed: [...a.failed, ...b.failed], error: b.error || a.error };
  }
}
