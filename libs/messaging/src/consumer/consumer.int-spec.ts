import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import * as amqplib from 'amqplib';
import { EventEnvelope } from '@rcp/contracts';
import { testRabbitUrl, uniqueName, waitFor } from '@rcp/testing';
import { EventPublisher } from '../publisher';
import { ParkingLot } from '../parking-lot/parking-lot';
import { NonRetryableError } from '../errors';
import { HEADERS } from '../constants';
import { MessageContext, currentMessageContext } from './message-context';
import { RabbitMqContext } from './rabbitmq-context';
import { RabbitMqServer, RabbitMqServerOptions } from './rabbitmq-server';
import { authRequested, orderShipped, quietLogger } from '../../test/events';
import { closeConnectionsNamed } from '../../test/rabbitmqctl';

const prefix = uniqueName('msgcons');
const url = testRabbitUrl();
const servers: RabbitMqServer[] = [];
let publisher: EventPublisher;
let parkingLot: ParkingLot;
let raw: amqplib.ChannelModel;
let rawChannel: amqplib.ConfirmChannel;

async function startServer(options: Omit<RabbitMqServerOptions, 'url' | 'namePrefix'>, handlers: Record<string, (e: EventEnvelope, ctx: RabbitMqContext) => Promise<void>> = {}) {
  const server = new RabbitMqServer({ url, namePrefix: prefix, connectionName: prefix, logger: quietLogger, retryDelaysMs: [50, 100, 200], ...options });
  for (const [type, fn] of Object.entries(handlers)) server.addHandler(type, fn as never, true);
  servers.push(server);
  await new Promise<void>((resolve, reject) => server.listen((err?: unknown) => (err ? reject(err) : resolve())));
  return server;
}

beforeAll(async () => {
  publisher = new EventPublisher({ url, namePrefix: prefix, connectionName: `${prefix}-publisher`, logger: quietLogger });
  parkingLot = new ParkingLot({ url, connectionName: `${prefix}-tool` });
  raw = await amqplib.connect(url, { clientProperties: { connection_name: `${prefix}-raw` } });
  rawChannel = await raw.createConfirmChannel();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await publisher.close();
  await parkingLot.close();
  await raw.close();
});

