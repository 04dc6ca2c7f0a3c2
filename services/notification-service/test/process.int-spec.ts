import { TestDatabase, createTestDatabase, spawnService, testRabbitUrl, uniqueName } from '@rcp/testing';

describe('notification-service as a process (dist/…/main.js)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('rcp_notify_proc');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('boots, reports ready and exits 0 on SIGTERM', async () => {
    const service = await spawnService({
      service: 'notification-service',
      portEnv: 'NOTIFY_PORT',
      readyPath: '/health/ready',
      readyTimeoutMs: 60_000,
      env: { NOTIFY_DATABASE_URL: db.url, RABBITMQ_URL: testRabbitUrl(), MESSAGING_NAME_PREFIX: uniqueName('n'), SMTP_URL: 'smtp://127.0.0.1:1' },
    });
    const ready = await fetch(`${service.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await service.stop()).toBe(0);
    expect(service.output()).toContain('SIGTERM received');
  });

  it('fails loudly, naming RabbitMQ, when the broker cannot be reached', async () => {
    await expect(
      spawnService({
        service: 'notification-service',
        portEnv: 'NOTIFY_PORT',
        readyTimeoutMs: 20_000,
        env: { NOTIFY_DATABASE_URL: db.url, RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:1', NOTIFY_BROKER_CONNECT_TIMEOUT_MS: '1500' },
      }),
    ).rejects.toThrow(/RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1 did not accept/);
  });

  it('refuses to start with a bad environment, naming the variable', async () => {
    await expect(
      spawnService({ service: 'notification-service', portEnv: 'NOTIFY_PORT', readyTimeoutMs: 5000, env: { NOTIFY_DATABASE_URL: db.url, NOTIFY_RETRY_DELAYS_MS: 'soon' } }),
    ).rejects.toThrow(/NOTIFY_RETRY_DELAYS_MS/);
  });
});
