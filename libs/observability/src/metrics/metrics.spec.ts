import { Controller, Get, INestApplication, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { ObservabilityModule } from '../observability.module';
import { METRIC_NAMES } from './catalogue';
import { messagingObserver } from './messaging-observer';
import { Metrics } from './metrics';

@Controller('orders')
class OrdersController {
  @Get(':id')
  get(@Param('id') id: string) {
    return { id };
  }

  @Post()
  fail() {
    throw new Error('boom');
  }
}

@Module({ imports: [ObservabilityModule.forRoot({ service: 'svc-a' })], controllers: [OrdersController] })
class AppA {}

@Module({ imports: [ObservabilityModule.forRoot({ service: 'svc-b' })], controllers: [OrdersController] })
class AppB {}

async function start(module: new () => unknown): Promise<INestApplication> {
  const app = await NestFactory.create(module, { logger: false });
  await app.init();
  return app;
}

describe('metrics', () => {
  let a: INestApplication;
  let b: INestApplication;

  beforeAll(async () => {
    a = await start(AppA);
    b = await start(AppB); // second app in the same process: no "already registered"
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('GET /metrics serves the whole catalogue and default process metrics in Prometheus text format', async () => {
    const m = a.get(Metrics);
    m.messageConsumed('order-service', 'AuthCompleted', 'ack');
    m.messagePublished('AuthRequested');
    m.setParkingLotDepth('order-service.dlq', 3);
    m.setOutboxLag(1.5);
    m.setOutboxPending(7);
    m.cardApiRequest('auth', 'ok', '0000', 0.2);
    m.cardApiBatchSize('capture', 40);
    m.setPaymentOperationsInFlight('auth', 2);
    m.setPaymentOperationsStuck(1);
    m.setAuthExpiring('shop-1', 4);
    m.setCircuitBreakerState('shop-1', 'auth', 'half-open');
    m.retry('order-service');
    m.setBatchLinger(100);
    m.batchFlushed('auth', 50, 'target');

    const res = await request(a.getHttpServer()).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    for (const name of Object.values(METRIC_NAMES)) expect(res.text).toContain(`# TYPE ${name} `);
    expect(res.text).toContain('# TYPE rcp_parking_lot_depth gauge');
    expect(res.text).toContain('# TYPE rcp_card_api_request_duration_seconds histogram');
    expect(res.text).toContain('# TYPE rcp_retries_total counter');
    expect(res.text).toContain('rcp_messages_consumed_total{service="svc-a",queue="order-service",type="AuthCompleted",outcome="ack"} 1');
    expect(res.text).toContain('rcp_messages_published_total{service="svc-a",type="AuthRequested"} 1');
    expect(res.text).toContain('rcp_parking_lot_depth{queue="order-service.dlq"} 3');
    expect(res.text).toContain('rcp_outbox_lag_seconds{service="svc-a"} 1.5');
    expect(res.text).toContain('rcp_outbox_pending{service="svc-a"} 7');
    expect(res.text).toContain('rcp_card_api_request_duration_seconds_count{operation="auth",outcome="ok",code="0000"} 1');
    expect(res.text).toContain('rcp_card_api_batch_size_sum{operation="capture"} 40');
    expect(res.text).toContain('rcp_payment_operations_in_flight{operation="auth"} 2');
    expect(res.text).toContain('rcp_payment_operations_stuck 1');
    expect(res.text).toContain('rcp_auth_expiring{shop="shop-1"} 4');
    expect(res.text).toContain('rcp_circuit_breaker_state{shop="shop-1",endpoint="auth"} 1');
    expect(res.text).toContain('rcp_retries_total{service="svc-a",queue="order-service"} 1');
    expect(res.text).toContain('rcp_batch_linger_ms 100');
    expect(res.text).toContain('rcp_batch_flush_size_sum{operation="auth",reason="target"} 50');
    expect(res.text).toMatch(/process_cpu_user_seconds_total\{service="svc-a"\} /);
  });

  it('HTTP metrics use the route pattern, method and status — never the raw URL', async () => {
    const server = a.getHttpServer();
    await request(server).get('/orders/123').expect(200);
    await request(server).get('/orders/456?x=1').expect(200);
    await request(server).post('/orders').expect(500);
    await request(server).get('/no/such/path/789').expect(404);

    const text = (await request(server).get('/metrics')).text;
    expect(text).toContain('http_request_duration_seconds_count{service="svc-a",method="GET",route="/orders/:id",status="200"} 2');
    expect(text).toContain('http_request_duration_seconds_count{service="svc-a",method="POST",route="/orders",status="500"} 1');
    expect(text).toContain('http_request_duration_seconds_count{service="svc-a",method="GET",route="unmatched",status="404"} 1');
    expect(text).not.toMatch(/route="[^"]*(123|456|789)/);
  });

  it('two app instances in one process keep separate registries', async () => {
    b.get(Metrics).messagePublished('OnlyInB', 2);
    const textA = (await request(a.getHttpServer()).get('/metrics')).text;
    const textB = (await request(b.getHttpServer()).get('/metrics').expect(200)).text;
    expect(a.get(Metrics).registry).not.toBe(b.get(Metrics).registry);
    expect(textB).toContain('rcp_messages_published_total{service="svc-b",type="OnlyInB"} 2');
    expect(textA).not.toContain('OnlyInB');
    expect(textB).not.toContain('svc-a');
  });

  it('forRoot can use a pre-built Metrics instance (for options built before DI)', async () => {
    const shared = new Metrics('svc-c', { defaultMetrics: false });
    @Module({ imports: [ObservabilityModule.forRoot({ service: 'svc-c', instance: shared })] })
    class AppC {}
    const c = await start(AppC);
    try {
      expect(c.get(Metrics)).toBe(shared);
      messagingObserver(shared).onPublished!('ViaObserver');
      const text = (await request(c.getHttpServer()).get('/metrics').expect(200)).text;
      expect(text).toContain('rcp_messages_published_total{service="svc-c",type="ViaObserver"} 1');
    } finally {
      await c.close();
    }
  });

  it('trackInFlight counts while running and decrements on failure', async () => {
    const m = new Metrics('t', { defaultMetrics: false });
    let during = '';
    await m.trackInFlight('capture', async () => {
      during = await m.render();
    });
    await expect(m.trackInFlight('capture', async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(during).toContain('rcp_payment_operations_in_flight{operation="capture"} 1');
    expect(await m.render()).toContain('rcp_payment_operations_in_flight{operation="capture"} 0');
    const elapsed = Metrics.timer();
    expect(elapsed()).toBeGreaterThanOrEqual(0);
  });

  it('messagingObserver maps the messaging hooks onto the catalogue', async () => {
    const m = new Metrics('payment-gateway', { defaultMetrics: false });
    const observer = messagingObserver(m, { queue: 'payment-gateway' });
    observer.onConsumed!('AuthRequested', 'ack', 12);
    observer.onConsumed!('AuthRequested', 'retry', 30);
    observer.onConsumed!('AuthRequested', 'parked', 5);
    observer.onPublished!('AuthCompleted');
    observer.onParked!('payment-gateway.dlq', 'INVALID');
    observer.onParked!('payment-gateway.dlq', 'INVALID');
    observer.onOutboxLag!(2500);
    const text = await m.render();
    for (const outcome of ['ack', 'retry', 'parked']) {
      expect(text).toContain(
        `rcp_messages_consumed_total{service="payment-gateway",queue="payment-gateway",type="AuthRequested",outcome="${outcome}"} 1`,
      );
    }
    expect(text).toContain('rcp_retries_total{service="payment-gateway",queue="payment-gateway"} 1');
    expect(text).toContain('rcp_messages_published_total{service="payment-gateway",type="AuthCompleted"} 1');
    expect(text).toContain('rcp_parking_lot_depth{queue="payment-gateway.dlq"} 2');
    expect(text).toContain('rcp_outbox_lag_seconds{service="payment-gateway"} 2.5');
  });
});
