import * as samples from '../../test/fixtures/spec-samples';
import { SoapFault } from './fault';
import { parseSoapRequest } from './request-parser';

const lenient = { strictOrder: false, strictUnknownElements: false };
const strict = { strictOrder: true, strictUnknownElements: true };
const auth = { authKey: 'KEY-FOR-CARD-API', shopUrl: 'example-shop', userName: 'cardapi01' };

function fault(xml: string, opts = lenient): SoapFault {
  try {
    parseSoapRequest(xml, opts);
  } catch (err) {
    if (err instanceof SoapFault) return err;
    throw err;
  }
  throw new Error('expected a SOAP fault');
}

const envelope = (body: string) =>
  `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:r="http://orderapi.rms.rakuten.co.jp/rccsapi-services/RCCSAPI" ` +
  `xmlns:e="java:jp.co.rakuten.rms.mall.rccsapi.model.entity" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body>${body}</soap:Body></soap:Envelope>`;
const userAuth = `<r:userAuthModel><e:authKey>k</e:authKey><e:shopUrl>s</e:shopUrl><e:userName>u</e:userName></r:userAuthModel>`;

describe('parseSoapRequest: the spec sample requests', () => {
  it('reads getRCCSRequestId', () => {
    expect(parseSoapRequest(samples.getRCCSRequestIdRequest, strict)).toEqual({ op: 'getRCCSRequestId', auth });
  });

  it('reads authori with nil and present help items', () => {
    expect(parseSoapRequest(samples.authoriRequest, strict)).toEqual({
      op: 'authori',
      auth,
      intVal: 200004512,
      items: [
        { helpItem: null, orderNumber: '123456-20240105-00000123', payType: 0, price: 5480 },
        { helpItem: 'batch-7', orderNumber: '123456-20240105-00000124', payType: 0, price: 1200 },
      ],
    });
  });

  it('reads authoriCancel, sales and salesCancel', () => {
    expect(parseSoapRequest(samples.authoriCancelRequest, strict)).toEqual({
      op: 'authoriCancel',
      auth,
      intVal: 200004530,
      items: [{ helpItem: null, orderNumber: '123456-20240105-00000124', payType: null, price: null }],
    });
    expect(parseSoapRequest(samples.salesRequest, strict)).toMatchObject({ op: 'sales', intVal: 200004551, items: [{ orderNumber: '123456-20240105-00000123' }] });
    const salesCancel = samples.authoriCancelRequest.replace(/authoriCancel>/g, 'salesCancel>');
    expect(parseSoapRequest(salesCancel, strict)).toMatchObject({ op: 'salesCancel', intVal: 200004530 });
  });

  it('reads getRCCSResult ids from builtins-namespace ints', () => {
    expect(parseSoapRequest(samples.getRCCSResultRequest, strict)).toEqual({ op: 'getRCCSResult', auth, ids: [200004512] });
  });

  it('reads getRCCSResultAll, treating the empty payType as "not specified"', () => {
    expect(parseSoapRequest(samples.getRCCSResultAllRequest, strict)).toEqual({
      op: 'getRCCSResultAll',
      auth,
      search: {
        brandName: null,
        cardStatus: -1,
        fromDate: '2024-01-01',
        helpItem: null,
        orderNumber: null,
        ownerName: null,
        payType: null,
        toDate: '2024-01-08',
      },
    });
  });
});

