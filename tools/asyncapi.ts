// Writes docs/asyncapi.yaml from libs/contracts. `npm run asyncapi`; a unit test checks the file is current.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo-root';
import { stringify } from 'yaml';
import { buildAsyncApiDocument } from '@rcp/contracts';

export const ASYNCAPI_PATH = join(repoRoot(), 'docs', 'asyncapi.yaml');

export function renderAsyncApi(): string {
  return stringify(buildAsyncApiDocument(), { lineWidth: 120 });
}

if (require.main === module) {
  writeFileSync(ASYNCAPI_PATH, renderAsyncApi());
  console.log(`wrote ${ASYNCAPI_PATH}`);
}
