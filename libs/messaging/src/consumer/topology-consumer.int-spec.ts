import { EventEnvelope } from '@rcp/contracts';
import { testRabbitUrl, uniqueName, waitFor } from '@rcp/testing';
import { EventPublisher } from '../publisher';
import { RabbitMqServer, RabbitMqServerOptions } from './rabbitmq-server';
import { authRequested, orderShipped, quietLogger } from '../../test/events';
import { queueLines } from '../../test/rabbitmqctl';

const prefix = uniqueName('msgtopo');
const url = testRabbitUrl();
const servers: RabbitMqServer[] = [];
let publisher: EventPublisher;

async function startServer(options: Omit<RabbitMqServerOptions, 'url' | 'namePrefix'>): Promise<RabbitMqServer> {
  const server = new RabbitMqServer({ url, namePrefix: prefix, connectionName: prefix, logger: quietLogger, retryDelaysMs: [50, 100, 200], ...options });
  servers.push(server);
  await new Promise<void>((resolve, reject) => server.listen((err?: unknown) => (err ? reject(err) : resolve())));
  return server;
}

function collect(server: RabbitMqServer, type: string): string[] {
  const seen: string[] = [];
  server.addHandler(type, async (e: EventEnvelope) => void seen.push(e.id), true);
  return seen;
}

beforeAll(async () => {
  publisher = new EventPublisher({ url, namePrefix: prefix, connectionName: prefix, logger: quietLogger });
  await publisher.waitForConnect(30_000);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await publisher.close();
});

describe('topology and fan-out', () => {
  it('delivers an event published once to every bound queue exactly once; a # queue sees every type', async () => {
    const gateway = await startServer({ queue: 'gateway', bindings: ['payment.*.requested'] });
    const audit = await startServer({ queue: 'audit', bindings: ['payment.auth.requested'] });
    const dashboard = await startServer({ queue: 'dashboard', bindings: ['#'] });
    const gatewaySeen = collect(gateway, 'AuthRequested');
    const auditSeen = collect(audit, 'AuthRequested');
    const dashAuth = collect(dashboard, 'AuthRequested');
    const dashShipped = collect(dashboard, 'OrderShipped');
    const gatewayShipped = collect(gateway, 'OrderShipped');

    const auth = [authRequested(), authRequested(), authRequested()];
    const shipped = orderShipped();
    await publisher.publish([...auth, shipped]);

    await waitFor(() => dashAuth.length === 3 && dashShipped.length === 1 && gatewaySeen.length === 3 && auditSeen.length === 3, 'fan-out');
    await new Promise((r) => setTimeout(r, 300));
    const ids = auth.map((e) => e.id).sort();
    expect([...gatewaySeen].sort()).toEqual(ids);
    expect([...auditSeen].sort()).toEqual(ids);
    expect([...dashAuth].sort()).toEqual(ids);
    expect(dashShipped).toEqual([shipped.id]);
    expect(gatewayShipped).toEqual([]);
  });

  it('declares quorum queues with delivery limit, dead-lettering to the parking lot and TTL retry tiers', async () => {
    const q = `${prefix}.gateway`;
    const lines = await queueLines(prefix);
    const line = (name: string) => lines.find((l) => l.split('\t')[0] === name) ?? '';
    expect(line(q)).toContain('quorum');
    expect(line(q)).toContain('{"x-delivery-limit",20}');
    expect(line(q)).toContain(`{"x-dead-letter-routing-key","${q}.dlq"}`);
    expect(line(q)).toContain('{"x-dead-letter-exchange",[]}');
    expect(line(q)).toContain('{"x-dead-letter-strategy","at-least-once"}');
    expect(line(q)).toContain('{"x-overflow","reject-publish"}');
    expect(line(q)).toContain('{"x-expires",600000}');
    expect(line(`${q}.dlq`)).toContain('quorum');
    for (const [tier, ttl] of [[1, 50], [2, 100], [3, 200]]) {
      const retry = line(`${q}.retry.${tier}`);
      expect(retry).toContain('quorum');
      expect(retry).toContain(`{"x-message-ttl",${ttl}}`);
      expect(retry).toContain(`{"x-dead-letter-routing-key","${q}"}`);
      expect(line(`${q}.retry.${tier}.j2`)).toContain(`{"x-message-ttl",${Math.round(ttl * 1.3)}}`);
    }
  });
});
