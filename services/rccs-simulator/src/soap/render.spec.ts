import * as samples from '../../test/fixtures/spec-samples';
import { CardStatusCodes, LIMIT_EXCEEDED_MESSAGE } from '../domain/codes';
import type { ResultRecord } from '../domain/types';
import { renderFault } from './fault';
import { renderReply, renderRequestId, renderResult, renderResultAll } from './render';
import { parseXml } from './xml';

const codes = new CardStatusCodes();
/** The spec samples are indented; the simulator writes no whitespace between tags and adds an XML declaration. */
const normalize = (xml: string) =>
  xml
    .replace(/^<\?xml[^>]*\?>/, '')
    .replace(/>\s+</g, '><')
    .replace(/\s+/g, ' ')
    .replace(/\s*(\/?>)/g, '$1')
    .trim();
const jst = (text: string) => new Date(text);

function result(overrides: Partial<ResultRecord>): ResultRecord {
  return {
    requestId: 200004512,
    seq: 0,
    shopUrl: 'example-shop',
    op: 'authori',
    orderNumber: '',
    helpItem: '',
    payType: 0,
    price: 0,
    brandName: null,
    cardNo: null,
    ownerName: null,
    expYM: null,
    companyName: '楽天カード',
    cardImstCount: 0,
    cardState: null,
    stateBefore: 'unauthorized',
    approvalNumber: '0000000',
    transactionId: '',
    errorCode: 'RCCS_N00-000',
    ccsErrorCode: '000000',
    ccsErrorCodeDetail: null,
    message: '正常終了',
    createdAt: jst('2024-01-06T09:15:09+09:00'),
    regAt: null,
    ...overrides,
  };
}

describe('response rendering matches the spec samples byte for byte (modulo indentation)', () => {
  it('getRCCSRequestId', () => {
    expect(normalize(renderRequestId({ errorCode: 'RCCS_N00-000', message: '正常終了', requestId: 200004512 }))).toBe(normalize(samples.getRCCSRequestIdResponse));
  });

  it('authori (immediate acceptance)', () => {
    expect(normalize(renderReply('authori', { errorCode: 'RCCS_N00-000', message: '正常終了' }))).toBe(normalize(samples.authoriResponse));
  });

  it('getRCCSResult with one approved and one declined order', () => {
    const approved = result({
      approvalNumber: '0815273',
      brandName: 'MasterCard',
      cardNo: '****-****-****-4402',
      cardState: 'authorized',
      expYM: '2027/11',
      orderNumber: '123456-20240105-00000123',
      ownerName: 'HANAKO SATO',
      price: 5480,
      regAt: jst('2024-01-06T09:15:40+09:00'),
      transactionId: '24010609151288800000000003000200',
    });
    const declined = result({
      seq: 1,
      brandName: 'VISA',
      cardNo: '****-****-****-0077',
      cardState: 'authError',
      ccsErrorCode: '210G55',
      errorCode: 'RCCS_E22-822',
      expYM: '2026/02',
      helpItem: 'batch-7',
      message: LIMIT_EXCEEDED_MESSAGE,
      orderNumber: '123456-20240105-00000124',
      ownerName: 'ICHIRO SUZUKI',
      price: 1200,
      regAt: jst('2024-01-06T09:15:41+09:00'),
      transactionId: '24010609151301200000000003000300',
    });
    const xml = renderResult(
      {
        errorCode: 'RCCS_N00-000',
        message: '正常終了',
        statuses: [
          {
            errorCode: 'RCCS_N00-000',
            message: '正常終了',
            requestId: 200004512,
            count: 2,
            kind: 1,
            status: 3,
            startDate: jst('2024-01-06T09:15:09+09:00'),
            timeStamp: jst('2024-01-06T09:15:41+09:00'),
            results: [approved, declined],
          },
        ],
      },
      codes,
    );
    expect(normalize(xml)).toBe(normalize(samples.getRCCSResultResponse));
  });

  it('the JAX-WS style fault', () => {
    expect(normalize(renderFault({ code: 'Client', faultString: 'Cannot find dispatch method for {http://orderapi.rms.rakuten.co.jp/rccsapi-services/RCCSAPI}authorise' }))).toBe(
      normalize(samples.faultSample),
    );
  });
});

describe('response rendering details', () => {
  it('omits requestId when there is none (request-level errors)', () => {
    const el = parseXml(renderRequestId({ errorCode: 'RCCS_E01-001', message: '認証エラー' }));
    const resultEl = el.children[0].children[0].children[0];
    expect(resultEl.children.map((c) => [c.local, c.ns])).toEqual([
      ['errorCode', null],
      ['message', null],
    ]);
  });

  it('escapes markup in values and renders null strings as xsi:nil', () => {
    const xml = renderResultAll({ errorCode: 'RCCS_N00-000', message: '正常終了', results: [result({ helpItem: '<b>&"x\'', orderNumber: 'n' })] }, codes);
    expect(xml).toContain('<ns3:helpItem>&lt;b&gt;&amp;&quot;x&apos;</ns3:helpItem>');
    expect(xml).toContain('<ns3:brandName xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/>');
    const item = parseXml(xml).children[0].children[0].children[0].children[2].children[0];
    expect(item.local).toBe('UiRCCSResultModel');
    expect(item.children.find((c) => c.local === 'helpItem')?.text).toBe('<b>&"x\'');
  });

  it('renders a request still in progress with an empty result list, and unknown ids with nil dates', () => {
    const xml = renderResult(
      {
        errorCode: 'RCCS_N00-000',
        message: '正常終了',
        statuses: [
          { errorCode: 'RCCS_E02-001', message: 'x', requestId: 1, count: 0, kind: 0, status: 0, startDate: null, timeStamp: null, results: [] },
        ],
      },
      codes,
    );
    expect(xml).toContain('<ns3:rccsResults/>');
    expect(xml).toContain('<ns3:startDate xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/>');
  });
});
