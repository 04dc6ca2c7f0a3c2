import type { CardStatusCodes } from '../domain/codes';
import { formatJst, jstMidnight } from '../domain/time';
import type { Operation, ResultRecord } from '../domain/types';
import { BI_NS, ENT_NS, OP_NS } from './schema';
import { XSI_NS, escapeXml } from './xml';

/**
 * Responses in the real server's style (spec §2.2): `S:` envelope, `ns2:<op>Response/ns2:result`,
 * unqualified children of `result`, entity-namespace (`ns3:`) list items and their fields, `xsi:nil`
 * for nulls. Built as strings: fast, and the exact bytes are under control.
 */

export interface RequestLevel {
  errorCode: string;
  message: string;
}

/** One `UiRCCSRequestStatusModel`. */
export interface RequestStatusView extends RequestLevel {
  requestId: number;
  count: number;
  kind: number;
  status: number;
  startDate: Date | null;
  timeStamp: Date | null;
  results: ResultRecord[];
}

const NIL = ` xmlns:xsi="${XSI_NS}" xsi:nil="true"/>`;

function envelope(op: Operation, inner: string): string {
  return (
    `<?xml version='1.0' encoding='UTF-8'?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>` +
    `<ns2:${op}Response xmlns:ns2="${OP_NS}" xmlns:ns3="${ENT_NS}" xmlns:ns4="${BI_NS}">` +
    `<ns2:result>${inner}</ns2:result></ns2:${op}Response></S:Body></S:Envelope>`
  );
}

/** Unqualified child of `result`. */
const u = (name: string, value: string | number) => `<${name}>${typeof value === 'number' ? value : escapeXml(value)}</${name}>`;

/** Entity-namespace field; null → xsi:nil. */
function e(name: string, value: string | number | null): string {
  if (value === null) return `<ns3:${name}${NIL}`;
  if (value === '') return `<ns3:${name}/>`;
  return `<ns3:${name}>${typeof value === 'number' ? value : escapeXml(value)}</ns3:${name}>`;
}

const date = (d: Date | null) => (d ? formatJst(d) : null);

export function renderRequestId(r: RequestLevel & { requestId?: number }): string {
  return envelope('getRCCSRequestId', u('errorCode', r.errorCode) + u('message', r.message) + (r.requestId !== undefined ? u('requestId', r.requestId) : ''));
}

/** Immediate answer of authori / authoriCancel / sales / salesCancel (shape inferred, spec §5.2). */
export function renderReply(op: Operation, r: RequestLevel): string {
  return envelope(op, u('errorCode', r.errorCode) + u('message', r.message));
}

export function renderResultModel(r: ResultRecord, codes: CardStatusCodes): string {
  const regDate = r.regAt ?? r.createdAt;
  return (
    '<ns3:UiRCCSResultModel>' +
    e('approvalNumber', r.approvalNumber) +
    e('brandName', r.brandName) +
    e('cardImstCount', r.cardImstCount) +
    e('cardNo', r.cardNo) +
    e('cardStatus', r.cardState ? codes.code(r.cardState) : 0) +
    e('ccsErrorCode', r.ccsErrorCode) +
    e('ccsErrorCodeDetail', r.ccsErrorCodeDetail) +
    e('companyName', r.companyName) +
    e('errorCode', r.errorCode) +
    e('eventDate', formatJst(jstMidnight(regDate))) +
    e('expYM', r.expYM) +
    e('helpItem', r.helpItem) +
    e('message', r.message) +
    e('orderNumber', r.orderNumber) +
    e('ownerName', r.ownerName) +
    e('payType', r.payType) +
    e('price', r.price) +
    e('regDate', formatJst(regDate)) +
    e('transactionId', r.transactionId) +
    '</ns3:UiRCCSResultModel>'
  );
}

export function renderResult(r: RequestLevel & { statuses?: RequestStatusView[] }, codes: CardStatusCodes): string {
  let inner = u('errorCode', r.errorCode) + u('message', r.message);
  if (r.statuses) {
    inner += '<rccsRequestStatus>';
    for (const st of r.statuses) {
      inner +=
        '<ns3:UiRCCSRequestStatusModel>' +
        e('count', st.count) +
        e('errorCode', st.errorCode) +
        e('kind', st.kind) +
        e('message', st.message) +
        (st.results.length ? `<ns3:rccsResults>${st.results.map((x) => renderResultModel(x, codes)).join('')}</ns3:rccsResults>` : '<ns3:rccsResults/>') +
        e('requestId', st.requestId) +
        e('startDate', date(st.startDate)) +
        e('status', st.status) +
        e('timeStamp', date(st.timeStamp)) +
        '</ns3:UiRCCSRequestStatusModel>';
    }
    inner += '</rccsRequestStatus>';
  }
  return envelope('getRCCSResult', inner);
}

export function renderResultAll(r: RequestLevel & { results?: ResultRecord[] }, codes: CardStatusCodes): string {
  let inner = u('errorCode', r.errorCode) + u('message', r.message);
  if (r.results) inner += `<rccsResults>${r.results.map((x) => renderResultModel(x, codes)).join('')}</rccsResults>`;
  return envelope('getRCCSResultAll', inner);
}
