import { type TestDatabase, createTestDatabase } from '@rcp/testing';
import { type RunningSimulator, startSimulator } from '../src/bootstrap';
import { SimClient } from './sim-client';

const N1 = '338459-20240105-00000001';
let db: TestDatabase;
const running: RunningSimulator[] = [];

beforeAll(async () => {
  db = await createTestDatabase('rcp_sim_restart');
});
afterAll(async () => {
  await Promise.all(running.map((s) => s.close()));
  await db?.drop();
});

async function start(): Promise<SimClient> {
  const sim = await startSimulator({ env: {}, config: { port: 0, host: '127.0.0.1', store: 'postgres', databaseUrl: db.url, settings: { processingDelayMs: 60_000 } } });
  running.push(sim);
  return new SimClient(sim);
}

describe('restart persistence (PostgreSQL store)', () => {
  it('forgets nothing across a restart: requests, results, orders, shops, clock', async () => {
    const a = await start();
    await a.admin('PUT', '/shops/late-shop', { userName: 'u', authKey: 'late-key' });
    const seedWithoutShop = await a.admin('POST', '/orders', { orderNumber: N1 });
    expect([seedWithoutShop.status, seedWithoutShop.json.message]).toEqual([400, `${N1}: shopUrl is required when several shops are configured`]);
    const seeded = await a.admin('POST', '/orders', { orderNumber: N1, shopUrl: 'demo-shop', ownerName: 'TARO RAKUTEN', creditLimit: 100_000 });
    expect(seeded.status).toBe(200);
    const { id } = await a.authori([{ orderNumber: N1, price: 5000 }]);
    const unused = await a.requestId();
    expect((await a.status(id)).status).toBe('1');
    await a.admin('POST', '/clock', { advanceMs: 3_600_000 });
    const clockBefore = (await a.admin('GET', '/clock')).json.offsetMs;
    await a.sim.close();

    const b = await start();
    expect((await b.admin('GET', '/clock')).json.offsetMs).toBeGreaterThanOrEqual(clockBefore);
    const st = await b.status(id);
    expect(st).toMatchObject({ status: '3', kind: '1', count: '1' });
    expect(st.results[0]).toMatchObject({ orderNumber: N1, cardStatus: '12', ownerName: 'TARO RAKUTEN', price: '5000' });
    expect((await b.authori([{ orderNumber: N1, price: 1 }], id)).errorCode).toBe('RCCS_E02-001');
    expect((await b.submit('sales', [N1], unused)).errorCode).toBe('RCCS_N00-000');
    expect((await b.admin('GET', `/orders/${N1}`)).json).toMatchObject({ creditLimit: 100_000, cardStatus: 22 });
    expect((await b.admin('GET', `/ledger?orderNumber=${N1}`)).json.entries.map((e: { op: string }) => e.op)).toEqual(['authori', 'sales']);
    const late = new SimClient(b.sim, { shopUrl: 'late-shop', userName: 'u', authKey: 'late-key' });
    expect(await late.requestId()).toBeGreaterThan(unused);
  });
});
