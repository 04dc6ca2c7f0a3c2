import type { AsyncOperation, Operation } from '../domain/types';
import { SoapFault, cannotDispatch, messageCreation } from './fault';
import { type ComplexType, type FieldDesc, type FieldType, OPERATION_REQUESTS, OP_NS, SOAP11_NS, SOAP12_NS } from './schema';
import { type XElement, XmlError, isNil, parseXml } from './xml';

export interface AuthInput {
  authKey: string | null;
  shopUrl: string | null;
  userName: string | null;
}

export interface ItemInput {
  orderNumber: string | null;
  helpItem: string | null;
  /** null when absent, nil or empty */
  payType: number | null;
  price: number | null;
}

export interface SearchInput {
  brandName: string | null;
  cardStatus: number | null;
  fromDate: string | null;
  helpItem: string | null;
  orderNumber: string | null;
  ownerName: string | null;
  payType: number | null;
  toDate: string | null;
}

export type SoapRequest =
  | { op: 'getRCCSRequestId'; auth: AuthInput | null }
  | { op: AsyncOperation; auth: AuthInput | null; intVal: number | null; items: (ItemInput | null)[] | null }
  | { op: 'getRCCSResult'; auth: AuthInput | null; ids: (number | null)[] | null }
  | { op: 'getRCCSResultAll'; auth: AuthInput | null; search: SearchInput | null };

export interface ParseOptions {
  /** Elements must come in WSDL (alphabetical) order. */
  strictOrder: boolean;
  /** Unknown elements (or known names in a wrong namespace) are refused instead of ignored. */
  strictUnknownElements: boolean;
}

type Bound = string | number | null | undefined | { [k: string]: Bound } | Bound[];

const INT_RE = /^[+-]?\d+$/;

function unexpected(el: XElement, expected: FieldDesc[]): SoapFault {
  const list = expected.map((f) => `<{${f.ns}}${f.name}>`).join(',');
  return new SoapFault(
    'Client',
    `Unmarshalling Error: unexpected element (uri:"${el.ns ?? ''}", local:"${el.local}"). Expected elements are ${list || '(none)'}`,
  );
}

function bindField(el: XElement, type: FieldType, opts: ParseOptions): Bound {
  if (isNil(el)) return null;
  switch (type.kind) {
    case 'string':
      return el.children.length ? '' : el.text;
    case 'int': {
      const t = el.text.trim();
      if (t === '') return null;
      const n = INT_RE.test(t) ? Number(t) : NaN;
      if (!Number.isSafeInteger(n) || n > 2147483647 || n < -2147483648) {
        throw new SoapFault('Client', `Unmarshalling Error: Not a number: ${t.slice(0, 40)}`);
      }
      return n;
    }
    case 'complex':
      return bindComplex(el, type.type, opts);
    case 'array': {
      const items: Bound[] = [];
      for (const child of el.children) {
        const nameOk = child.local === type.itemName && (!opts.strictUnknownElements || child.ns === type.itemNs);
        if (nameOk) items.push(bindField(child, type.item, opts));
        else if (opts.strictUnknownElements) throw unexpected(child, [{ name: type.itemName, ns: type.itemNs, type: type.item }]);
      }
      return items;
    }
  }
}

function bindComplex(el: XElement, type: ComplexType, opts: ParseOptions): { [k: string]: Bound } {
  const out: { [k: string]: Bound } = {};
  let last = -1;
  for (const child of el.children) {
    const index = type.fields.findIndex((f) => f.name === child.local && (!opts.strictUnknownElements || f.ns === child.ns));
    if (index < 0) {
      if (opts.strictUnknownElements) throw unexpected(child, type.fields.slice(last + 1));
      continue;
    }
    if (opts.strictOrder) {
      if (index <= last) throw unexpected(child, type.fields.slice(last + 1));
      last = index;
    }
    out[type.fields[index].name] = bindField(child, type.fields[index].type, opts);
  }
  return out;
}

const s = (v: Bound): string | null => (typeof v === 'string' ? v : null);
const n = (v: Bound): number | null => (typeof v === 'number' ? v : null);
const obj = (v: Bound): { [k: string]: Bound } | null => (v && typeof v === 'object' && !Array.isArray(v) ? v : null);

function toAuth(v: Bound): AuthInput | null {
  const o = obj(v);
  return o ? { authKey: s(o.authKey), shopUrl: s(o.shopUrl), userName: s(o.userName) } : null;
}

function toItem(v: Bound): ItemInput | null {
  const o = obj(v);
  return o ? { orderNumber: s(o.orderNumber), helpItem: s(o.helpItem), payType: n(o.payType), price: n(o.price) } : null;
}

/** Extracts the operation request from a SOAP 1.1 envelope, or throws a {@link SoapFault}. */
export function parseSoapRequest(xml: string, opts: ParseOptions): SoapRequest {
  let root: XElement;
  try {
    root = parseXml(xml);
  } catch (err) {
    if (err instanceof XmlError) throw messageCreation(err.message);
    throw messageCreation('unreadable document');
  }
  if (root.local !== 'Envelope' || root.ns !== SOAP11_NS) {
    const msg = `Couldn't create SOAP message. Expecting Envelope in namespace ${SOAP11_NS}, but got ${root.ns ?? ''}`;
    throw new SoapFault(root.local === 'Envelope' && root.ns === SOAP12_NS ? 'VersionMismatch' : 'Client', msg);
  }
  let body: XElement | undefined;
  for (const part of root.children) {
    if (part.ns !== SOAP11_NS) continue;
    if (part.local === 'Header') {
      const refused = part.children.filter((h) => ['1', 'true'].includes((h.attrs.get(`{${SOAP11_NS}}mustUnderstand`) ?? '').trim()));
      if (refused.length) {
        throw new SoapFault('MustUnderstand', `MustUnderstand headers:[${refused.map((h) => `{${h.ns ?? ''}}${h.local}`).join(', ')}] are not understood`);
      }
    } else if (part.local === 'Body') body = part;
  }
  if (!body) throw cannotDispatch(null, null);
  if (body.children.length !== 1) throw cannotDispatch(body.children[0]?.ns ?? null, body.children[0]?.local ?? null);
  const wrapper = body.children[0];
  const shape = wrapper.ns === OP_NS ? OPERATION_REQUESTS[wrapper.local] : undefined;
  if (!shape || !Object.prototype.hasOwnProperty.call(OPERATION_REQUESTS, wrapper.local)) throw cannotDispatch(wrapper.ns, wrapper.local);
  const op = wrapper.local as Operation;
  const v = bindComplex(wrapper, shape, opts);
  const auth = toAuth(v.userAuthModel);
  switch (op) {
    case 'getRCCSRequestId':
      return { op, auth };
    case 'getRCCSResult': {
      const ints = v.ints;
      return { op, auth, ids: Array.isArray(ints) ? ints.map(n) : null };
    }
    case 'getRCCSResultAll': {
      const o = obj(v.uiRCCSResultSearchModel);
      const search: SearchInput | null = o
        ? {
            brandName: s(o.brandName),
            cardStatus: n(o.cardStatus),
            fromDate: s(o.fromDate),
            helpItem: s(o.helpItem),
            orderNumber: s(o.orderNumber),
            ownerName: s(o.ownerName),
            payType: n(o.payType),
            toDate: s(o.toDate),
          }
        : null;
      return { op, auth, search };
    }
    default: {
      const listName = shape.fields[2].name;
      const list = v[listName];
      return { op, auth, intVal: n(v.intVal), items: Array.isArray(list) ? list.map(toItem) : null };
    }
  }
}
