import { type TestDatabase, createTestDatabase } from '@rcp/testing';
import { type RunningSimulator, startSimulator } from '../src/bootstrap';
import { SimClient, xml } from './sim-client';

const N = (i: number) => `338459-20240105-${String(i).padStart(8, '0')}`;
let db: TestDatabase;
let sim: RunningSimulator;
let c: SimClient;

beforeAll(async () => {
  db = await createTestDatabase('rcp_sim_faults');
  sim = await startSimulator({
    env: { SIM_FAULTS: JSON.stringify([{ id: 'boot', type: 'busy', operations: ['getRCCSResultAll'], count: 1 }]) },
    config: { port: 0, host: '127.0.0.1', store: 'postgres', databaseUrl: db.url, settings: { processingDelayMs: 0 } },
  });
  c = new SimClient(sim);
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

async function fault(rule: object) {
  const r = await c.admin('POST', '/faults', rule);
  expect(r.status).toBe(201);
  return r.json as { id: string };
}

describe('fault injection', () => {
  it('applies faults configured in the environment at start (then they can be reset)', async () => {
    expect((await c.admin('GET', '/faults')).json).toEqual([{ id: 'boot', type: 'busy', operations: ['getRCCSResultAll'], count: 1, fired: 0 }]);
    const busy = await c.resultAll({ fromDate: '2024-01-01', toDate: '2024-01-02' });
    expect(busy.errorCode).toBe('RCCS_E99-999');
    expect((await c.resultAll({ fromDate: '2024-01-01', toDate: '2024-01-02' })).errorCode).toBe('RCCS_N00-000');
    await c.admin('POST', '/reset');
    expect((await c.admin('GET', '/faults')).json[0]).toMatchObject({ id: 'boot', count: 1, fired: 0 });
    await c.admin('DELETE', '/faults');
    expect((await c.admin('GET', '/faults')).json).toEqual([]);
  });

  describe('with a clean slate', () => {
    beforeEach(async () => {
      await c.admin('POST', '/reset');
      await c.admin('DELETE', '/faults');
    });

    it('answers HTTP 500 S:Server before registering (count 1), then recovers', async () => {
      await fault({ type: 'http500', operations: ['authori'], count: 1, faultString: 'java.lang.NullPointerException' });
      const id = await c.requestId();
      const r = await c.post(xml.authori(c.auth, id, [{ orderNumber: N(1), price: 10 }]));
      expect([r.status, r.fault]).toEqual([500, { faultcode: 'S:Server', faultstring: 'java.lang.NullPointerException' }]);
      expect((await c.status(id)).status).toBe('0');
      expect((await c.authori([{ orderNumber: N(1), price: 10 }], id)).errorCode).toBe('RCCS_N00-000');
      expect((await c.status(id)).status).toBe('3');
    });

    it('answers HTTP 500 after registering when asked (an ambiguous failure)', async () => {
      await fault({ type: 'http500', operations: ['sales'], phase: 'after' });
      await c.authori([{ orderNumber: N(1), price: 10 }]);
      const id = await c.requestId();
      expect((await c.post(xml.orders('sales', c.auth, id, [N(1)]))).status).toBe(500);
      const st = await c.status(id);
      expect(st).toMatchObject({ status: '3', kind: '2' });
      expect(st.results[0]).toMatchObject({ orderNumber: N(1), cardStatus: '22' });
    });

    it('fails only requests carrying a given order number', async () => {
      await fault({ type: 'http500', orderNumbers: [N(2)] });
      expect((await c.post(xml.authori(c.auth, await c.requestId(), [{ orderNumber: N(1), price: 1 }, { orderNumber: N(2), price: 1 }]))).status).toBe(500);
      expect((await c.authori([{ orderNumber: N(1), price: 1 }])).errorCode).toBe('RCCS_N00-000');
      expect((await c.post(xml.getRCCSRequestId(c.auth))).status).toBe(200);
    });

    it('fails at the configured rate', async () => {
      await fault({ type: 'http500', operations: ['getRCCSRequestId'], rate: 0 });
      for (let i = 0; i < 5; i++) expect((await c.post(xml.getRCCSRequestId(c.auth))).status).toBe(200);
      await c.admin('PUT', '/faults', [{ type: 'http500', operations: ['getRCCSRequestId'], rate: 1 }]);
      for (let i = 0; i < 3; i++) expect((await c.post(xml.getRCCSRequestId(c.auth))).status).toBe(500);
      expect((await c.admin('GET', '/faults')).json[0].fired).toBe(3);
    });

    it('slows responses down by the configured delay', async () => {
      await fault({ type: 'delay', delayMs: 400, operations: ['getRCCSRequestId'] });
      const started = Date.now();
      expect((await c.post(xml.getRCCSRequestId(c.auth))).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(390);
      await c.result([1]);
      expect((await c.admin('GET', '/faults')).json[0].fired).toBe(1); // getRCCSResult was not delayed
    });

    it('hangs without answering (and without registering), while other requests still work', async () => {
      const { id } = await fault({ type: 'hang', operations: ['authori'] });
      const requestId = await c.requestId();
      await expect(c.post(xml.authori(c.auth, requestId, [{ orderNumber: N(1), price: 1 }]), {}, AbortSignal.timeout(400))).rejects.toThrow();
      expect((await c.status(requestId)).status).toBe('0');
      await c.admin('DELETE', `/faults/${id}`);
      expect((await c.authori([{ orderNumber: N(1), price: 1 }], requestId)).errorCode).toBe('RCCS_N00-000');
    });

    it('drops the connection after registering the operation, so only a poll tells what happened', async () => {
      await fault({ type: 'drop', operations: ['authori'], count: 1 });
      const requestId = await c.requestId();
      await expect(c.post(xml.authori(c.auth, requestId, [{ orderNumber: N(1), price: 1 }]))).rejects.toThrow();
      const st = await c.status(requestId);
      expect(st).toMatchObject({ status: '3', kind: '1', count: '1' });
      expect(st.results[0].cardStatus).toBe('12');
      expect((await c.authori([{ orderNumber: N(2), price: 1 }], requestId)).errorCode).toBe('RCCS_E02-001');
    });

    it('answers a system-busy request-level code without consuming the request id', async () => {
      await fault({ type: 'busy', operations: ['authori'], count: 1 });
      const requestId = await c.requestId();
      expect((await c.authori([{ orderNumber: N(1), price: 1 }], requestId)).errorCode).toBe('RCCS_E99-999');
      expect((await c.status(requestId)).status).toBe('0');
      await fault({ type: 'busy', operations: ['getRCCSRequestId'], errorCode: 'RCCS_E98-001', message: '混雑中', count: 1 });
      const r = await c.post(xml.getRCCSRequestId(c.auth));
      expect(r.result!.children.map((x) => [x.local, x.text])).toEqual([
        ['errorCode', 'RCCS_E98-001'],
        ['message', '混雑中'],
      ]);
    });

    it('keeps a request in progress forever for a given order until it is released', async () => {
      await fault({ type: 'stuck', operations: ['authori'], orderNumbers: [N(2)] });
      const stuck = await c.authori([{ orderNumber: N(2), price: 1 }]);
      const normal = await c.authori([{ orderNumber: N(1), price: 1 }]);
      await c.admin('POST', '/clock', { advanceMs: 86_400_000 });
      expect(await c.status(stuck.id)).toMatchObject({ status: '2', results: [] });
      expect((await c.status(normal.id)).status).toBe('3');
      expect((await c.admin('GET', `/orders/${N(2)}`)).json).toMatchObject({ visibleCardStatus: 11, inProgress: true });
      const blocked = await c.submit('authoriCancel', [N(2)]);
      expect((await c.status(blocked.id)).results[0]).toMatchObject({ errorCode: 'RCCS_E21-002' });
      expect((await c.admin('POST', `/requests/${stuck.id}/complete`)).json).toMatchObject({ status: 3, stuck: false });
      const done = await c.status(stuck.id);
      expect(done.status).toBe('3');
      expect(done.results[0].cardStatus).toBe('12');
    });

    it('refuses invalid fault definitions with the field named', async () => {
      const r = await c.admin('POST', '/faults', { type: 'delay' });
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.json.message)).toContain('delayMs');
      expect((await c.admin('POST', '/faults', { type: 'http500', rate: 1.5 })).status).toBe(400);
      expect((await c.admin('DELETE', '/faults/nope')).status).toBe(404);
    });
  });
});
