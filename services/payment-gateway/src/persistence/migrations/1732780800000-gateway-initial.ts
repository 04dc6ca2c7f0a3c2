import { MigrationInterface, QueryRunner } from 'typeorm';

export class GatewayInitial1732780800000 implements MigrationInterface {
  name = 'GatewayInitial1732780800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE card_request (
        id bigserial PRIMARY KEY,
        rccs_request_id integer NOT NULL,
        shop_id varchar(64) NOT NULL,
        kind varchar(20) NOT NULL,
        state varchar(20) NOT NULL,
        order_numbers jsonb NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        poll_count integer NOT NULL DEFAULT 0,
        next_poll_at timestamptz,
        timeline jsonb NOT NULL DEFAULT '[]'::jsonb,
        exchanges jsonb NOT NULL DEFAULT '[]'::jsonb,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        submitted_at timestamptz,
        completed_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX card_request_rccs_request_id_uq ON card_request (rccs_request_id)`);
    await q.query(`CREATE INDEX card_request_due_idx ON card_request (shop_id, next_poll_at) WHERE state IN ('id-obtained','submitted','outcome-unknown')`);
    await q.query(`
      CREATE TABLE payment_operation (
        operation_id uuid PRIMARY KEY,
        shop_id varchar(64) NOT NULL,
        order_number varchar(64) NOT NULL,
        kind varchar(20) NOT NULL,
        amount integer,
        pay_type integer,
        help_item varchar(200),
        state varchar(20) NOT NULL,
        card_request_id bigint REFERENCES card_request(id),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        message_id uuid,
        correlation_id varchar(128) NOT NULL,
        result_event varchar(64),
        result jsonb,
        last_error text,
        stuck_reported_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      )`);
    await q.query(`CREATE INDEX payment_operation_state_idx ON payment_operation (state, next_attempt_at)`);
    await q.query(`CREATE INDEX payment_operation_order_idx ON payment_operation (shop_id, order_number)`);
    await q.query(`CREATE INDEX payment_operation_card_request_idx ON payment_operation (card_request_id)`);
    // Per-shop limits shared by every replica.
    await q.query(`
      CREATE TABLE shop_rate_bucket (
        shop_id varchar(64) PRIMARY KEY,
        tokens double precision NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`
      CREATE TABLE shop_call_slot (
        shop_id varchar(64) NOT NULL,
        slot integer NOT NULL,
        holder varchar(100),
        lease_until timestamptz NOT NULL DEFAULT 'epoch',
        PRIMARY KEY (shop_id, slot)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE shop_call_slot');
    await q.query('DROP TABLE shop_rate_bucket');
    await q.query('DROP TABLE payment_operation');
    await q.query('DROP TABLE card_request');
  }
}
