import * as soap from 'soap';
import { type TestDatabase, createTestDatabase } from '@rcp/testing';
import { type RunningSimulator, startSimulator } from '../src/bootstrap';
import { DEMO, jstDay } from './sim-client';

/**
 * A standard SOAP toolkit (the `soap` package) reads the served WSDL and calls all seven operations.
 * The simulator runs in its strictest mode (WSDL element order, no unknown elements, SOAPAction ""),
 * so the toolkit's requests prove the WSDL and the parser agree.
 */
const N1 = '338459-20240105-00000001';
const N2 = '338459-20240105-00000002';
let db: TestDatabase;
let sim: RunningSimulator;
let client: any;

beforeAll(async () => {
  db = await createTestDatabase('rcp_sim_soap');
  sim = await startSimulator({
    env: { SIM_STRICT_ORDER: 'true', SIM_STRICT_UNKNOWN_ELEMENTS: 'true', SIM_STRICT_SOAP_ACTION: 'true' },
    config: { port: 0, host: '127.0.0.1', store: 'postgres', databaseUrl: db.url, settings: { processingDelayMs: 0 } },
  });
  client = await soap.createClientAsync(`${sim.soapUrl}?wsdl`);
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

const auth = { userAuthModel: DEMO };
const newId = async (): Promise<number> => {
  const [r] = await client.getRCCSRequestIdAsync(auth);
  expect(r.result).toMatchObject({ errorCode: 'RCCS_N00-000', message: '正常終了' });
  return r.result.requestId;
};

describe('the soap package against the served WSDL', () => {
  it('sees the seven operations at the simulator address', () => {
    const desc = client.describe().RCCSApiService.RCCSApiServicePort;
    expect(Object.keys(desc)).toEqual(['getRCCSRequestId', 'authori', 'authoriCancel', 'sales', 'salesCancel', 'getRCCSResult', 'getRCCSResultAll']);
    expect(client.wsdl.definitions.services.RCCSApiService.ports.RCCSApiServicePort.location).toBe(sim.soapUrl);
  });

  it('calls every operation and parses the results', async () => {
    const id1 = await newId();
    expect(typeof id1).toBe('number');
    expect(client.lastEndpoint).toBe(sim.soapUrl);
    const [auth1] = await client.authoriAsync({
      ...auth,
      intVal: id1,
      uiAuthoriRequestModels: {
        UiAuthoriRequestModel: [
          { helpItem: null, orderNumber: N1, payType: 0, price: 5480 },
          { helpItem: 'batch-7', orderNumber: N2, payType: 0, price: 1200 },
        ],
      },
    });
    expect(auth1.result).toEqual({ errorCode: 'RCCS_N00-000', message: '正常終了' });

    const [res] = await client.getRCCSResultAsync({ ...auth, ints: { int: [id1] } });
    expect(res.result.errorCode).toBe('RCCS_N00-000');
    const status = [res.result.rccsRequestStatus.UiRCCSRequestStatusModel].flat()[0];
    expect(status).toMatchObject({ count: 2, kind: 1, requestId: id1, status: 3, errorCode: 'RCCS_N00-000' });
    expect(status.startDate).toBeInstanceOf(Date);
    const rows = [status.rccsResults.UiRCCSResultModel].flat();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ orderNumber: N1, cardStatus: 12, price: 5480, errorCode: 'RCCS_N00-000', ccsErrorCode: '000000', companyName: '楽天カード' });
    expect(rows[1]).toMatchObject({ orderNumber: N2, helpItem: 'batch-7' });
    expect(rows[0].regDate).toBeInstanceOf(Date);
    expect(rows[0].approvalNumber).toMatch(/^\d{7}$/);

    const [sales] = await client.salesAsync({ ...auth, intVal: await newId(), uiSalesRequestModels: { UiSalesRequestModel: [{ helpItem: null, orderNumber: N1 }] } });
    expect(sales.result.errorCode).toBe('RCCS_N00-000');
    const [salesCancel] = await client.salesCancelAsync({ ...auth, intVal: await newId(), uiCancelRequestModels: { UiCancelRequestModel: [{ helpItem: null, orderNumber: N1 }] } });
    expect(salesCancel.result.errorCode).toBe('RCCS_N00-000');
    const [authoriCancel] = await client.authoriCancelAsync({ ...auth, intVal: await newId(), uiCancelRequestModels: { UiCancelRequestModel: [{ helpItem: null, orderNumber: N2 }] } });
    expect(authoriCancel.result.errorCode).toBe('RCCS_N00-000');

    const today = jstDay(new Date());
    const [all] = await client.getRCCSResultAllAsync({
      ...auth,
      uiRCCSResultSearchModel: { brandName: null, cardStatus: -1, fromDate: today, helpItem: null, orderNumber: null, ownerName: null, payType: null, toDate: today },
    });
    expect(all.result.errorCode).toBe('RCCS_N00-000');
    const latest = [all.result.rccsResults.UiRCCSResultModel].flat();
    expect(latest.map((r: { orderNumber: string; cardStatus: number }) => [r.orderNumber, r.cardStatus])).toEqual([
      [N1, 42],
      [N2, 32],
    ]);
  });

  it('gets request-level codes for wrong credentials and a SOAP fault for transport-level failures', async () => {
    const [bad] = await client.getRCCSRequestIdAsync({ userAuthModel: { ...DEMO, authKey: 'nope' } });
    expect(bad.result).toEqual({ errorCode: 'RCCS_E01-001', message: '認証エラー' });
    await fetch(`${sim.url}/admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'http500', operations: ['getRCCSResult'], count: 1 }),
    });
    await expect(client.getRCCSResultAsync({ ...auth, ints: { int: [1] } })).rejects.toMatchObject({
      root: { Envelope: { Body: { Fault: { faultcode: 'S:Server' } } } },
    });
  });
});
