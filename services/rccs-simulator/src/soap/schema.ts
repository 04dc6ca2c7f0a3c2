/**
 * The message shapes of the seven operations (spec §4–§5), as data: wire names, namespaces and the
 * alphabetical sequence order. The request binder and the WSDL consistency test both read these.
 */

export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
/** Operation ("tns") namespace. */
export const OP_NS = 'http://orderapi.rms.rakuten.co.jp/rccsapi-services/RCCSAPI';
/** Entity namespace: model fields and list items. */
export const ENT_NS = 'java:jp.co.rakuten.rms.mall.rccsapi.model.entity';
/** Builtins namespace: `int` items of getRCCSResult's `ints`. */
export const BI_NS = 'java:language_builtins';

export type FieldType =
  | { kind: 'string' }
  | { kind: 'int' }
  | { kind: 'complex'; type: ComplexType }
  | { kind: 'array'; itemName: string; itemNs: string; item: FieldType };

export interface FieldDesc {
  name: string;
  ns: string;
  type: FieldType;
}

export interface ComplexType {
  name: string;
  fields: FieldDesc[];
}

const str: FieldType = { kind: 'string' };
const int: FieldType = { kind: 'int' };
const ent = (name: string, type: FieldType): FieldDesc => ({ name, ns: ENT_NS, type });
const op = (name: string, type: FieldType): FieldDesc => ({ name, ns: OP_NS, type });

export const USER_AUTH_MODEL: ComplexType = {
  name: 'UserAuthModel',
  fields: [ent('authKey', str), ent('shopUrl', str), ent('userName', str)],
};
export const UI_AUTHORI_REQUEST_MODEL: ComplexType = {
  name: 'UiAuthoriRequestModel',
  fields: [ent('helpItem', str), ent('orderNumber', str), ent('payType', int), ent('price', int)],
};
export const UI_SALES_REQUEST_MODEL: ComplexType = {
  name: 'UiSalesRequestModel',
  fields: [ent('helpItem', str), ent('orderNumber', str)],
};
export const UI_CANCEL_REQUEST_MODEL: ComplexType = {
  name: 'UiCancelRequestModel',
  fields: [ent('helpItem', str), ent('orderNumber', str)],
};
export const UI_RCCS_RESULT_SEARCH_MODEL: ComplexType = {
  name: 'UiRCCSResultSearchModel',
  fields: [
    ent('brandName', str),
    ent('cardStatus', int),
    ent('fromDate', str),
    ent('helpItem', str),
    ent('orderNumber', str),
    ent('ownerName', str),
    ent('payType', int),
    ent('toDate', str),
  ],
};

const list = (itemType: ComplexType): FieldType => ({ kind: 'array', itemName: itemType.name, itemNs: ENT_NS, item: { kind: 'complex', type: itemType } });
const userAuth = op('userAuthModel', { kind: 'complex', type: USER_AUTH_MODEL });
const intVal = op('intVal', int);

/** Request wrapper elements (operation namespace) and their children. */
export const OPERATION_REQUESTS: Record<string, ComplexType> = {
  getRCCSRequestId: { name: 'getRCCSRequestId', fields: [userAuth] },
  authori: { name: 'authori', fields: [userAuth, intVal, op('uiAuthoriRequestModels', list(UI_AUTHORI_REQUEST_MODEL))] },
  authoriCancel: { name: 'authoriCancel', fields: [userAuth, intVal, op('uiCancelRequestModels', list(UI_CANCEL_REQUEST_MODEL))] },
  sales: { name: 'sales', fields: [userAuth, intVal, op('uiSalesRequestModels', list(UI_SALES_REQUEST_MODEL))] },
  salesCancel: { name: 'salesCancel', fields: [userAuth, intVal, op('uiCancelRequestModels', list(UI_CANCEL_REQUEST_MODEL))] },
  getRCCSResult: { name: 'getRCCSResult', fields: [userAuth, op('ints', { kind: 'array', itemName: 'int', itemNs: BI_NS, item: int })] },
  getRCCSResultAll: {
    name: 'getRCCSResultAll',
    fields: [userAuth, op('uiRCCSResultSearchModel', { kind: 'complex', type: UI_RCCS_RESULT_SEARCH_MODEL })],
  },
};

/** Field order of the response models (spec §4.2–§4.4), used by the renderer and checked against the WSDL. */
export const RESPONSE_FIELDS = {
  UiRequestIdModel: ['errorCode', 'message', 'requestId'],
  UiRCCSReplyModel: ['errorCode', 'message'],
  UiRCCSRequestResultModel: ['errorCode', 'message', 'rccsRequestStatus'],
  UiRCCSResultSearchResultModel: ['errorCode', 'message', 'rccsResults'],
  UiRCCSRequestStatusModel: ['count', 'errorCode', 'kind', 'message', 'rccsResults', 'requestId', 'startDate', 'status', 'timeStamp'],
  UiRCCSResultModel: [
    'approvalNumber',
    'brandName',
    'cardImstCount',
    'cardNo',
    'cardStatus',
    'ccsErrorCode',
    'ccsErrorCodeDetail',
    'companyName',
    'errorCode',
    'eventDate',
    'expYM',
    'helpItem',
    'message',
    'orderNumber',
    'ownerName',
    'payType',
    'price',
    'regDate',
    'transactionId',
  ],
} as const;
