import { MigrationInterface, QueryRunner } from 'typeorm';

/** Shop credentials (sealed per field), shop history, connection checks, notification contacts. */
export class ShopSecurity1767400000000 implements MigrationInterface {
  name = 'ShopSecurity1767400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE shop_settings ADD COLUMN notification_emails jsonb NOT NULL DEFAULT '[]'`);
    await q.query(`ALTER TABLE shop_settings ADD COLUMN notification_webhook_urls jsonb NOT NULL DEFAULT '[]'`);
    await q.query(`
      CREATE TABLE shop_credentials (
        shop_id varchar(64) PRIMARY KEY,
        shop_url text NOT NULL,
        user_name text NOT NULL,
        auth_key text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        updated_at timestamptz NOT NULL,
        updated_by varchar(200) NULL
      )`);
    await q.query(`
      CREATE TABLE shop_history (
        id bigserial PRIMARY KEY,
        shop_id varchar(64) NOT NULL,
        at timestamptz NOT NULL,
        kind varchar(40) NOT NULL,
        actor varchar(200) NULL,
        detail jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX shop_history_shop_at ON shop_history (shop_id, at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE connection_check (
        check_id uuid PRIMARY KEY,
        shop_id varchar(64) NOT NULL,
        requested_at timestamptz NOT NULL,
        requested_by varchar(200) NULL,
        status varchar(16) NOT NULL DEFAULT 'pending',
        outcome varchar(32) NULL,
        error_code varchar(64) NULL,
        message varchar(500) NULL,
        latency_ms integer NULL,
        completed_at timestamptz NULL
      )`);
    await q.query(`CREATE INDEX connection_check_shop ON connection_check (shop_id, requested_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE connection_check`);
    await q.query(`DROP TABLE shop_history`);
    await q.query(`DROP TABLE shop_credentials`);
    await q.query(`ALTER TABLE shop_settings DROP COLUMN notification_webhook_urls`);
    await q.query(`ALTER TABLE shop_settings DROP COLUMN notification_emails`);
  }
}
