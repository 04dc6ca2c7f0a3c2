import { MigrationInterface, QueryRunner } from 'typeorm';

/** NOTIFY channel the outbox insert trigger signals (payload empty; delivered on commit). */
export const OUTBOX_NOTIFY_CHANNEL = 'outbox_message_inserted';

/**
 * Creates `outbox_message` (with an insert trigger that NOTIFYs {@link OUTBOX_NOTIFY_CHANNEL}) and `inbox_message`.
 * Add it to your DataSource's `migrations`; never use `synchronize`.
 */
export class MessagingTables1764300000000 implements MigrationInterface {
  name = 'MessagingTables1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox_message (
        seq          bigserial PRIMARY KEY,
        id           uuid NOT NULL UNIQUE,
        type         text NOT NULL,
        routing_key  text NOT NULL,
        payload      jsonb NOT NULL,
        headers      jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at   timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz NULL,
        attempts     integer NOT NULL DEFAULT 0,
        last_error   text NULL
      )`);
    await q.query(`CREATE INDEX outbox_message_pending_idx ON outbox_message (seq) WHERE published_at IS NULL`);
    await q.query(`CREATE INDEX outbox_message_published_at_idx ON outbox_message (published_at) WHERE published_at IS NOT NULL`);
    await q.query(`
      CREATE FUNCTION outbox_message_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${OUTBOX_NOTIFY_CHANNEL}', '');
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER outbox_message_notify AFTER INSERT ON outbox_message
      FOR EACH STATEMENT EXECUTE FUNCTION outbox_message_notify()`);
    await q.query(`
      CREATE TABLE inbox_message (
        consumer     text NOT NULL,
        message_id   uuid NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, message_id)
      )`);
    await q.query(`CREATE INDEX inbox_message_processed_at_idx ON inbox_message (processed_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS inbox_message`);
    await q.query(`DROP TRIGGER IF EXISTS outbox_message_notify ON outbox_message`);
    await q.query(`DROP FUNCTION IF EXISTS outbox_message_notify()`);
    await q.query(`DROP TABLE IF EXISTS outbox_message`);
  }
}

/**
 * Adds `outbox_message.dispatch_until`: rows written for dispatch right after commit (by the `OutboxDispatcher`)
 * are leased to it until then and skipped by the relay; the insert trigger NOTIFYs only for rows the relay must take.
 */
export class MessagingOutboxDispatch1764400000000 implements MigrationInterface {
  name = 'MessagingOutboxDispatch1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox_message ADD COLUMN dispatch_until timestamptz NULL`);
    await q.query(`DROP TRIGGER outbox_message_notify ON outbox_message`);
    await q.query(`
      CREATE OR REPLACE FUNCTION outbox_message_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM inserted_rows WHERE dispatch_until IS NULL) THEN
          PERFORM pg_notify('${OUTBOX_NOTIFY_CHANNEL}', '');
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER outbox_message_notify AFTER INSERT ON outbox_message
      REFERENCING NEW TABLE AS inserted_rows
      FOR EACH STATEMENT EXECUTE FUNCTION outbox_message_notify()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER outbox_message_notify ON outbox_message`);
    await q.query(`
      CREATE OR REPLACE FUNCTION outbox_message_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${OUTBOX_NOTIFY_CHANNEL}', '');
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER outbox_message_notify AFTER INSERT ON outbox_message
      FOR EACH STATEMENT EXECUTE FUNCTION outbox_message_notify()`);
    await q.query(`ALTER TABLE outbox_message DROP COLUMN dispatch_until`);
  }
}

/** Every migration of this library, in order. */
export const MESSAGING_MIGRATIONS = [MessagingTables1764300000000, MessagingOutboxDispatch1764400000000];
