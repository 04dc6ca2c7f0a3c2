import { type ComplexType, ENT_NS, OPERATION_REQUESTS, OP_NS, RESPONSE_FIELDS, UI_AUTHORI_REQUEST_MODEL, UI_CANCEL_REQUEST_MODEL, UI_RCCS_RESULT_SEARCH_MODEL, UI_SALES_REQUEST_MODEL, USER_AUTH_MODEL } from '../soap/schema';
import { type XElement, parseXml } from '../soap/xml';
import { WsdlDocument, endpointUrl } from './wsdl';

const XS = 'http://www.w3.org/2001/XMLSchema';
const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';
const doc = new WsdlDocument();
const root = parseXml(doc.raw);
const kids = (el: XElement, local: string, ns?: string) => el.children.filter((c) => c.local === local && (ns === undefined || c.ns === ns));
const schemas = kids(kids(root, 'types')[0], 'schema', XS);
const schema = (ns: string) => schemas.find((s) => s.attrs.get('targetNamespace') === ns)!;
const sequenceOf = (el: XElement) => kids(kids(el, 'sequence', XS)[0], 'element', XS);
const complexType = (name: string) => kids(schema(ENT_NS), 'complexType', XS).find((t) => t.attrs.get('name') === name)!;
const OPERATIONS = ['getRCCSRequestId', 'authori', 'authoriCancel', 'sales', 'salesCancel', 'getRCCSResult', 'getRCCSResultAll'];

describe('the committed WSDL', () => {
  it('declares the seven operations in the port type and as document/literal with soapAction ""', () => {
    const portType = kids(root, 'portType', WSDL_NS)[0];
    expect(kids(portType, 'operation').map((o) => o.attrs.get('name'))).toEqual(OPERATIONS);
    const binding = kids(root, 'binding', WSDL_NS)[0];
    for (const op of kids(binding, 'operation')) {
      const soapOp = op.children.find((c) => c.local === 'operation')!;
      expect([soapOp.attrs.get('soapAction'), soapOp.attrs.get('style')]).toEqual(['', 'document']);
    }
    expect(root.attrs.get('targetNamespace')).toBe(OP_NS);
  });

  it.each(OPERATIONS)('describes the %s request wrapper exactly as the simulator reads it', (op) => {
    const wrapper = kids(schema(OP_NS), 'element', XS).find((e) => e.attrs.get('name') === op)!;
    const fields = sequenceOf(kids(wrapper, 'complexType', XS)[0]).map((e) => e.attrs.get('name'));
    expect(fields).toEqual(OPERATION_REQUESTS[op].fields.map((f) => f.name));
    expect(schema(OP_NS).attrs.get('elementFormDefault')).toBe('qualified');
    const response = kids(schema(OP_NS), 'element', XS).find((e) => e.attrs.get('name') === `${op}Response`)!;
    expect(sequenceOf(kids(response, 'complexType', XS)[0]).map((e) => e.attrs.get('name'))).toEqual(['result']);
  });

  it.each([USER_AUTH_MODEL, UI_AUTHORI_REQUEST_MODEL, UI_SALES_REQUEST_MODEL, UI_CANCEL_REQUEST_MODEL, UI_RCCS_RESULT_SEARCH_MODEL])(
    'declares entity type $name with the same qualified fields',
    (type: ComplexType) => {
      const els = sequenceOf(complexType(type.name));
      expect(els.map((e) => e.attrs.get('name'))).toEqual(type.fields.map((f) => f.name));
      expect(els.every((e) => e.attrs.get('form') === undefined)).toBe(true);
    },
  );

  it.each(Object.entries(RESPONSE_FIELDS))('declares response type %s in the rendered field order', (name, fields) => {
    const els = sequenceOf(complexType(name));
    expect(els.map((e) => e.attrs.get('name'))).toEqual([...fields]);
    const unqualified = !['UiRCCSRequestStatusModel', 'UiRCCSResultModel'].includes(name);
    expect(els.every((e) => (e.attrs.get('form') === 'unqualified') === unqualified)).toBe(true);
  });

  it('keeps every model type in alphabetical order (wrappers keep parameter order: userAuthModel, intVal, list)', () => {
    const all: XElement[] = [];
    const walk = (el: XElement) => {
      if (el.local === 'sequence') all.push(el);
      el.children.forEach(walk);
    };
    walk(schema(ENT_NS));
    expect(all.length).toBeGreaterThan(15);
    for (const seq of all) {
      const names = kids(seq, 'element', XS).map((e) => e.attrs.get('name')!);
      expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    }
  });

  it('points soap:address at the URL it is served from', () => {
    const rendered = doc.render('http://127.0.0.1:3003/rccsapi-services/RCCSApiService');
    expect(rendered).toContain('<soap:address location="http://127.0.0.1:3003/rccsapi-services/RCCSApiService"/>');
    expect(rendered).not.toContain('REPLACE_WITH_ACTUAL_URL');
    expect(endpointUrl(undefined, 'sim.local:8080', 'x')).toBe('http://sim.local:8080/rccsapi-services/RCCSApiService');
    expect(endpointUrl('https://rccs.example/', 'ignored', 'x')).toBe('https://rccs.example/rccsapi-services/RCCSApiService');
    expect(endpointUrl(undefined, 'evil"><x', '127.0.0.1:1')).toBe('http://127.0.0.1:1/rccsapi-services/RCCSApiService');
  });
});
