import { RCCS_BUILTINS_NS, RCCS_ENTITY_NS, RCCS_OPERATION_NS, SOAP_ENV_NS, XSI_NS } from '../namespaces';
import type {
  AuthoriRequestItem,
  CancelRequestItem,
  RccsCredentials,
  RccsOperation,
  RccsResultSearch,
  SalesRequestItem,
} from '../types';
import { escapeXml } from './escape';

/** A field value: string (escaped), number (decimal), `null` → `xsi:nil`, `''` → empty element. */
type FieldValue = string | number | null;

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

function el(prefix: string, name: string, content: string): string {
  return `<${prefix}:${name}>${content}</${prefix}:${name}>`;
}

function field(name: string, value: FieldValue): string {
  if (value === null) return `<e:${name} xsi:nil="true"/>`;
  return el('e', name, typeof value === 'number' ? String(value) : escapeXml(value));
}

/** Empty int element (`<e:payType/>`), the only accepted way to leave a search int unspecified [C]. */
function emptyField(name: string): string {
  return `<e:${name}/>`;
}

function userAuthModel(credentials: RccsCredentials): string {
  return el(
    'r',
    'userAuthModel',
    field('authKey', credentials.authKey) + field('shopUrl', credentials.shopUrl) + field('userName', credentials.userName),
  );
}

function envelope(operation: RccsOperation, body: string, extraNamespaces: { xsi?: boolean; builtins?: boolean }): string {
  const ns =
    `xmlns:soap="${SOAP_ENV_NS}"` +
    (extraNamespaces.xsi ? ` xmlns:xsi="${XSI_NS}"` : '') +
    ` xmlns:r="${RCCS_OPERATION_NS}" xmlns:e="${RCCS_ENTITY_NS}"` +
    (extraNamespaces.builtins ? ` xmlns:b="${RCCS_BUILTINS_NS}"` : '');
  return `${XML_DECLARATION}<soap:Envelope ${ns}><soap:Body>${el('r', operation, body)}</soap:Body></soap:Envelope>`;
}

/** getRCCSRequestId envelope (§5.1). */
export function buildGetRequestIdEnvelope(credentials: RccsCredentials): string {
  return envelope('getRCCSRequestId', userAuthModel(credentials), {});
}

/** authori envelope (§5.2): fields in WSDL (alphabetical) order helpItem, orderNumber, payType, price. */
export function buildAuthoriEnvelope(credentials: RccsCredentials, requestId: number, items: readonly AuthoriRequestItem[]): string {
  const models = items
    .map((i) =>
      el('e', 'UiAuthoriRequestModel', field('helpItem', i.helpItem ?? null) + field('orderNumber', i.orderNumber) + field('payType', i.payType) + field('price', i.price)),
    )
    .join('');
  return envelope('authori', userAuthModel(credentials) + el('r', 'intVal', String(requestId)) + el('r', 'uiAuthoriRequestModels', models), { xsi: true });
}

function orderItems(typeName: string, items: readonly (SalesRequestItem | CancelRequestItem)[]): string {
  return items.map((i) => el('e', typeName, field('helpItem', i.helpItem ?? null) + field('orderNumber', i.orderNumber))).join('');
}

/** sales envelope (§5.4). */
export function buildSalesEnvelope(credentials: RccsCredentials, requestId: number, items: readonly SalesRequestItem[]): string {
  return envelope(
    'sales',
    userAuthModel(credentials) + el('r', 'intVal', String(requestId)) + el('r', 'uiSalesRequestModels', orderItems('UiSalesRequestModel', items)),
    { xsi: true },
  );
}

/** authoriCancel / salesCancel envelope (§5.3, §5.5): identical bodies, different wrapper. */
export function buildCancelEnvelope(
  operation: 'authoriCancel' | 'salesCancel',
  credentials: RccsCredentials,
  requestId: number,
  items: readonly CancelRequestItem[],
): string {
  return envelope(
    operation,
    userAuthModel(credentials) + el('r', 'intVal', String(requestId)) + el('r', 'uiCancelRequestModels', orderItems('UiCancelRequestModel', items)),
    { xsi: true },
  );
}

/** getRCCSResult envelope (§5.6): `ints` holding `b:int` items. */
export function buildGetResultEnvelope(credentials: RccsCredentials, requestIds: readonly number[]): string {
  const ints = requestIds.map((id) => el('b', 'int', String(id))).join('');
  return envelope('getRCCSResult', userAuthModel(credentials) + el('r', 'ints', ints), { builtins: true });
}

/** getRCCSResultAll envelope (§5.7). Dates must already be `YYYY-MM-DD`. */
export function buildGetResultAllEnvelope(
  credentials: RccsCredentials,
  search: RccsResultSearch & { fromDate: string; toDate: string },
): string {
  const payType = search.payType === null || search.payType === undefined ? emptyField('payType') : field('payType', search.payType);
  const model =
    field('brandName', search.brandName ?? null) +
    field('cardStatus', search.cardStatus ?? -1) +
    field('fromDate', search.fromDate) +
    field('helpItem', search.helpItem ?? null) +
    field('orderNumber', search.orderNumber ?? null) +
    field('ownerName', search.ownerName ?? null) +
    payType +
    field('toDate', search.toDate);
  return envelope('getRCCSResultAll', userAuthModel(credentials) + el('r', 'uiRCCSResultSearchModel', model), { xsi: true });
}
