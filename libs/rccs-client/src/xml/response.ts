import type { RccsSoapFault } from '../errors';
import type {
  AsyncReplyValue,
  RccsOperation,
  RccsOrderResult,
  RccsRequestStatus,
  RccsUnitError,
  RequestIdValue,
  RequestResultValue,
  ResultSearchValue,
} from '../types';
import { parseRccsDateTime, parseRccsInt } from '../values';
import { child, childrenNamed, isNil, parseXmlDocument, XmlDocumentError, type XmlNode } from './parse';

/** The response is XML but not a usable RCCS response; mapped to `malformed-response`. */
export class ResponseShapeError extends XmlDocumentError {}

/** Parsed SOAP body: either a fault or the operation's `result` element. */
export type SoapBody = { fault: RccsSoapFault } | { result: XmlNode };

/** WSDL (alphabetical) field order of the response types, used by the strict order check. */
const RESULT_ORDER = ['errorCode', 'message', 'rccsRequestStatus', 'rccsResults', 'requestId', 'unitError', 'unitErrors'];
const STATUS_ORDER = ['count', 'errorCode', 'kind', 'message', 'rccsResults', 'requestId', 'startDate', 'status', 'timeStamp'];
const ORDER_RESULT_ORDER = [
  'approvalNumber', 'brandName', 'cardImstCount', 'cardNo', 'cardStatus', 'ccsErrorCode', 'ccsErrorCodeDetail',
  'companyName', 'errorCode', 'eventDate', 'expYM', 'helpItem', 'message', 'orderNumber', 'ownerName', 'payType',
  'price', 'regDate', 'transactionId',
];

/** Options of the response mappers. */
export interface ParseOptions {
  /** Reject known fields that appear out of WSDL order. */
  readonly strictOrder?: boolean;
}

/** Parses a SOAP envelope (namespace-agnostic) into a fault or the `{operation}Response/result` element. */
export function parseSoapBody(xml: string, operation: RccsOperation): SoapBody {
  const root = parseXmlDocument(xml);
  if (root.name !== 'Envelope') throw new ResponseShapeError(`root element is <${root.name}>, expected a SOAP Envelope`);
  const body = child(root, 'Body');
  if (!body) throw new ResponseShapeError('SOAP Body missing');
  const fault = child(body, 'Fault');
  if (fault) {
    return {
      fault: {
        faultCode: child(fault, 'faultcode')?.text.trim() ?? '',
        faultString: child(fault, 'faultstring')?.text.trim() ?? '',
      },
    };
  }
  const wrapper = child(body, `${operation}Response`);
  if (!wrapper) throw new ResponseShapeError(`<${operation}Response> missing from SOAP Body`);
  const result = child(wrapper, 'result');
  if (!result) throw new ResponseShapeError(`<result> missing from <${operation}Response>`);
  return { result };
}

/** Tries to read a SOAP fault from any body (e.g. a non-200 response); `undefined` when there is none. */
export function tryParseFault(xml: string): RccsSoapFault | undefined {
  try {
    const root = parseXmlDocument(xml);
    const fault = child(child(root, 'Body'), 'Fault');
    return fault ? { faultCode: child(fault, 'faultcode')?.text.trim() ?? '', faultString: child(fault, 'faultstring')?.text.trim() ?? '' } : undefined;
  } catch {
    return undefined;
  }
}

function str(node: XmlNode, name: string): string | null {
  const c = child(node, name);
  return !c || isNil(c) ? null : c.text;
}

function requiredStr(node: XmlNode, name: string, where: string): string {
  const value = str(node, name);
  if (value === null) throw new ResponseShapeError(`<${name}> missing in ${where}`);
  return value;
}

function int(node: XmlNode, name: string, where: string): number | null {
  const c = child(node, name);
  if (!c || isNil(c) || c.text.trim() === '') return null;
  const n = parseRccsInt(c.text);
  if (n === undefined) throw new ResponseShapeError(`<${name}> in ${where} is not an int`);
  return n;
}

function date(node: XmlNode, name: string, where: string): Date | null {
  const c = child(node, name);
  if (!c || isNil(c) || c.text.trim() === '') return null;
  const d = parseRccsDateTime(c.text);
  if (!d) throw new ResponseShapeError(`<${name}> in ${where} is not a dateTime`);
  return d;
}

