import { type XElement, parseXml } from '../src/soap/xml';
import type { RunningSimulator } from '../src/bootstrap';

/** Test-side client: builds requests like the spec samples (any prefixes) and reads responses by local name. */

export const DEMO = { authKey: 'demo-auth-key', shopUrl: 'demo-shop', userName: 'demo-user' };
export type Auth = typeof DEMO;

const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const str = (name: string, v: string | null | undefined) => (v === null || v === undefined ? `<e:${name} xsi:nil="true"/>` : `<e:${name}>${esc(v)}</e:${name}>`);

export function envelope(body: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" ` +
    `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:r="http://orderapi.rms.rakuten.co.jp/rccsapi-services/RCCSAPI" ` +
    `xmlns:e="java:jp.co.rakuten.rms.mall.rccsapi.model.entity" xmlns:b="java:language_builtins"><soap:Body>${body}</soap:Body></soap:Envelope>`
  );
}

const authXml = (a: Auth) => `<r:userAuthModel>${str('authKey', a.authKey)}${str('shopUrl', a.shopUrl)}${str('userName', a.userName)}</r:userAuthModel>`;

export interface AuthoriItem {
  orderNumber: string;
  price: number;
  payType?: number;
  helpItem?: string | null;
}

export const xml = {
  getRCCSRequestId: (a: Auth) => envelope(`<r:getRCCSRequestId>${authXml(a)}</r:getRCCSRequestId>`),
  authori: (a: Auth, id: number, items: AuthoriItem[]) =>
    envelope(
      `<r:authori>${authXml(a)}<r:intVal>${id}</r:intVal><r:uiAuthoriRequestModels>` +
        items
          .map((i) => `<e:UiAuthoriRequestModel>${str('helpItem', i.helpItem)}${str('orderNumber', i.orderNumber)}<e:payType>${i.payType ?? 0}</e:payType><e:price>${i.price}</e:price></e:UiAuthoriRequestModel>`)
          .join('') +
        `</r:uiAuthoriRequestModels></r:authori>`,
    ),
  orders: (op: 'authoriCancel' | 'sales' | 'salesCancel', a: Auth, id: number, orderNumbers: string[]) => {
    const [list, item] = op === 'sales' ? ['uiSalesRequestModels', 'UiSalesRequestModel'] : ['uiCancelRequestModels', 'UiCancelRequestModel'];
    return envelope(
      `<r:${op}>${authXml(a)}<r:intVal>${id}</r:intVal><r:${list}>` +
        orderNumbers.map((n) => `<e:${item}>${str('helpItem', null)}${str('orderNumber', n)}</e:${item}>`).join('') +
        `</r:${list}></r:${op}>`,
    );
  },
  getRCCSResult: (a: Auth, ids: number[]) => envelope(`<r:getRCCSResult>${authXml(a)}<r:ints>${ids.map((i) => `<b:int>${i}</b:int>`).join('')}</r:ints></r:getRCCSResult>`),
  getRCCSResultAll: (a: Auth, s: { fromDate: string; toDate: string; cardStatus?: number; orderNumber?: string }) =>
    envelope(
      `<r:getRCCSResultAll>${authXml(a)}<r:uiRCCSResultSearchModel>${str('brandName', null)}<e:cardStatus>${s.cardStatus ?? -1}</e:cardStatus>` +
        `<e:fromDate>${s.fromDate}</e:fromDate>${str('helpItem', null)}${str('orderNumber', s.orderNumber ?? null)}${str('ownerName', null)}<e:payType/>` +
        `<e:toDate>${s.toDate}</e:toDate></r:uiRCCSResultSearchModel></r:getRCCSResultAll>`,
    ),
};

const XSI_NIL = '{http://www.w3.org/2001/XMLSchema-instance}nil';
type Fields = Record<string, string | null>;
export interface StatusEntry {
  results: Fields[];
  [field: string]: string | null | Fields[];
}

/** Leaf fields of an element: text, or null for xsi:nil. */
function fields(el: XElement): Fields {
  return Object.fromEntries(el.children.filter((c) => c.children.length === 0).map((c) => [c.local, c.attrs.get(XSI_NIL) === 'true' ? null : c.text]));
}

export interface SoapResponse {
  status: number;
  body: string;
  /** The `result` element, when the answer is not a fault. */
  result?: XElement;
  fault?: { faultcode: string; faultstring: string };
}

export class SimClient {
  constructor(
    readonly sim: RunningSimulator,
    readonly auth: Auth = DEMO,
  ) {}

  async post(body: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<SoapResponse> {
    const res = await fetch(this.sim.soapUrl, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""', ...headers }, body, signal });
    const text = await res.text();
    const out: SoapResponse = { status: res.status, body: text };
    const root = parseXml(text);
    const content = root.children[0].children[0];
    if (content.local === 'Fault') {
      const f = fields(content);
      out.fault = { faultcode: f.faultcode ?? '', faultstring: f.faultstring ?? '' };
    } else out.result = content.children[0];
    return out;
  }

  /** Request-level fields of the result. */
  async level(body: string): Promise<Fields> {
    const r = await this.post(body);
    if (!r.result) throw new Error(`expected a result, got HTTP ${r.status}: ${r.body}`);
    return fields(r.result);
  }

  async requestId(): Promise<number> {
    const f = await this.level(xml.getRCCSRequestId(this.auth));
    if (f.errorCode !== 'RCCS_N00-000') throw new Error(`getRCCSRequestId failed: ${f.errorCode}`);
    return Number(f.requestId);
  }

  async authori(items: AuthoriItem[], id?: number): Promise<{ id: number; errorCode: string | null }> {
    const requestId = id ?? (await this.requestId());
    const f = await this.level(xml.authori(this.auth, requestId, items));
    return { id: requestId, errorCode: f.errorCode };
  }

  async submit(op: 'authoriCancel' | 'sales' | 'salesCancel', orderNumbers: string[], id?: number): Promise<{ id: number; errorCode: string | null }> {
    const requestId = id ?? (await this.requestId());
    const f = await this.level(xml.orders(op, this.auth, requestId, orderNumbers));
    return { id: requestId, errorCode: f.errorCode };
  }

  /** getRCCSResult, flattened: request-level code plus one entry per status model with its result rows. */
  async result(ids: number[]): Promise<{ errorCode: string | null; statuses: StatusEntry[] }> {
    const r = await this.post(xml.getRCCSResult(this.auth, ids));
    if (!r.result) throw new Error(r.body);
    const list = r.result.children.find((c) => c.local === 'rccsRequestStatus');
    return {
      errorCode: fields(r.result).errorCode,
      statuses: (list?.children ?? []).map((st): StatusEntry => ({
        ...fields(st),
        results: (st.children.find((c) => c.local === 'rccsResults')?.children ?? []).map(fields),
      })),
    };
  }

  async status(id: number) {
    return (await this.result([id])).statuses[0];
  }

  async resultAll(search: Parameters<typeof xml.getRCCSResultAll>[1]): Promise<{ errorCode: string | null; results: Fields[] }> {
    const r = await this.post(xml.getRCCSResultAll(this.auth, search));
    if (!r.result) throw new Error(r.body);
    return { errorCode: fields(r.result).errorCode, results: (r.result.children.find((c) => c.local === 'rccsResults')?.children ?? []).map(fields) };
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const res = await fetch(`${this.sim.url}/admin${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  }
}

/** JST date (YYYY-MM-DD) of an instant, shifted by whole days. */
export function jstDay(date: Date, shiftDays = 0): string {
  return new Date(date.getTime() + 9 * 3600_000 + shiftDays * 86_400_000).toISOString().slice(0, 10);
}
