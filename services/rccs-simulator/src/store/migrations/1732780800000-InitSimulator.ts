import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitSimulator1732780800000 implements MigrationInterface {
  name = 'InitSimulator1732780800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sim_shops (
        shop_url       text PRIMARY KEY,
        user_name      text NOT NULL,
        auth_key       text NOT NULL,
        service_secret text,
        license_key    text,
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE TABLE sim_settings (key text PRIMARY KEY, value jsonb NOT NULL)`);
    await q.query(`CREATE SEQUENCE sim_request_id_seq AS integer START WITH 200000001 MAXVALUE 2147483647`);
    await q.query(`
      CREATE TABLE sim_requests (
        request_id     integer PRIMARY KEY,
        shop_url       text NOT NULL,
        issued_at      timestamptz NOT NULL,
        op             text,
        used_at        timestamptz,
        item_count     integer NOT NULL DEFAULT 0,
        accepted_until timestamptz,
        complete_at    timestamptz,
        stuck          boolean NOT NULL DEFAULT false
      )`);
    await q.query(`
      CREATE TABLE sim_orders (
        order_number       text PRIMARY KEY,
        shop_url           text NOT NULL,
        brand_name         text NOT NULL,
        card_no            text NOT NULL,
        owner_name         text NOT NULL,
        exp_ym             text NOT NULL,
        company_name       text NOT NULL,
        card_imst_count    integer NOT NULL DEFAULT 0,
        pay_type           integer NOT NULL DEFAULT 0,
        amount             integer,
        credit_limit       bigint,
        forced_decline     jsonb,
        rules_exempt       boolean NOT NULL DEFAULT false,
        card_state         text NOT NULL,
        authorized_at      timestamptz,
        authorized_amount  integer,
        approval_number    text,
        billed_at          timestamptz,
        pending_request_id integer,
        pending_op         text,
        pending_until      timestamptz,
        auto_provisioned   boolean NOT NULL DEFAULT false,
        created_at         timestamptz NOT NULL,
        updated_at         timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX sim_orders_shop_idx ON sim_orders (shop_url, order_number)`);
    await q.query(`CREATE INDEX sim_orders_pending_idx ON sim_orders (pending_request_id) WHERE pending_request_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE sim_results (
        id                    bigserial PRIMARY KEY,
        request_id            integer NOT NULL,
        seq                   integer NOT NULL,
        shop_url              text NOT NULL,
        op                    text NOT NULL,
        order_number          text NOT NULL,
        help_item             text NOT NULL,
        pay_type              integer NOT NULL,
        price                 integer NOT NULL,
        brand_name            text,
        card_no               text,
        owner_name            text,
        exp_ym                text,
        company_name          text,
        card_imst_count       integer NOT NULL,
        card_state            text,
        state_before          text,
        approval_number       text NOT NULL,
        transaction_id        text NOT NULL,
        error_code            text NOT NULL,
        ccs_error_code        text NOT NULL,
        ccs_error_code_detail text,
        message               text NOT NULL,
        created_at            timestamptz NOT NULL,
        reg_at                timestamptz,
        UNIQUE (request_id, seq)
      )`);
    await q.query(`CREATE INDEX sim_results_search_idx ON sim_results (shop_url, reg_at)`);
    await q.query(`CREATE INDEX sim_results_order_idx ON sim_results (order_number, id)`);
    await q.query(`CREATE INDEX sim_results_created_idx ON sim_results (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sim_results`);
    await q.query(`DROP TABLE sim_orders`);
    await q.query(`DROP TABLE sim_requests`);
    await q.query(`DROP SEQUENCE sim_request_id_seq`);
    await q.query(`DROP TABLE sim_settings`);
    await q.query(`DROP TABLE sim_shops`);
  }
}
