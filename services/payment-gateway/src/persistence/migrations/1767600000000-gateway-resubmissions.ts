import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Failed resubmission rounds of a requeued operation, counted apart from `attempts` (every card request the
 * operation was attached to, which the in-process retries and the isolating splits also increase).
 */
export class GatewayResubmissions1767600000000 implements MigrationInterface {
  name = 'GatewayResubmissions1767600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payment_operation ADD COLUMN resubmissions integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payment_operation DROP COLUMN resubmissions`);
  }
}
