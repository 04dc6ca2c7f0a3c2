import { fixture } from '../../test/fixtures';
import { XmlDocumentError } from './parse';
import { parseSoapBody, readAsyncReply, readRequestId, readRequestResult, readResultHeader, readResultSearch, tryParseFault } from './response';

function result(xml: string, operation: Parameters<typeof parseSoapBody>[1]) {
  const body = parseSoapBody(xml, operation);
  if (!('result' in body)) throw new Error('expected a result');
  return body.result;
}

const envelope = (operation: string, inner: string) =>
  `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><ns2:${operation}Response xmlns:ns2="http://orderapi.rms.rakuten.co.jp/rccsapi-services/RCCSAPI" xmlns:ns3="java:jp.co.rakuten.rms.mall.rccsapi.model.entity"><ns2:result>${inner}</ns2:result></ns2:${operation}Response></S:Body></S:Envelope>`;

describe('spec sample responses', () => {
  it('getRCCSRequestId → errorCode, message, requestId as number', () => {
    const r = result(fixture('getRCCSRequestId.response.xml'), 'getRCCSRequestId');
    expect(readResultHeader(r)).toEqual({ errorCode: 'RCCS_N00-000', message: '正常終了' });
    expect(readRequestId(r)).toEqual({ requestId: 200004512 });
  });

  it('authori reply → accepted, no echo, no unit errors', () => {
    const r = result(fixture('authori.response.xml'), 'authori');
    expect(readResultHeader(r).errorCode).toBe('RCCS_N00-000');
    expect(readAsyncReply(r)).toEqual({ requestId: null, unitErrors: [] });
  });

  it('getRCCSResult → typed status with two per-order results', () => {
    const value = readRequestResult(result(fixture('getRCCSResult.response.xml'), 'getRCCSResult'), { strictOrder: true });
    expect(value.requests).toHaveLength(1);
    const [status] = value.requests;
    expect(status).toMatchObject({ requestId: 200004512, count: 2, kind: 1, status: 3, errorCode: 'RCCS_N00-000', message: '正常終了' });
    expect(status.startDate?.toISOString()).toBe('2024-01-06T00:15:09.000Z');
    expect(status.timeStamp?.toISOString()).toBe('2024-01-06T00:15:41.000Z');
    expect(status.results[0]).toEqual({
      approvalNumber: '0815273',
      brandName: 'MasterCard',
      cardImstCount: 0,
      cardNo: '****-****-****-4402',
      cardStatus: 12,
      ccsErrorCode: '000000',
      ccsErrorCodeDetail: null,
      companyName: '楽天カード',
      errorCode: 'RCCS_N00-000',
      eventDate: new Date('2024-01-05T15:00:00.000Z'),
      expYM: '2027/11',
      helpItem: '',
      message: '正常終了',
      orderNumber: '123456-20240105-00000123',
      ownerName: 'HANAKO SATO',
      payType: 0,
      price: 5480,
      regDate: new Date('2024-01-06T00:15:40.000Z'),
      transactionId: '24010609151288800000000003000200',
    });
    expect(status.results[1]).toMatchObject({
      cardStatus: 13,
      ccsErrorCode: '210G55',
      errorCode: 'RCCS_E22-822',
      helpItem: 'batch-7',
      message: '限度額オーバー：R-Card Plus クレジットサポートセンターへお問合せください。',
      price: 1200,
    });
  });

  it('getRCCSResultAll → results with decoded entities in strings', () => {
    const value = readResultSearch(result(fixture('getRCCSResultAll.response.xml'), 'getRCCSResultAll'));
    expect(value.results.map((r) => [r.orderNumber, r.cardStatus])).toEqual([
      ['338459-20180531-00000703', 12],
      ['338459-20180827-00000801', 42],
    ]);
    expect(value.results[1].helpItem).toBe('R&D <memo>');
  });

  it('SOAP fault sample → faultcode and faultstring', () => {
    expect(parseSoapBody(fixture('fault-client.xml'), 'authori')).toEqual({
      fault: {
        faultCode: 'S:Client',
        faultString: 'Cannot find dispatch method for {http://orderapi.rms.rakuten.co.jp/rccsapi-services/RCCSAPI}authorise',
      },
    });
    expect(tryParseFault('<html>502</html>')).toBeUndefined();
  });
});

