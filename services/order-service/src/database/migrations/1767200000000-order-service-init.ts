import { MigrationInterface, QueryRunner } from 'typeorm';

export class OrderServiceInit1767200000000 implements MigrationInterface {
  name = 'OrderServiceInit1767200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE orders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        shop_id varchar(64) NOT NULL,
        order_number varchar(32) NOT NULL,
        ordered_at timestamptz NOT NULL,
        payment_method varchar(100) NOT NULL,
        total_amount integer NOT NULL CHECK (total_amount >= 0),
        billed_amount integer NOT NULL CHECK (billed_amount >= 0),
        points_used integer NULL,
        coupons_used integer NULL,
        status varchar(16) NOT NULL,
        payment_tag varchar(16) NULL,
        pending_operation_id uuid NULL,
        pending_operation varchar(20) NULL,
        pending_since timestamptz NULL,
        pending_stuck_reported_at timestamptz NULL,
        plan jsonb NOT NULL DEFAULT '[]',
        plan_actor varchar(100) NULL,
        authorized_amount integer NULL,
        authorized_at timestamptz NULL,
        auth_expires_at timestamptz NULL,
        auth_operation_id uuid NULL,
        captured_amount integer NULL,
        captured_at timestamptz NULL,
        shipped_at timestamptz NULL,
        last_error jsonb NULL,
        card_status jsonb NULL,
        source varchar(20) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX orders_shop_order_number_live ON orders (shop_id, order_number) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX orders_shop_status ON orders (shop_id, status) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX orders_shop_tag ON orders (shop_id, payment_tag) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX orders_pending_since ON orders (pending_since) WHERE pending_operation_id IS NOT NULL AND deleted_at IS NULL`);
    await q.query(`CREATE INDEX orders_auth_expires ON orders (auth_expires_at) WHERE payment_tag = 'オーソリ済' AND deleted_at IS NULL`);

    await q.query(`
      CREATE TABLE payment_tag_history (
        id bigserial PRIMARY KEY,
        order_id uuid NOT NULL REFERENCES orders(id),
        from_tag varchar(16) NULL,
        to_tag varchar(16) NULL,
        cause varchar(200) NOT NULL,
        actor varchar(100) NOT NULL,
        operation_id uuid NULL,
        at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX payment_tag_history_order ON payment_tag_history (order_id, id)`);

    await q.query(`
      CREATE TABLE order_status_history (
        id bigserial PRIMARY KEY,
        order_id uuid NOT NULL REFERENCES orders(id),
        from_status varchar(16) NULL,
        to_status varchar(16) NOT NULL,
        cause varchar(200) NOT NULL,
        actor varchar(100) NOT NULL,
        at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX order_status_history_order ON order_status_history (order_id, id)`);

    await q.query(`
      CREATE TABLE api_log (
        id bigserial PRIMARY KEY,
        order_id uuid NOT NULL REFERENCES orders(id),
        direction varchar(10) NOT NULL,
        event_type varchar(64) NOT NULL,
        operation varchar(20) NOT NULL,
        operation_id uuid NULL,
        rccs_request_id integer NULL,
        card_status integer NULL,
        error_code varchar(32) NULL,
        ccs_error_code varchar(16) NULL,
        message text NULL,
        amount integer NULL,
        error_class varchar(20) NULL,
        applied boolean NOT NULL DEFAULT true,
        details jsonb NULL,
        at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX api_log_order ON api_log (order_id, id)`);

    await q.query(`
      CREATE TABLE auth_expiry_warnings (
        order_id uuid NOT NULL REFERENCES orders(id),
        auth_operation_id uuid NOT NULL,
        lead_days integer NOT NULL,
        sent_at timestamptz NOT NULL,
        PRIMARY KEY (order_id, auth_operation_id, lead_days)
      )`);

    await q.query(`
      CREATE TABLE shop_settings (
        shop_id varchar(64) PRIMARY KEY,
        use_card_api boolean NOT NULL,
        auto_progress boolean NOT NULL,
        auto_capture boolean NOT NULL,
        auto_reauthorize boolean NOT NULL,
        auto_authorize boolean NOT NULL,
        capture_requires_shipment boolean NOT NULL,
        auth_validity_days integer NOT NULL,
        expiry_warning_lead_days jsonb NOT NULL,
        stuck_after_minutes integer NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['shop_settings', 'auth_expiry_warnings', 'api_log', 'order_status_history', 'payment_tag_history', 'orders']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
