import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** A namespace-resolved XML element (the only XML model the SOAP layer sees). */
export interface XElement {
  local: string;
  ns: string | null;
  /** Attributes by `{ns}local` (or `local` when unqualified); namespace declarations are not included. */
  attrs: Map<string, string>;
  children: XElement[];
  /** Text content of a leaf (entities decoded, CDATA verbatim); '' when empty or when the element has children. */
  text: string;
}

export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** Why a document was refused; the message is what goes into the fault string. */
export class XmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlError';
  }
}

/** Deepest element nesting accepted (a SOAP request of this API needs 7). */
export const MAX_DEPTH = 64;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
  maxNestedTags: MAX_DEPTH,
});

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five predefined entities and character references; anything else is an undeclared entity. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([^;&\s]{0,32});?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new XmlError(`The reference to entity must end with the ';' delimiter.`);
    if (name in PREDEFINED) return PREDEFINED[name];
    const m = /^#(x[0-9a-fA-F]{1,6}|[0-9]{1,7})$/.exec(name);
    if (m) {
      const cp = m[1][0] === 'x' ? parseInt(m[1].slice(1), 16) : parseInt(m[1], 10);
      const allowed = cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
      if (!allowed) throw new XmlError(`Character reference "&${name}" is an invalid XML character.`);
      return String.fromCodePoint(cp);
    }
    throw new XmlError(`The entity "${name}" was referenced, but not declared.`);
  });
}

type RawNode = Record<string, unknown>;

/**
 * Parses an untrusted document into a resolved element tree. Refuses DOCTYPE (so no entity expansion,
 * external entity or DTD fetch can ever happen), undeclared entities, unbound prefixes, malformed XML
 * and nesting deeper than {@link MAX_DEPTH}. Throws {@link XmlError} with a message fit for a fault.
 */
export function parseXml(xml: string): XElement {
  if (/<!DOCTYPE/i.test(xml)) throw new XmlError('DOCTYPE is disallowed when the feature "http://apache.org/xml/features/disallow-doctype-decl" set to true.');
  if (/<!ENTITY/i.test(xml)) throw new XmlError('ENTITY declarations are not allowed.');
  const trimmed = xml.replace(/^\uFEFF/, '');
  // eslint-disable-next-line no-control-regex -- XML 1.0 forbids exactly these characters
  const bad = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/.exec(trimmed);
  if (bad) throw new XmlError(`An invalid XML character (Unicode: 0x${bad[0].charCodeAt(0).toString(16)}) was found in the element content of the document.`);
  if (!/^\s*</.test(trimmed)) throw new XmlError('Content is not allowed in prolog.');
  if (!/>\s*$/.test(trimmed)) throw new XmlError('Content is not allowed in trailing section.');
  const valid = XMLValidator.validate(trimmed, { allowBooleanAttributes: false });
  if (valid !== true) throw new XmlError(`${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  let raw: RawNode[];
  try {
    raw = parser.parse(trimmed) as RawNode[];
  } catch (err) {
    throw new XmlError((err as Error).message);
  }
  if (raw.some((n) => '#text' in n && String(n['#text']).trim() !== '')) throw new XmlError('Content is not allowed in trailing section.');
  const roots = raw.filter((n) => !('#text' in n));
  if (roots.length !== 1) throw new XmlError('The markup in the document following the root element must be well-formed.');
  return convert(roots[0], new Map([['xml', XML_NS]]), 1);
}

function convert(node: RawNode, parentScope: Map<string, string>, depth: number): XElement {
  if (depth > MAX_DEPTH) throw new XmlError(`Maximum element depth of ${MAX_DEPTH} exceeded.`);
  const qname = Object.keys(node).find((k) => k !== ':@')!;
  const rawAttrs = (node[':@'] ?? {}) as Record<string, string>;
  let scope = parentScope;
  for (const [name, value] of Object.entries(rawAttrs)) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) {
      if (scope === parentScope) scope = new Map(parentScope);
      scope.set(name === 'xmlns' ? '' : name.slice(6), decodeEntities(value));
    }
  }
  const [prefix, local] = splitQName(qname);
  const ns = scope.get(prefix) ?? (prefix === '' ? null : undefined);
  if (ns === undefined) throw new XmlError(`The prefix "${prefix}" for element "${qname}" is not bound.`);
  const attrs = new Map<string, string>();
  for (const [name, value] of Object.entries(rawAttrs)) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
    const [ap, al] = splitQName(name);
    if (ap === '') {
      attrs.set(al, decodeEntities(value));
      continue;
    }
    const ans = scope.get(ap);
    if (ans === undefined) throw new XmlError(`The prefix "${ap}" for attribute "${name}" is not bound.`);
    attrs.set(`{${ans}}${al}`, decodeEntities(value));
  }
  const children: XElement[] = [];
  let text = '';
  for (const child of (node[qname] ?? []) as RawNode[]) {
    if ('#text' in child) text += decodeEntities(String(child['#text']));
    else if ('#cdata' in child) text += ((child['#cdata'] as RawNode[]) ?? []).map((c) => String(c['#text'] ?? '')).join('');
    else children.push(convert(child, scope, depth + 1));
  }
  return { local, ns: ns || null, attrs, children, text: children.length ? '' : text };
}

function splitQName(qname: string): [string, string] {
  const i = qname.indexOf(':');
  return i < 0 ? ['', qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

/** `xsi:nil="true"` (or `1`) on the element. */
export function isNil(el: XElement): boolean {
  const v = el.attrs.get(`{${XSI_NS}}nil`);
  return v !== undefined && (v.trim() === 'true' || v.trim() === '1');
}

/** Escapes text for element content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}