describe('list normalisation, nil and namespaces', () => {
  const item = (order: string) =>
    `<ns3:UiRCCSResultModel><ns3:errorCode>RCCS_N00-000</ns3:errorCode><ns3:orderNumber>${order}</ns3:orderNumber></ns3:UiRCCSResultModel>`;

  it('a single item is an array of one; an empty or absent container is an empty array', () => {
    expect(readResultSearch(result(envelope('getRCCSResultAll', `<errorCode>RCCS_N00-000</errorCode><rccsResults>${item('A')}</rccsResults>`), 'getRCCSResultAll')).results).toHaveLength(1);
    expect(readResultSearch(result(envelope('getRCCSResultAll', '<errorCode>RCCS_N00-000</errorCode><rccsResults/>'), 'getRCCSResultAll')).results).toEqual([]);
    expect(readResultSearch(result(envelope('getRCCSResultAll', '<errorCode>RCCS_N00-000</errorCode>'), 'getRCCSResultAll')).results).toEqual([]);
  });

  it('maps xsi:nil and absent fields to null, empty elements to ""', () => {
    const xml = envelope(
      'getRCCSResultAll',
      `<errorCode>RCCS_N00-000</errorCode><rccsResults><ns3:UiRCCSResultModel xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><ns3:brandName i:nil="true"/><ns3:cardStatus i:nil="true"/><ns3:errorCode>RCCS_N00-000</ns3:errorCode><ns3:helpItem></ns3:helpItem><ns3:orderNumber>A</ns3:orderNumber><ns3:regDate i:nil="true"/></ns3:UiRCCSResultModel></rccsResults>`,
    );
    const [r] = readResultSearch(result(xml, 'getRCCSResultAll')).results;
    expect(r).toMatchObject({ brandName: null, cardStatus: null, helpItem: '', regDate: null, price: null, transactionId: null });
  });

  it('parses by local name whatever the prefixes', () => {
    const xml =
      '<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body><x:getRCCSRequestIdResponse xmlns:x="urn:any"><x:result><x:errorCode>RCCS_N00-000</x:errorCode><requestId> 42 </requestId></x:result></x:getRCCSRequestIdResponse></env:Body></env:Envelope>';
    expect(readRequestId(result(xml, 'getRCCSRequestId'))).toEqual({ requestId: 42 });
  });

  it('reads unit errors of an asynchronous reply (OrderAPI-like shape) and a requestId echo', () => {
    const xml = envelope(
      'sales',
      '<errorCode>RCCS_W00-000</errorCode><message>エラーあり</message><requestId>7</requestId><unitErrors><ns3:UnitErrorModel><ns3:errorCode>RCCS_E21-001</ns3:errorCode><ns3:message>受注番号エラー</ns3:message><ns3:orderKey>X</ns3:orderKey></ns3:UnitErrorModel></unitErrors>',
    );
    expect(readAsyncReply(result(xml, 'sales'))).toEqual({
      requestId: 7,
      unitErrors: [{ apiName: null, errorCode: 'RCCS_E21-001', message: '受注番号エラー', orderKey: 'X' }],
    });
  });
});

describe('hostile and malformed documents are rejected with XmlDocumentError, never crash', () => {
  const cases: Record<string, string> = {
    'DOCTYPE with entity expansion (billion laughs)':
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>&lol2;</S:Body></S:Envelope>',
    'external entity (XXE)': '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>',
    'lower-case doctype': '<!doctype x><x/>',
    'unclosed tag': '<S:Envelope><S:Body><a></S:Body></S:Envelope>',
    'not XML at all': 'Service Unavailable',
    'empty body': '',
    'HTML page': '<html><body><h1>502 Bad Gateway</h1></body></html>',
    'deep nesting': '<a>'.repeat(500) + '</a>'.repeat(500),
    'wrong operation wrapper': envelope('authori', '<errorCode>RCCS_N00-000</errorCode>'),
    'no errorCode': envelope('getRCCSRequestId', '<message>x</message>'),
    'two roots': '<a/><b/>',
  };

  it.each(Object.entries(cases))('%s', (_name, xml) => {
    expect(() => {
      const r = result(xml, 'getRCCSRequestId');
      readResultHeader(r);
    }).toThrow(XmlDocumentError);
  });

  it('bad int and bad dateTime values are rejected', () => {
    const badInt = envelope('getRCCSRequestId', '<errorCode>RCCS_N00-000</errorCode><requestId>12a</requestId>');
    expect(() => readRequestId(result(badInt, 'getRCCSRequestId'))).toThrow(XmlDocumentError);
    const tooBig = envelope('getRCCSRequestId', '<errorCode>RCCS_N00-000</errorCode><requestId>99999999999</requestId>');
    expect(() => readRequestId(result(tooBig, 'getRCCSRequestId'))).toThrow(XmlDocumentError);
    const badDate = envelope(
      'getRCCSResultAll',
      '<errorCode>RCCS_N00-000</errorCode><rccsResults><ns3:UiRCCSResultModel><ns3:errorCode>RCCS_N00-000</ns3:errorCode><ns3:orderNumber>A</ns3:orderNumber><ns3:regDate>2024-02-31T00:00:00+09:00</ns3:regDate></ns3:UiRCCSResultModel></rccsResults>',
    );
    expect(() => readResultSearch(result(badDate, 'getRCCSResultAll'))).toThrow(XmlDocumentError);
  });

  it('custom entity references without DOCTYPE are left verbatim, never expanded', () => {
    const xml = envelope('getRCCSRequestId', '<errorCode>RCCS_N00-000</errorCode><message>&foo;&#x41;</message><requestId>1</requestId>');
    expect(readResultHeader(result(xml, 'getRCCSRequestId')).message).toBe('&foo;A');
  });

  it('strictOrder rejects known fields out of WSDL order; the default tolerates it', () => {
    const xml = envelope('getRCCSRequestId', '<requestId>5</requestId><message>正常終了</message><errorCode>RCCS_N00-000</errorCode>');
    expect(() => readResultHeader(result(xml, 'getRCCSRequestId'), { strictOrder: true })).toThrow(/out of order/);
    expect(readResultHeader(result(xml, 'getRCCSRequestId')).errorCode).toBe('RCCS_N00-000');
  });
});