function checkOrder(node: XmlNode, order: readonly string[], where: string, options: ParseOptions): void {
  if (!options.strictOrder) return;
  let last = -1;
  for (const c of node.children) {
    const index = order.indexOf(c.name);
    if (index === -1) continue;
    if (index < last) throw new ResponseShapeError(`<${c.name}> out of order in ${where}`);
    last = index;
  }
}

/** Request-level `errorCode` and `message` of any result. */
export function readResultHeader(result: XmlNode, options: ParseOptions = {}): { errorCode: string; message: string | null } {
  checkOrder(result, RESULT_ORDER, 'result', options);
  const errorCode = requiredStr(result, 'errorCode', 'result').trim();
  if (!errorCode) throw new ResponseShapeError('<errorCode> empty in result');
  return { errorCode, message: str(result, 'message') };
}

/** getRCCSRequestId value (`UiRequestIdModel`). */
export function readRequestId(result: XmlNode): RequestIdValue {
  const requestId = int(result, 'requestId', 'result');
  if (requestId === null) throw new ResponseShapeError('<requestId> missing in a successful getRCCSRequestId result');
  return { requestId };
}

/** Asynchronous reply value (`UiRCCSReplyModel`): optional requestId echo and unit errors. */
export function readAsyncReply(result: XmlNode): AsyncReplyValue {
  const unitNodes = [
    ...result.children.flatMap((c) => childrenNamed(c, 'UnitErrorModel')),
    ...childrenNamed(result, 'unitError').filter((n) => child(n, 'errorCode') !== undefined),
  ];
  const unitErrors: RccsUnitError[] = unitNodes.map((n) => ({
    apiName: str(n, 'apiName'),
    errorCode: str(n, 'errorCode'),
    message: str(n, 'message'),
    orderKey: str(n, 'orderKey') ?? str(n, 'orderNumber'),
  }));
  return { requestId: int(result, 'requestId', 'result'), unitErrors };
}

/** One `UiRCCSResultModel`. */
export function readOrderResult(node: XmlNode, options: ParseOptions = {}): RccsOrderResult {
  const where = 'UiRCCSResultModel';
  checkOrder(node, ORDER_RESULT_ORDER, where, options);
  return {
    approvalNumber: str(node, 'approvalNumber'),
    brandName: str(node, 'brandName'),
    cardImstCount: int(node, 'cardImstCount', where),
    cardNo: str(node, 'cardNo'),
    cardStatus: int(node, 'cardStatus', where),
    ccsErrorCode: str(node, 'ccsErrorCode'),
    ccsErrorCodeDetail: str(node, 'ccsErrorCodeDetail'),
    companyName: str(node, 'companyName'),
    errorCode: requiredStr(node, 'errorCode', where).trim(),
    eventDate: date(node, 'eventDate', where),
    expYM: str(node, 'expYM'),
    helpItem: str(node, 'helpItem'),
    message: str(node, 'message'),
    orderNumber: requiredStr(node, 'orderNumber', where),
    ownerName: str(node, 'ownerName'),
    payType: int(node, 'payType', where),
    price: int(node, 'price', where),
    regDate: date(node, 'regDate', where),
    transactionId: str(node, 'transactionId'),
  };
}

function readOrderResults(container: XmlNode | undefined, options: ParseOptions): RccsOrderResult[] {
  return childrenNamed(container, 'UiRCCSResultModel').map((n) => readOrderResult(n, options));
}

/** getRCCSResult value: one entry per `UiRCCSRequestStatusModel`. */
export function readRequestResult(result: XmlNode, options: ParseOptions = {}): RequestResultValue {
  const requests = childrenNamed(child(result, 'rccsRequestStatus'), 'UiRCCSRequestStatusModel').map((n): RccsRequestStatus => {
    const where = 'UiRCCSRequestStatusModel';
    checkOrder(n, STATUS_ORDER, where, options);
    const requestId = int(n, 'requestId', where);
    if (requestId === null) throw new ResponseShapeError(`<requestId> missing in ${where}`);
    return {
      requestId,
      count: int(n, 'count', where),
      errorCode: str(n, 'errorCode'),
      kind: int(n, 'kind', where),
      message: str(n, 'message'),
      status: int(n, 'status', where),
      startDate: date(n, 'startDate', where),
      timeStamp: date(n, 'timeStamp', where),
      results: readOrderResults(child(n, 'rccsResults'), options),
    };
  });
  return { requests };
}

/** getRCCSResultAll value. */
export function readResultSearch(result: XmlNode, options: ParseOptions = {}): ResultSearchValue {
  return { results: readOrderResults(child(result, 'rccsResults'), options) };
}