describe('retries and the parking lot', () => {
  it('retries a transiently failing handler with growing delays, then succeeds', async () => {
    const calls: { attempt: number; at: number }[] = [];
    await startServer(
      { queue: 'flaky', bindings: ['payment.auth.requested'], retryDelaysMs: [100, 400, 800] },
      {
        AuthRequested: async (_e, ctx) => {
          calls.push({ attempt: ctx.getAttempt(), at: Date.now() });
          if (calls.length < 3) throw new Error('RCCS timed out');
        },
      },
    );
    await publisher.publish(authRequested());
    await waitFor(() => calls.length === 3, 'three attempts');
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    const gap1 = calls[1].at - calls[0].at;
    const gap2 = calls[2].at - calls[1].at;
    expect(gap1).toBeGreaterThanOrEqual(90);
    expect(gap2).toBeGreaterThanOrEqual(380);
    expect(gap2).toBeGreaterThan(gap1);
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toHaveLength(3);
  });

  it('parks a message that always fails after maxAttempts with its history; list keeps it; replay brings it back', async () => {
    let broken = true;
    const attempts: number[] = [];
    const processed: string[] = [];
    const server = await startServer(
      { queue: 'broken', bindings: ['payment.auth.requested'], maxAttempts: 3 },
      {
        AuthRequested: async (e, ctx) => {
          attempts.push(ctx.getAttempt());
          if (broken) throw new Error(`database is down (${'x'.repeat(500)})`);
          processed.push(e.id);
        },
      },
    );
    const event = authRequested();
    await publisher.publish(event);
    const dlq = server.parkingLotQueue;
    const [parked] = await waitFor(async () => {
      const list = await parkingLot.list(dlq, 10);
      return list.length === 1 ? list : undefined;
    }, 'message parked');
    expect(attempts).toEqual([1, 2, 3]);
    expect(parked.messageId).toBe(event.id);
    expect(parked.code).toBe('max-attempts');
    expect(parked.originalQueue).toBe(server.queueName);
    expect(parked.reason).toContain('database is down');
    expect(parked.history.map((h) => h.attempt)).toEqual([1, 2, 3]);
    expect(parked.history[0].error.length).toBeLessThanOrEqual(300);
    expect(parked.headers[HEADERS.parkedAt]).toEqual(expect.any(String));
    expect((await parkingLot.list(server.queueName, 10)).map((m) => m.messageId)).toEqual([event.id]);
    expect((await parkingLot.inspect(server.queueName, event.id))?.type).toBe('AuthRequested');

    broken = false;
    const replay = await parkingLot.replay(server.queueName, { messageIds: [event.id, '00000000-0000-4000-8000-000000000000'] });
    expect(replay.replayed).toEqual([event.id]);
    expect(replay.notFound).toEqual(['00000000-0000-4000-8000-000000000000']);
    await waitFor(() => processed.length === 1, 'replayed message processed');
    expect(processed).toEqual([event.id]);
    expect(attempts.at(-1)).toBe(1);
    expect(await parkingLot.list(dlq, 10)).toEqual([]);
  });

  it('parks invalid messages at once with the reason and keeps consuming valid ones', async () => {
    const handled: string[] = [];
    const server = await startServer({ queue: 'strict', bindings: ['payment.auth.requested', 'order.#'] }, { AuthRequested: async (e) => void handled.push(e.id) });
    const exchange = publisher.exchangeName;
    const valid = authRequested();
    const send = (body: string | object, key = 'payment.auth.requested') =>
      new Promise<void>((resolve, reject) =>
        rawChannel.publish(exchange, key, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), { messageId: 'raw' }, (err) => (err ? reject(err) : resolve())),
      );
    const { data, ...rest } = authRequested() as EventEnvelope<Record<string, unknown>>;
    await send('{not json');
    await send({ ...rest, type: 'NoSuchEvent', data });
    await send({ ...rest, id: crypto.randomUUID(), data: { ...data, amount: undefined } });
    await send({ ...rest, id: crypto.randomUUID(), data: { ...data, amount: 'a lot' } });
    await send({ ...rest, id: crypto.randomUUID(), version: 9, data });
    await publisher.publish(orderShipped()); // valid, but this consumer has no handler for it
    await publisher.publish(valid);

    await waitFor(() => handled.includes(valid.id), 'valid message handled');
    const parked = await waitFor(async () => {
      const list = await parkingLot.list(server.queueName, 20);
      return list.length === 6 ? list : undefined;
    }, 'six parked messages');
    expect(parked.map((p) => p.code).sort()).toEqual(['invalid-payload', 'invalid-payload', 'no-handler', 'not-json', 'unknown-type', 'unknown-version']);
    for (const p of parked) {
      expect(p.reason).toBeTruthy();
      expect(p.originalQueue).toBe(server.queueName);
      expect(p.headers[HEADERS.parkedAt]).toEqual(expect.any(String));
    }
    expect(parked.find((p) => p.code === 'unknown-version')?.reason).toContain('unknown version 9');
    expect(await parkingLot.purge(server.queueName)).toBe(6);
    expect(handled).toEqual([valid.id]);
  });
});

describe('app-id', () => {
  it("carries the publisher's app-id to the handler, also on a retried delivery; none when the publisher sets none", async () => {
    const seen: { attempt: number; appId: unknown }[] = [];
    await startServer(
      { queue: 'app-id', bindings: ['order.shipped'], retryDelaysMs: [50] },
      {
        OrderShipped: async (_e, ctx) => {
          seen.push({ attempt: ctx.getAttempt(), appId: ctx.getMessage().properties.appId });
          if (ctx.getAttempt() === 1) throw new Error('once');
        },
      },
    );
    const named = new EventPublisher({ url, namePrefix: prefix, connectionName: `${prefix}-named`, logger: quietLogger, appId: 'svc-a' });
    try {
      await named.publish(orderShipped());
      await waitFor(() => seen.length === 2, 'first delivery and its retry');
      expect(seen).toEqual([
        { attempt: 1, appId: 'svc-a' },
        { attempt: 2, appId: 'svc-a' },
      ]);
      await publisher.publish(orderShipped());
      await waitFor(() => seen.length === 4, 'the unnamed publisher\'s message and its retry');
      expect(seen[2]).toEqual({ attempt: 1, appId: undefined });
    } finally {
      await named.close();
    }
  });
});

