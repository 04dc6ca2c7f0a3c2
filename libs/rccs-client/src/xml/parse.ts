import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { decodeXmlText } from './escape';

/** Element of a parsed document, by local name (prefixes and namespaces are ignored). */
export interface XmlNode {
  readonly name: string;
  /** Attributes by local name (`xsi:nil` → `nil`). */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlNode[];
  /** Concatenated character data (entities decoded, CDATA verbatim). */
  readonly text: string;
}

/** The document could not be parsed safely; mapped to `malformed-response` by the client. */
export class XmlDocumentError extends Error {
  override readonly name = 'XmlDocumentError';
}

const MAX_NESTED_TAGS = 64;

const parser = new XMLParser({
  preserveOrder: true,
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
  maxNestedTags: MAX_NESTED_TAGS,
});

type RawNode = Record<string, unknown>;

/**
 * Parses an XML document without entity processing: a DOCTYPE (and with it any entity declaration) is
 * rejected, only the five predefined entities and character references are decoded, and malformed XML is
 * rejected by a strict validator before parsing. Throws {@link XmlDocumentError}.
 */
export function parseXmlDocument(xml: string): XmlNode {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new XmlDocumentError('DOCTYPE / entity declarations are not allowed');
  const validation = XMLValidator.validate(xml);
  if (validation !== true) {
    throw new XmlDocumentError(`not well-formed XML (${validation.err.code} at line ${validation.err.line})`);
  }
  let raw: unknown;
  try {
    raw = parser.parse(xml);
  } catch (err) {
    throw new XmlDocumentError(`unparsable XML (${err instanceof Error ? err.message.slice(0, 200) : 'unknown error'})`);
  }
  const roots = toNodes(raw, 0);
  if (roots.length !== 1) throw new XmlDocumentError('expected exactly one root element');
  return roots[0];
}

function toNodes(raw: unknown, depth: number): XmlNode[] {
  if (!Array.isArray(raw)) return [];
  if (depth > MAX_NESTED_TAGS) throw new XmlDocumentError('document nested too deeply');
  const nodes: XmlNode[] = [];
  for (const entry of raw as RawNode[]) {
    const name = Object.keys(entry).find((k) => k !== ':@' && k !== '#text' && k !== '#cdata');
    if (!name) continue;
    const content = entry[name];
    const attrs = (entry[':@'] ?? {}) as Record<string, string>;
    const childEntries = Array.isArray(content) ? (content as RawNode[]) : [];
    nodes.push({
      name,
      attrs,
      children: toNodes(childEntries, depth + 1),
      text: childEntries.map(textOf).join(''),
    });
  }
  return nodes;
}

function textOf(entry: RawNode): string {
  if (typeof entry['#text'] === 'string') return decodeXmlText(entry['#text']);
  if (Array.isArray(entry['#cdata'])) return (entry['#cdata'] as RawNode[]).map((c) => String(c['#text'] ?? '')).join('');
  return '';
}

/** First child element with the given local name. */
export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return node?.children.find((c) => c.name === name);
}

/** All child elements with the given local name (a single item is a one-element array). */
export function childrenNamed(node: XmlNode | undefined, name: string): XmlNode[] {
  return node ? node.children.filter((c) => c.name === name) : [];
}

/** True when the element carries `xsi:nil="true"` (any prefix). */
export function isNil(node: XmlNode): boolean {
  return node.attrs.nil === 'true' || node.attrs.nil === '1';
}
