import { compact, fixture } from '../../test/fixtures';
import {
  buildAuthoriEnvelope,
  buildCancelEnvelope,
  buildGetRequestIdEnvelope,
  buildGetResultAllEnvelope,
  buildGetResultEnvelope,
  buildSalesEnvelope,
} from './envelope';
import { parseXmlDocument, child } from './parse';

const credentials = { authKey: 'KEY-FOR-CARD-API', shopUrl: 'example-shop', userName: 'cardapi01' };

describe('envelope builders reproduce the spec samples byte for byte (modulo formatting)', () => {
  it('getRCCSRequestId', () => {
    expect(compact(buildGetRequestIdEnvelope(credentials))).toBe(compact(fixture('getRCCSRequestId.request.xml')));
  });

  it('authori with a nil and a set helpItem, fields in alphabetical order', () => {
    const xml = buildAuthoriEnvelope(credentials, 200004512, [
      { orderNumber: '123456-20240105-00000123', price: 5480, payType: 0 },
      { orderNumber: '123456-20240105-00000124', price: 1200, payType: 0, helpItem: 'batch-7' },
    ]);
    expect(compact(xml)).toBe(compact(fixture('authori.request.xml')));
  });

  it('authoriCancel', () => {
    const xml = buildCancelEnvelope('authoriCancel', credentials, 200004530, [{ orderNumber: '123456-20240105-00000124', helpItem: null }]);
    expect(compact(xml)).toBe(compact(fixture('authoriCancel.request.xml')));
  });

  it('salesCancel is the authoriCancel body with another wrapper', () => {
    const xml = buildCancelEnvelope('salesCancel', credentials, 200004530, [{ orderNumber: '123456-20240105-00000124' }]);
    const expected = compact(fixture('authoriCancel.request.xml')).replace(/r:authoriCancel>/g, 'r:salesCancel>');
    expect(compact(xml)).toBe(expected);
  });

  it('sales', () => {
    const xml = buildSalesEnvelope(credentials, 200004551, [{ orderNumber: '123456-20240105-00000123' }]);
    expect(compact(xml)).toBe(compact(fixture('sales.request.xml')));
  });

  it('getRCCSResult with builtins-namespace ints', () => {
    expect(compact(buildGetResultEnvelope(credentials, [200004512]))).toBe(compact(fixture('getRCCSResult.request.xml')));
  });

  it('getRCCSResultAll with nil strings, cardStatus -1 and an empty payType', () => {
    const xml = buildGetResultAllEnvelope(credentials, { fromDate: '2024-01-01', toDate: '2024-01-08' });
    expect(compact(xml)).toBe(compact(fixture('getRCCSResultAll.request.xml')));
  });
});

describe('envelope values', () => {
  it('starts with a UTF-8 XML declaration', () => {
    expect(buildGetRequestIdEnvelope(credentials).startsWith('<?xml version="1.0" encoding="UTF-8"?><soap:Envelope')).toBe(true);
  });

  it('escapes markup in every string so nothing can be injected', () => {
    const hostile = '</e:helpItem><e:price>1</e:price><e:helpItem>"\'&';
    const xml = buildAuthoriEnvelope({ ...credentials, userName: '<x>&' }, 1, [{ orderNumber: 'A&B', price: 100, payType: 0, helpItem: hostile }]);
    expect(xml).toContain('<e:helpItem>&lt;/e:helpItem&gt;&lt;e:price&gt;1&lt;/e:price&gt;&lt;e:helpItem&gt;&quot;&apos;&amp;</e:helpItem>');
    expect(xml).toContain('<e:userName>&lt;x&gt;&amp;</e:userName>');
    const root = parseXmlDocument(xml);
    const item = child(child(child(child(root, 'Body'), 'authori'), 'uiAuthoriRequestModels'), 'UiAuthoriRequestModel');
    expect(item?.children.map((c) => c.name)).toEqual(['helpItem', 'orderNumber', 'payType', 'price']);
    expect(child(item, 'helpItem')?.text).toBe(hostile);
    expect(child(item, 'orderNumber')?.text).toBe('A&B');
  });

  it('sends an empty string as an empty element and null as xsi:nil', () => {
    const xml = buildSalesEnvelope(credentials, 5, [{ orderNumber: 'o1', helpItem: '' }, { orderNumber: 'o2', helpItem: null }]);
    expect(xml).toContain('<e:helpItem></e:helpItem><e:orderNumber>o1</e:orderNumber>');
    expect(xml).toContain('<e:helpItem xsi:nil="true"/><e:orderNumber>o2</e:orderNumber>');
  });

  it('sends explicit search filters in alphabetical order', () => {
    const xml = buildGetResultAllEnvelope(credentials, {
      fromDate: '2024-01-01',
      toDate: '2024-01-31',
      cardStatus: 12,
      payType: 0,
      brandName: 'VISA',
      helpItem: 'h',
      orderNumber: '123456-20240105-00000123',
      ownerName: 'TARO',
    });
    expect(xml).toContain(
      '<r:uiRCCSResultSearchModel><e:brandName>VISA</e:brandName><e:cardStatus>12</e:cardStatus><e:fromDate>2024-01-01</e:fromDate>' +
        '<e:helpItem>h</e:helpItem><e:orderNumber>123456-20240105-00000123</e:orderNumber><e:ownerName>TARO</e:ownerName>' +
        '<e:payType>0</e:payType><e:toDate>2024-01-31</e:toDate></r:uiRCCSResultSearchModel>',
    );
  });

  it('lists many request ids in one getRCCSResult', () => {
    expect(buildGetResultEnvelope(credentials, [1, 2, 3])).toContain('<r:ints><b:int>1</b:int><b:int>2</b:int><b:int>3</b:int></r:ints>');
  });
});
