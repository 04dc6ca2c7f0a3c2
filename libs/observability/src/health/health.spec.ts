import { INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import request from 'supertest';
import { brokerCheck, databaseCheck, healthCheck, runCheck } from './checks';
import { HealthModule } from './health.module';

async function start(module: new () => unknown): Promise<INestApplication> {
  const app = await NestFactory.create(module, { logger: false });
  await app.init();
  return app;
}

describe('health', () => {
  let broker = true;
  let dbQueries: string[] = [];
  const fakeDataSource = {
    query: async (sql: string) => {
      dbQueries.push(sql);
      if (sql !== 'SELECT 1') throw new Error('unexpected');
      return [{ '?column?': 1 }];
    },
  };

  @Module({
    imports: [
      HealthModule.forRoot({
        checks: [
          databaseCheck(fakeDataSource),
          brokerCheck(() => broker),
          healthCheck('card-api-circuit', () => ({ state: 'closed' })),
        ],
      }),
    ],
  })
  class App {}

  let app: INestApplication;
  beforeAll(async () => {
    app = await start(App);
  });
  afterAll(async () => app?.close());
  beforeEach(() => {
    broker = true;
    dbQueries = [];
  });

  it('/health/live is 200 without touching dependencies', async () => {
    broker = false;
    const res = await request(app.getHttpServer()).get('/health/live').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', info: { process: { status: 'up', pid: process.pid } } });
    expect(dbQueries).toEqual([]);
  });

  it('/health/ready is 200 when every check passes (database via SELECT 1)', async () => {
    const res = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.info).toEqual({
      database: { status: 'up' },
      broker: { status: 'up' },
      'card-api-circuit': { status: 'up', state: 'closed' },
    });
    expect(dbQueries).toEqual(['SELECT 1']);
  });

  it('/health/ready is 503 naming the failing check', async () => {
    broker = false;
    const res = await request(app.getHttpServer()).get('/health/ready').expect(503);
    expect(res.body.status).toBe('error');
    expect(res.body.error).toEqual({ broker: { status: 'down', message: 'not connected' } });
    expect(Object.keys(res.body.info)).toEqual(expect.arrayContaining(['database', 'card-api-circuit']));
  });

  it('health routes are not in the Swagger document', () => {
    const doc = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    expect(Object.keys(doc.paths).filter((p) => p.includes('health'))).toEqual([]);
  });

  it('checks time out, treat false as down and redact secrets in failure messages', async () => {
    expect(await runCheck(healthCheck('slow', () => new Promise(() => undefined), 20))).toEqual({
      up: false,
      message: 'timed out after 20 ms',
    });
    expect(await runCheck(healthCheck('no', () => false))).toEqual({ up: false, message: 'check returned false' });
    const failed = await runCheck(
      healthCheck('db', () => {
        throw new Error('login failed password=CANARY-h3alth');
      }),
    );
    expect(JSON.stringify(failed)).not.toContain('CANARY');
  });

  it('forRootAsync builds checks from injected providers', async () => {
    const TOKEN = 'DB';
    @Module({ providers: [{ provide: TOKEN, useValue: { query: async () => Promise.reject(new Error('db down')) } }], exports: [TOKEN] })
    class DbModule {}
    @Module({
      imports: [HealthModule.forRootAsync({ imports: [DbModule], inject: [TOKEN], useFactory: (ds) => ({ checks: [databaseCheck(ds)] }) })],
    })
    class AsyncApp {}
    const other = await start(AsyncApp);
    try {
      const res = await request(other.getHttpServer()).get('/health/ready').expect(503);
      expect(res.body.error).toEqual({ database: { status: 'down', message: 'db down' } });
    } finally {
      await other.close();
    }
  });
});
