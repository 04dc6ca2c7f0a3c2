import { MigrationInterface, QueryRunner } from 'typeorm';

/** Creates `api_key` and `audit_log`. Add {@link AUTH_MIGRATIONS} to the service's DataSource migrations. */
export class AuthSchema1767300000000 implements MigrationInterface {
  name = 'AuthSchema1767300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE IF NOT EXISTS api_key (
      key_id text PRIMARY KEY,
      name text NOT NULL,
      role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
      shops text[] NOT NULL,
      secret_hash text NOT NULL,
      created_at timestamptz NOT NULL,
      revoked_at timestamptz NULL,
      last_used_at timestamptz NULL
    )`);
    await q.query(`CREATE TABLE IF NOT EXISTS audit_log (
      id uuid PRIMARY KEY,
      at timestamptz NOT NULL,
      service text NOT NULL,
      actor_key_id text NULL,
      actor_name text NULL,
      actor_role text NULL,
      actor_detail text NULL,
      action text NOT NULL,
      shop_id text NULL,
      target text NULL,
      outcome text NOT NULL CHECK (outcome IN ('accepted', 'refused', 'failed')),
      reason text NULL,
      correlation_id text NULL,
      request jsonb NULL
    )`);
    await q.query(`CREATE INDEX IF NOT EXISTS ix_audit_log_at ON audit_log (at)`);
    await q.query(`CREATE INDEX IF NOT EXISTS ix_audit_log_shop_at ON audit_log (shop_id, at)`);
    await q.query(`CREATE INDEX IF NOT EXISTS ix_audit_log_action_at ON audit_log (action, at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS audit_log`);
    await q.query(`DROP TABLE IF EXISTS api_key`);
  }
}

export const AUTH_MIGRATIONS = [AuthSchema1767300000000];
