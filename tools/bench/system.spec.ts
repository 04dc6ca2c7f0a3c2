import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpawnedService } from '@rcp/testing';
import { nameProcesses, productionNodeOptions } from './system';

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

describe('nameProcesses', () => {
  it('names the first process of a service by the service and its replicas service#n', () => {
    const spawned = {} as SpawnedService;
    const named = nameProcesses([
      { service: 'rccs-simulator', spawned },
      { service: 'payment-gateway', spawned },
      { service: 'payment-gateway', spawned },
      { service: 'order-service', spawned },
      { service: 'order-service', spawned },
      { service: 'order-service', spawned },
    ]);
    expect(named.map((p) => p.name)).toEqual(['rccs-simulator', 'payment-gateway', 'payment-gateway#2', 'order-service', 'order-service#2', 'order-service#3']);
  });
});
