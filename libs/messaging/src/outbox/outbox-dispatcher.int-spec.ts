import { DataSource } from 'typeorm';
import { waitFor } from '@rcp/testing';
import { EventPublisher, PreparedEvent, PublishOptions } from '../publisher';
import { OutboxRelay } from './outbox-relay';
import { OutboxService } from './outbox.service';
import { OutboxDispatcher } from './outbox-dispatcher';
import { authRequested, quietLogger } from '../../test/events';
import { OutboxFixture, startOutboxFixture } from '../../test/outbox-fixture';

let fixture: OutboxFixture;
let dataSource: DataSource;
let publisher: EventPublisher;
let deliveries: Map<string, number>;
const outbox = new OutboxService();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const toStop: OutboxRelay[] = [];

/** A publisher that counts calls and can be told to fail the next `failNext` calls. */
class CountingPublisher {
  calls = 0;
  failNext = 0;
  publishPrepared(events: readonly PreparedEvent[], opts?: PublishOptions): Promise<PromiseSettledResult<void>[]> {
    this.calls++;
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.resolve(events.map(() => ({ status: 'rejected', reason: new Error('broker says no') }) as PromiseRejectedResult));
    }
    return publisher.publishPrepared(events, opts);
  }
}

/** A relay with dispatch after commit whose own passes are counted (rows published per pass). */
function dispatchingRelay(pub: CountingPublisher, options: ConstructorParameters<typeof OutboxRelay>[2] = {}) {
  const relay = new OutboxRelay(dataSource, pub, { pollIntervalMs: 60_000, dispatchAfterCommit: true, logger: quietLogger, ...options });
  toStop.push(relay);
  const passes: number[] = [];
  const relayOnce = relay.relayOnce.bind(relay);
  relay.relayOnce = async () => {
    const n = await relayOnce();
    passes.push(n);
    return n;
  };
  return { relay, passes };
}

const delivered = (ids: string[]) => fixture.delivered(ids);
const rowsOf = async (ids: string[]) =>
  (await dataSource.query(`SELECT id, published_at, dispatch_until, attempts, last_error FROM outbox_message WHERE id = ANY($1::uuid[])`, [ids])) as {
    id: string;
    published_at: Date | null;
    dispatch_until: Date | null;
    attempts: number;
    last_error: string | null;
  }[];

beforeAll(async () => {
  fixture = await startOutboxFixture('msg_dispatch');
  ({ dataSource, publisher, deliveries } = fixture);
});

afterAll(async () => {
  for (const r of toStop) await r.stop();
  await fixture?.close();
});

