import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads an XML fixture copied from the spec (libs/rccs-client/test/fixtures). Test-only helper. */
export function fixture(name: string): string {
  return readFileSync(join(__dirname, 'fixtures', name), 'utf8');
}

/** Collapses formatting whitespace so pretty-printed samples compare with compact built XML. */
export function compact(xml: string): string {
  return xml
    .replace(/<\?xml[^>]*\?>/, '')
    .replace(/>\s+</g, '><')
    .replace(/\s+/g, ' ')
    .trim();
}
