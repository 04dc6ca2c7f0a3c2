import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './repo-root';

// Proves the architecture rule is enforced by lint, not hoped for: the same source is accepted or refused depending
// on which project it sits in.
describe('architecture boundaries (Nx tags)', () => {
  const root = repoRoot();
  beforeAll(() => {
    // The rule reads Nx's project graph; without a computed graph it would silently do nothing.
    execFileSync(join(root, 'node_modules', '.bin', 'nx'), ['show', 'projects'], { cwd: root, env: { ...process.env, NX_DAEMON: 'false' } });
  }, 60_000);

  // ESLint runs as its own process (its flat config is an ES module, which jest's sandbox cannot load).
  const boundaryErrors = async (code: string, filePath: string) => {
    let out: string;
    try {
      out = execFileSync(process.execPath, [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--format', 'json', '--stdin', '--stdin-filename', filePath], {
        cwd: root,
        input: code,
        env: { ...process.env, NX_DAEMON: 'false' },
      }).toString();
    } catch (err) {
      out = (err as { stdout: Buffer }).stdout.toString();
    }
    const [result] = JSON.parse(out) as { messages: { ruleId: string }[] }[];
    return result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries');
  };

  it('lets a service import a library', async () => {
    expect(await boundaryErrors("import { EVENT_CATALOGUE } from '@rcp/contracts';\nexport const n = EVENT_CATALOGUE.length;\n", 'services/order-service/src/probe.ts')).toEqual([]);
  });

  it('refuses a service importing another service', async () => {
    const errors = await boundaryErrors("import * as gw from '../../payment-gateway/src/main';\nexport const g = gw;\n", 'services/order-service/src/probe.ts');
    expect(errors.length).toBeGreaterThan(0);
  });

  it('refuses a library importing a service', async () => {
    const errors = await boundaryErrors("import * as os from '../../../services/order-service/src/main';\nexport const o = os;\n", 'libs/contracts/src/probe.ts');
    expect(errors.length).toBeGreaterThan(0);
  });
});
