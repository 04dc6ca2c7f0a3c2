import { MigrationInterface, QueryRunner } from 'typeorm';

export class NotificationSchema1760000000000 implements MigrationInterface {
  name = 'NotificationSchema1760000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notification_rule (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        shop_id text NOT NULL,
        name text NOT NULL DEFAULT '',
        event_types text[] NOT NULL,
        emails text[] NOT NULL DEFAULT '{}',
        webhooks jsonb NOT NULL DEFAULT '[]',
        digest_window_seconds integer NULL CHECK (digest_window_seconds > 0),
        dedup_window_seconds integer NULL CHECK (dedup_window_seconds >= 0),
        locale text NOT NULL DEFAULT 'ja' CHECK (locale IN ('ja', 'en')),
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ix_rule_shop ON notification_rule (shop_id)`);
    await q.query(`
      CREATE TABLE delivery (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        shop_id text NOT NULL,
        rule_id uuid NULL REFERENCES notification_rule (id) ON DELETE SET NULL,
        channel text NOT NULL CHECK (channel IN ('email', 'webhook')),
        target text NOT NULL,
        digest boolean NOT NULL DEFAULT false,
        digest_open boolean NOT NULL DEFAULT false,
        event_types text[] NOT NULL,
        events jsonb NOT NULL,
        locale text NOT NULL DEFAULT 'ja',
        status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'parked')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NULL,
        last_error text NULL,
        last_attempt_at timestamptz NULL,
        sent_at timestamptz NULL,
        parked_at timestamptz NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX ix_delivery_due ON delivery (next_attempt_at) WHERE status IN ('pending', 'failed')`);
    await q.query(`CREATE INDEX ix_delivery_shop_created ON delivery (shop_id, created_at DESC)`);
    await q.query(`CREATE INDEX ix_delivery_status ON delivery (status, created_at DESC)`);
    await q.query(`CREATE UNIQUE INDEX uq_delivery_open_digest ON delivery (rule_id, channel, target) WHERE digest_open`);
    await q.query(`
      CREATE TABLE incident (
        rule_id uuid NOT NULL REFERENCES notification_rule (id) ON DELETE CASCADE,
        incident_key text NOT NULL,
        first_seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        suppress_until timestamptz NOT NULL,
        occurrences integer NOT NULL DEFAULT 1,
        suppressed integer NOT NULL DEFAULT 0,
        PRIMARY KEY (rule_id, incident_key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE incident');
    await q.query('DROP TABLE delivery');
    await q.query('DROP TABLE notification_rule');
  }
}
