import { Agent, request } from 'undici';
import { closedLoop } from './measure';

const NS = 'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:r="http://orderapi.rms.rakuten.co.jp/rccsapi-services/RCCSAPI" xmlns:e="java:jp.co.rakuten.rms.mall.rccsapi.model.entity" xmlns:b="java:language_builtins"';

export interface BenchShop {
  shopUrl: string;
  userName: string;
  authKey: string;
}

const auth = (s: BenchShop) =>
  `<r:userAuthModel><e:authKey>${s.authKey}</e:authKey><e:shopUrl>${s.shopUrl}</e:shopUrl><e:userName>${s.userName}</e:userName></r:userAuthModel>`;
const envelope = (body: string) => `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope ${NS}><soap:Body>${body}</soap:Body></soap:Envelope>`;

/**
 * B3: raw keep-alive HTTP against the simulator with real SOAP envelopes (no client library): per loop
 * getRCCSRequestId → authori with `batchSize` orders → getRCCSResult. Returns card-API calls per second.
 */
export async function baselineHttp(soapUrl: string, shop: BenchShop, durationMs: number, batchSize: number, concurrency = 8): Promise<number> {
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 10_000 });
  let serial = 0;
  const call = async (xml: string): Promise<string> => {
    const res = await request(soapUrl, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'text/xml; charset=UTF-8', soapaction: '""' },
      body: xml,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    return text;
  };
  try {
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    // order numbers of their own (shop 999001) so the baseline never touches the bench's orders
    const { perSecond } = await closedLoop(concurrency, durationMs, async () => {
      const idXml = await call(envelope(`<r:getRCCSRequestId>${auth(shop)}</r:getRCCSRequestId>`));
      const requestId = /<requestId>(\d+)<\/requestId>/.exec(idXml)?.[1];
      if (!requestId) throw new Error(`no requestId in ${idXml.slice(0, 300)}`);
      const items = Array.from({ length: batchSize }, () => {
        const orderNumber = `999001-${day}-${String(++serial).padStart(10, '0')}`;
        return `<e:UiAuthoriRequestModel><e:helpItem xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/><e:orderNumber>${orderNumber}</e:orderNumber><e:payType>0</e:payType><e:price>1200</e:price></e:UiAuthoriRequestModel>`;
      }).join('');
      const submitted = await call(envelope(`<r:authori>${auth(shop)}<r:intVal>${requestId}</r:intVal><r:uiAuthoriRequestModels>${items}</r:uiAuthoriRequestModels></r:authori>`));
      if (!/<errorCode>RCCS_N00-000<\/errorCode>/.test(submitted)) throw new Error(`B3: authori not accepted: ${submitted.slice(0, 400)}`);
      const result = await call(envelope(`<r:getRCCSResult>${auth(shop)}<r:ints><b:int>${requestId}</b:int></r:ints></r:getRCCSResult>`));
      if (!result.includes(`requestId>${requestId}</`)) throw new Error(`B3: getRCCSResult without the request: ${result.slice(0, 400)}`);
    });
    // measured duration (the last loops end after the deadline), three card-API calls per loop
    return perSecond * 3;
  } finally {
    await agent.close();
  }
}
