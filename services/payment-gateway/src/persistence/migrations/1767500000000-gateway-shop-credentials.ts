import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The gateway's own copy of shop credentials (received as ShopCredentialsUpdated), sealed per field. */
export class GatewayShopCredentials1767500000000 implements MigrationInterface {
  name = 'GatewayShopCredentials1767500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE shop_credentials (
        shop_id varchar(64) PRIMARY KEY,
        version integer NOT NULL CHECK (version >= 1),
        shop_url text NOT NULL,
        user_name text NOT NULL,
        auth_key text NOT NULL,
        updated_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE shop_credentials`);
  }
}