describe('parseSoapRequest: tolerance and strictness', () => {
  const reordered = envelope(
    `<r:authori><r:intVal>7</r:intVal>${userAuth}<r:uiAuthoriRequestModels><e:UiAuthoriRequestModel>` +
      `<e:price>10</e:price><e:orderNumber>123456-20240105-00000001</e:orderNumber><e:extra>x</e:extra>` +
      `</e:UiAuthoriRequestModel></r:uiAuthoriRequestModels></r:authori>`,
  );

  it('accepts any element order and ignores unknown elements by default', () => {
    expect(parseSoapRequest(reordered, lenient)).toMatchObject({
      op: 'authori',
      intVal: 7,
      auth: { authKey: 'k' },
      items: [{ orderNumber: '123456-20240105-00000001', price: 10, payType: null, helpItem: null }],
    });
  });

  it('refuses out-of-order elements in strict-order mode, JAXB style', () => {
    const f = fault(reordered, { strictOrder: true, strictUnknownElements: false });
    expect(f.code).toBe('Client');
    expect(f.faultString).toMatch(/^Unmarshalling Error: unexpected element \(uri:"http:\/\/orderapi.rms.rakuten.co.jp\/rccsapi-services\/RCCSAPI", local:"userAuthModel"\)/);
  });

  it('refuses unknown elements and wrong namespaces in strict-unknown mode', () => {
    const withExtra = envelope(`<r:getRCCSRequestId>${userAuth}<r:bogus/></r:getRCCSRequestId>`);
    expect(fault(withExtra, { strictOrder: false, strictUnknownElements: true }).faultString).toMatch(/local:"bogus"/);
    const wrongNs = envelope(`<r:getRCCSRequestId><r:userAuthModel><r:authKey>k</r:authKey></r:userAuthModel></r:getRCCSRequestId>`);
    expect(parseSoapRequest(wrongNs, lenient)).toMatchObject({ auth: { authKey: 'k' } });
    expect(fault(wrongNs, { strictOrder: false, strictUnknownElements: true }).faultString).toMatch(/local:"authKey"/);
  });

  it('answers a non-number in an int field with an unmarshalling fault', () => {
    const f = fault(envelope(`<r:authori>${userAuth}<r:intVal>abc</r:intVal></r:authori>`));
    expect([f.code, f.faultString]).toEqual(['Client', 'Unmarshalling Error: Not a number: abc']);
    expect(fault(envelope(`<r:authori>${userAuth}<r:intVal>99999999999</r:intVal></r:authori>`)).faultString).toMatch(/Not a number/);
  });

  it('returns null for missing parts so the service can answer with result codes', () => {
    expect(parseSoapRequest(envelope('<r:authori/>'), lenient)).toEqual({ op: 'authori', auth: null, intVal: null, items: null });
    expect(parseSoapRequest(envelope(`<r:getRCCSResult>${userAuth}</r:getRCCSResult>`), lenient)).toMatchObject({ ids: null });
  });

  it('decodes entities and keeps CDATA verbatim in values', () => {
    const r = parseSoapRequest(
      envelope(`<r:sales>${userAuth}<r:intVal> 5 </r:intVal><r:uiSalesRequestModels><e:UiSalesRequestModel><e:helpItem>A&amp;B &#x3042;<![CDATA[<&>]]></e:helpItem><e:orderNumber>n</e:orderNumber></e:UiSalesRequestModel></r:uiSalesRequestModels></r:sales>`),
      lenient,
    );
    expect(r).toMatchObject({ intVal: 5, items: [{ helpItem: 'A&B あ<&>' }] });
  });

  it('ignores the SOAPAction-independent SOAP header unless it must be understood', () => {
    const withHeader = (attr: string) =>
      `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:r="http://orderapi.rms.rakuten.co.jp/rccsapi-services/RCCSAPI">` +
      `<soap:Header><h:Trace xmlns:h="urn:x" ${attr}>1</h:Trace></soap:Header><soap:Body><r:getRCCSRequestId/></soap:Body></soap:Envelope>`;
    expect(parseSoapRequest(withHeader(''), lenient)).toEqual({ op: 'getRCCSRequestId', auth: null });
    const f = fault(withHeader('soap:mustUnderstand="1"'));
    expect([f.code, f.faultString]).toEqual(['MustUnderstand', 'MustUnderstand headers:[{urn:x}Trace] are not understood']);
  });
});

describe('parseSoapRequest: faults for requests that cannot be dispatched', () => {
  it('names the unknown operation like JAX-WS RI', () => {
    const f = fault(envelope('<r:authorise/>'));
    expect([f.code, f.httpStatus, f.faultString]).toEqual([
      'Client',
      500,
      'Cannot find dispatch method for {http://orderapi.rms.rakuten.co.jp/rccsapi-services/RCCSAPI}authorise',
    ]);
  });

  it('refuses a known operation in the wrong namespace', () => {
    expect(fault(envelope('<x:authori xmlns:x="urn:wrong"/>')).faultString).toBe('Cannot find dispatch method for {urn:wrong}authori');
    expect(fault(envelope('<getRCCSRequestId/>')).faultString).toBe('Cannot find dispatch method for {null}getRCCSRequestId');
    expect(fault(envelope('<r:constructor/>')).faultString).toMatch(/^Cannot find dispatch method for/);
  });

  it('refuses an empty body or several body elements', () => {
    expect(fault(envelope('')).faultString).toBe('Cannot find dispatch method for {null}null');
    expect(fault(envelope('<r:getRCCSRequestId/><r:getRCCSRequestId/>')).faultString).toMatch(/^Cannot find dispatch method/);
  });

  it('answers SOAP 1.2 envelopes with a VersionMismatch fault and other roots with a client fault', () => {
    const v12 = fault('<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>');
    expect(v12.code).toBe('VersionMismatch');
    expect(fault('<order><id>1</id></order>').faultString).toMatch(/^Couldn't create SOAP message. Expecting Envelope/);
  });
});