describe('outbox dispatch after commit', () => {
  it('publishes a committed transaction’s events without a relay pass and marks the rows published', async () => {
    const pub = new CountingPublisher();
    const { relay, passes } = dispatchingRelay(pub);
    relay.start();
    await sleep(300); // LISTEN established, first pass done
    passes.length = 0;
    const events = [authRequested(), authRequested()];
    await dataSource.transaction((m) => outbox.add(m, events));
    await waitFor(() => delivered(events.map((e) => e.id)), 'dispatched events delivered', 5000);
    await waitFor(async () => ((await rowsOf(events.map((e) => e.id))).every((r) => r.published_at && !r.dispatch_until) ? true : undefined), 'rows marked');
    await sleep(300);
    expect(passes).toEqual([]); // the leased rows did not NOTIFY the relay
    expect(pub.calls).toBe(1);
    await relay.stop();
  });

  it('publishes the rows a statement run on its own inserted, and only those (prepareStatementInsert)', async () => {
    const pub = new CountingPublisher();
    const { relay, passes } = dispatchingRelay(pub);
    relay.start();
    await sleep(300);
    passes.length = 0;
    const events = [authRequested(), authRequested(), authRequested()];
    const kept = [events[0]!.id, events[2]!.id];
    const insert = outbox.prepareStatementInsert(dataSource, events)!;
    const params: unknown[] = [kept];
    // the caller's statement decides which rows are written (here: the ids of its first parameter)
    await dataSource.query(
      `WITH chosen AS (SELECT unnest($1::uuid[]) AS id), ob AS (${insert.sql((v) => `$${params.push(v)}`, { idsFrom: 'SELECT id FROM chosen' })}) SELECT 1`,
      params,
    );
    insert.written(kept);
    await waitFor(() => delivered(kept), 'dispatched events delivered', 5000);
    await waitFor(async () => ((await rowsOf(kept)).every((r) => r.published_at && !r.dispatch_until) ? true : undefined), 'rows marked');
    await sleep(300);
    expect((await rowsOf(events.map((e) => e.id))).map((r) => r.id).sort()).toEqual([...kept].sort());
    expect(deliveries.get(events[1]!.id) ?? 0).toBe(0); // not inserted, never published
    expect(pub.calls).toBe(1);
    expect(passes).toEqual([]);
    await relay.stop();
  });

  it('publishes nothing of a rolled-back transaction, nor of a rolled-back savepoint', async () => {
    const pub = new CountingPublisher();
    const { relay } = dispatchingRelay(pub);
    relay.start();
    const [rolledBack, outer, released, inner] = [authRequested(), authRequested(), authRequested(), authRequested()];
    await expect(
      dataSource.transaction(async (m) => {
        await outbox.add(m, [rolledBack]);
        throw new Error('rule broken');
      }),
    ).rejects.toThrow('rule broken');
    await dataSource.transaction(async (m) => {
      await outbox.add(m, [outer]);
      await m.transaction((sp) => outbox.add(sp, [released])); // savepoint released: its row commits with the outer one
      await m
        .transaction(async (sp) => {
          await outbox.add(sp, [inner]);
          throw new Error('savepoint rolled back');
        })
        .catch(() => undefined);
    });
    await waitFor(() => delivered([outer.id, released.id]), 'committed events delivered', 5000);
    await sleep(300);
    expect(deliveries.get(rolledBack.id)).toBeUndefined();
    expect(deliveries.get(inner.id)).toBeUndefined();
    expect(await rowsOf([rolledBack.id, inner.id])).toEqual([]);
    expect(pub.calls).toBe(1); // its own rows only: stopped dispatchers of earlier tests see the commit too
    await relay.stop();
  });

  it('hands the rows back to the relay when the publish fails; each event arrives once', async () => {
    const pub = new CountingPublisher();
    pub.failNext = 1;
    const { relay, passes } = dispatchingRelay(pub);
    relay.start();
    await sleep(300);
    passes.length = 0;
    const e = authRequested();
    await dataSource.transaction((m) => outbox.add(m, [e]));
    await waitFor(() => delivered([e.id]), 'delivered by the relay after the failed dispatch', 5000);
    const row = await waitFor(async () => (await rowsOf([e.id])).find((r) => r.published_at), 'row marked by the relay');
    expect(row).toMatchObject({ attempts: 2, last_error: null, dispatch_until: null });
    expect(passes).toContain(1);
    await sleep(300);
    expect(deliveries.get(e.id)).toBe(1);
    await relay.stop();
  });

  it('marks the rows of several commits published with one UPDATE after the mark delay; stop() marks at once', async () => {
    const pub = new CountingPublisher();
    const { relay } = dispatchingRelay(pub, { dispatchMarkDelayMs: 400 });
    relay.start();
    await sleep(300);
    const query = dataSource.query.bind(dataSource);
    let markUpdates = 0;
    dataSource.query = ((sql: string, params?: unknown[]) => {
      if (/SET published_at = now\(\)/.test(sql)) markUpdates++;
      return query(sql, params);
    }) as typeof dataSource.query;
    try {
      const events = [authRequested(), authRequested(), authRequested()];
      for (const e of events) await dataSource.transaction((m) => outbox.add(m, [e]));
      await waitFor(() => delivered(events.map((e) => e.id)), 'dispatched events delivered', 5000);
      await waitFor(async () => ((await rowsOf(events.map((e) => e.id))).every((r) => r.published_at) ? true : undefined), 'rows marked');
      expect(pub.calls).toBe(3);
      expect(markUpdates).toBe(1);

      const late = authRequested();
      await dataSource.transaction((m) => outbox.add(m, [late]));
      await waitFor(() => delivered([late.id]), 'late event delivered', 5000);
      await relay.stop(); // well before the 400 ms delay ends for this row
      expect((await rowsOf([late.id]))[0].published_at).not.toBeNull();
      expect(markUpdates).toBe(2);
    } finally {
      dataSource.query = query;
    }
  });

  it('a row whose dispatcher died is published by the relay once its lease ends, not before', async () => {
    const pub = new CountingPublisher();
    const { relay } = dispatchingRelay(pub, { pollIntervalMs: 100 });
    relay.start();
    // what a crash between commit and publish leaves behind: a committed row leased to a dispatcher that is gone
    const e = authRequested();
    await dataSource.transaction(async (m) => {
      await m.query(
        `INSERT INTO outbox_message (id, type, routing_key, payload, headers, dispatch_until)
         VALUES ($1, $2, 'payment.auth.requested', $3::jsonb, '{}'::jsonb, clock_timestamp() + interval '1500 milliseconds')`,
        [e.id, e.type, JSON.stringify(e)],
      );
    });
    await sleep(1000);
    expect(deliveries.get(e.id)).toBeUndefined();
    await waitFor(() => delivered([e.id]), 'published after the lease', 5000);
    await relay.stop();
  });

  it('counts a row toward the lag only when nobody is publishing it: a live dispatch lease hides it until it ends', async () => {
    const idle = new OutboxRelay(dataSource, publisher, { logger: quietLogger }); // never started: only its queries run
    const before = await idle.pendingStats();
    const e = authRequested();
    await dataSource.query(
      `INSERT INTO outbox_message (id, type, routing_key, payload, headers, dispatch_until)
       VALUES ($1, $2, 'payment.auth.requested', $3::jsonb, '{}'::jsonb, clock_timestamp() + interval '60 seconds')`,
      [e.id, e.type, JSON.stringify(e)],
    );
    try {
      await sleep(50);
      expect((await idle.pendingStats()).pending).toBe(before.pending); // being published (or awaiting its mark)
      await dataSource.query(`UPDATE outbox_message SET dispatch_until = clock_timestamp() - interval '1 millisecond' WHERE id = $1`, [e.id]);
      const after = await idle.pendingStats();
      expect(after.pending).toBe(before.pending + 1); // the lease ended: the relay's to publish, and it counts
      expect(after.oldestAgeMs).toBeGreaterThanOrEqual(40);
      expect(await idle.oldestUnpublishedAgeMs()).toBeGreaterThanOrEqual(40);
    } finally {
      await dataSource.query(`UPDATE outbox_message SET published_at = now() WHERE id = $1`, [e.id]);
    }
  });

  it('is registered only while its relay runs; stopped, rows go to the relay as before', async () => {
    const pub = new CountingPublisher();
    const { relay } = dispatchingRelay(pub);
    relay.start();
    expect(OutboxDispatcher.of(dataSource)).toBeDefined();
    await relay.stop();
    expect(OutboxDispatcher.of(dataSource)).toBeUndefined();

    const plain = new OutboxRelay(dataSource, publisher, { pollIntervalMs: 60_000, logger: quietLogger });
    toStop.push(plain);
    plain.start();
    await sleep(300);
    const e = authRequested();
    await dataSource.transaction((m) => outbox.add(m, [e]));
    await waitFor(() => delivered([e.id]), 'relay publishes on NOTIFY', 5000);
    expect((await rowsOf([e.id]))[0].dispatch_until).toBeNull(); // written for the relay, not leased
    expect(pub.calls).toBe(0); // the stopped dispatcher published nothing
    await plain.stop();
  });
});
