import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { productionNodeOptions } from './system';

describe('productionNodeOptions', () => {
  it("is the production ConfigMap's NODE_OPTIONS, heap limit included", () => {
    expect(productionNodeOptions()).toMatch(/--max-old-space-size=\d+/);
  });

  it('refuses a ConfigMap without NODE_OPTIONS (the bench would silently run without production heap settings)', () => {
    const root = mkdtempSync(join(tmpdir(), 'bench-configmap-'));
    try {
      mkdirSync(join(root, 'deploy', 'k8s', 'base'), { recursive: true });
      writeFileSync(join(root, 'deploy', 'k8s', 'base', 'configmap.yaml'), 'apiVersion: v1\nkind: ConfigMap\ndata:\n  TZ: UTC\n');
      expect(() => productionNodeOptions(root)).toThrow(/no NODE_OPTIONS/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