describe('app-id on replay', () => {
  it('a parked message replayed from the parking lot keeps its app-id', async () => {
    let broken = true;
    const seen: unknown[] = [];
    const server = await startServer(
      { queue: 'app-id-replay', bindings: ['order.shipped'], maxAttempts: 1 },
      {
        OrderShipped: async (_e, ctx) => {
          if (broken) throw new Error('down');
          seen.push(ctx.getMessage().properties.appId);
        },
      },
    );
    const named = new EventPublisher({ url, namePrefix: prefix, connectionName: `${prefix}-named-replay`, logger: quietLogger, appId: 'svc-b' });
    try {
      const event = orderShipped();
      await named.publish(event);
      await waitFor(async () => ((await parkingLot.list(server.parkingLotQueue, 10)).length === 1 ? true : undefined), 'message parked');
      broken = false;
      expect((await parkingLot.replay(server.queueName, { messageIds: [event.id] })).replayed).toEqual([event.id]);
      await waitFor(() => seen.length === 1, 'replayed message handled');
      expect(seen).toEqual(['svc-b']);
    } finally {
      await named.close();
    }
  });
});

describe('reconnect', () => {
  it('resumes consuming after its broker connections are closed mid-stream; nothing is lost', async () => {
    const seen = new Set<string>();
    await startServer({ queue: 'resilient', bindings: ['order.shipped'], connectionName: `${prefix}-resilient` }, { OrderShipped: async (e) => void seen.add(e.id) });
    const sent: string[] = [];
    for (let i = 0; i < 30; i++) {
      const e = orderShipped();
      await publisher.publish(e);
      sent.push(e.id);
      if (i === 10) expect(await closeConnectionsNamed(`${prefix}-resilient`)).toBeGreaterThan(0);
      if (i === 20) expect(await closeConnectionsNamed(`${prefix}-publisher`)).toBeGreaterThan(0);
    }
    await waitFor(() => sent.every((id) => seen.has(id)), 'every message consumed after reconnects', 20_000);
  });
});

@Controller()
class AuthController {
  static calls: { id: string; attempt: number; context?: MessageContext }[] = [];
  @EventPattern('AuthRequested')
  async handle(@Payload() e: EventEnvelope<{ amount: number }>, @Ctx() ctx: RabbitMqContext): Promise<void> {
    AuthController.calls.push({ id: e.id, attempt: ctx.getAttempt(), context: currentMessageContext() });
    if (e.data.amount === 13) throw new NonRetryableError('amount 13 is cursed');
  }
}

@Module({ controllers: [AuthController] })
class AuthModule {}

describe('as a Nest microservice transport', () => {
  it('dispatches @EventPattern handlers with context, and parks NonRetryableError at once', async () => {
    const server = new RabbitMqServer({ url, namePrefix: prefix, queue: 'nest', bindings: ['payment.#'], connectionName: prefix, logger: quietLogger, retryDelaysMs: [50] });
    servers.push(server);
    const app = await NestFactory.createMicroservice(AuthModule, { strategy: server, logger: false });
    await app.listen();
    try {
      const ok = authRequested(500);
      const cursed = authRequested(13);
      await publisher.publish([ok, cursed]);
      const [parked] = await waitFor(async () => {
        const list = await parkingLot.list(server.queueName, 10);
        return list.length === 1 ? list : undefined;
      }, 'cursed message parked');
      expect(parked.messageId).toBe(cursed.id);
      expect(parked.code).toBe('non-retryable');
      expect(parked.reason).toBe('amount 13 is cursed');
      await waitFor(() => AuthController.calls.some((c) => c.id === ok.id), 'ok handled');
      expect(AuthController.calls.filter((c) => c.id === cursed.id)).toHaveLength(1);
      const okCall = AuthController.calls.find((c) => c.id === ok.id)!;
      expect(okCall.context).toEqual({ messageId: ok.id, correlationId: ok.correlationId, causationId: null, type: 'AuthRequested', shopId: 'example-shop', attempt: 1 });
      expect(currentMessageContext()).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
