import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { DataSource } from 'typeorm';
import { EventEnvelope } from '@rcp/contracts';
import { TestDatabase, createTestDatabase, testRabbitUrl, uniqueName, waitFor } from '@rcp/testing';
import { RabbitMqServer } from './consumer/rabbitmq-server';
import { MESSAGING_MIGRATIONS } from './migrations/messaging-tables.migration';
import { OutboxRelay } from './outbox/outbox-relay';
import { OutboxService } from './outbox/outbox.service';
import { EventPublisher } from './publisher';
import { authRequested, quietLogger } from '../test/events';

// What the observability wiring relies on: trace context stored in outbox rows, published as AMQP headers and
// restored around the consumer's handler; connection state for readiness; parking-lot depth and outbox stats.
// Auto-instrumentation does not run inside jest, so this exercises exactly the library's own propagation.

const prefix = uniqueName('msgobs');
const url = testRabbitUrl();
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let db: TestDatabase;
let dataSource: DataSource;
let publisher: EventPublisher;
let server: RabbitMqServer;
let relay: OutboxRelay;
const handled = new Map<string, { traceId?: string; traceparent?: unknown }>();
const observed = { depth: [] as [string, number][], lag: [] as number[], pending: [] as number[] };

beforeAll(async () => {
  provider.register();
  db = await createTestDatabase('msg_obs');
  dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: MESSAGING_MIGRATIONS });
  await dataSource.initialize();
  await dataSource.runMigrations();
  publisher = new EventPublisher({ url, namePrefix: prefix, connectionName: prefix, logger: quietLogger });
  server = new RabbitMqServer({
    url,
    namePrefix: prefix,
    queue: 'obs',
    bindings: ['payment.auth.requested'],
    connectionName: prefix,
    logger: quietLogger,
    parkingLotProbeMs: 100,
    observer: { onParkingLotDepth: (q, n) => observed.depth.push([q, n]) },
  });
  server.addHandler(
    'AuthRequested',
    (async (e: EventEnvelope, ctx: { getMessage(): { properties: { headers?: Record<string, unknown> } } }) => {
      handled.set(e.id, { traceId: trace.getSpan(context.active())?.spanContext().traceId, traceparent: ctx.getMessage().properties.headers?.traceparent });
    }) as never,
    true,
  );
  await new Promise<void>((resolve, reject) => server.listen((err?: unknown) => (err ? reject(err) : resolve())));
  relay = new OutboxRelay(dataSource, publisher, {
    pollIntervalMs: 100,
    logger: quietLogger,
    observer: { onOutboxLag: (ms) => observed.lag.push(ms), onOutboxPending: (n) => observed.pending.push(n) },
  });
});

afterAll(async () => {
  await relay?.stop();
  await server?.close();
  await publisher?.close();
  await dataSource?.destroy();
  await db?.drop();
  await provider.shutdown();
  trace.disable();
  context.disable();
});

describe('trace context through outbox and broker', () => {
  it('stores the active traceparent with the outbox row, publishes it and runs the handler in that trace', async () => {
    const event = authRequested();
    let traceId = '';
    await trace.getTracer('test').startActiveSpan('POST /orders/:id/auth', async (span) => {
      traceId = span.spanContext().traceId;
      await dataSource.transaction((manager) => new OutboxService().add(manager, event));
      span.end();
    });
    const [row] = await dataSource.query(`SELECT headers FROM outbox_message WHERE id = $1`, [event.id]);
    expect(row.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(row.headers['x-shop-id']).toBe('example-shop');

    relay.start();
    await waitFor(() => handled.has(event.id), 'the handler ran', 10_000);
    const seen = handled.get(event.id)!;
    expect(String(seen.traceparent)).toContain(traceId);
    expect(seen.traceId).toBe(traceId);
    const handlerSpan = exporter.getFinishedSpans().find((s) => s.name === 'handle AuthRequested' && s.spanContext().traceId === traceId);
    expect(handlerSpan?.attributes['messaging.message.id']).toBe(event.id);
  });

  it('a direct publish outside any span carries no trace headers, and its handler still runs', async () => {
    const event = authRequested();
    await publisher.publish(event);
    await waitFor(() => handled.has(event.id), 'the handler ran', 10_000);
    expect(handled.get(event.id)!.traceparent).toBeUndefined();
  });
});

describe('operational state', () => {
  it('reports connection state, parking-lot depth and outbox lag/pending', async () => {
    expect(publisher.isConnected()).toBe(true);
    expect(server.isConnected()).toBe(true);
    expect(await server.parkingLotDepth()).toBe(0);
    await waitFor(() => observed.depth.length > 0 && observed.lag.length > 0 && observed.pending.length > 0, 'observer reports', 5000);
    expect(observed.depth[0]).toEqual([`${prefix}.obs.dlq`, 0]);
    expect(observed.pending.at(-1)).toBe(0);
    expect(observed.lag.at(-1)).toBe(0);
    const stopped = new EventPublisher({ url, namePrefix: prefix, connectionName: `${prefix}-closed`, logger: quietLogger });
    await stopped.waitForConnect();
    await stopped.close();
    expect(stopped.isConnected()).toBe(false);
  });
});
