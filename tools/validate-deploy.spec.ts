import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkDockerfile,
  checkPolicy,
  findRepoRoot,
  metricNames,
  renderKustomization,
  strategicMerge,
  validateCompose,
  validateDashboard,
  validateDeploy,
  validateK8sObject,
} from './validate-deploy';
import { interpolate } from './validate-deploy/compose';
import type { K8sObject } from './validate-deploy/util';

const root = findRepoRoot(__dirname);
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const render = (path: string) => renderKustomization(join(root, path), root).map((r) => r.object);
const find = (objects: K8sObject[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} not rendered`);
  return found as any;
};

describe('deploy/ as committed', () => {
  const report = validateDeploy(root);

  it('has no problems', () => {
    expect(report.problems).toEqual([]);
  });

  it('lists referenced entry points without source as warnings only', () => {
    expect(Array.isArray(report.warnings)).toBe(true);
    for (const warning of report.warnings) expect(warning).toMatch(/^services\/[a-z-]+\/src\/[a-z-]+\.ts is run by deploy\//);
  });

  it('lets the simulator migrate itself and gives every other Deployment a migration Job', () => {
    const staging = report.rendered['deploy/k8s/overlays/staging'].map((r) => r.object);
    const jobs = staging.filter((o) => o.kind === 'Job').map((o) => o.metadata.name).sort();
    expect(jobs).toEqual(['migrate-notification-service', 'migrate-order-service', 'migrate-payment-gateway']);
    const withoutAnnotation = staging.map((o) =>
      o.kind === 'Deployment' && o.metadata.name === 'rccs-simulator' ? { ...o, metadata: { ...o.metadata, annotations: {} } } : o,
    );
    expect(checkPolicy(withoutAnnotation, { namespace: 'rcp-staging', environment: 'staging' })).toEqual([
      'Deployment/rcp-staging/rccs-simulator: no migration Job migrate-rccs-simulator',
    ]);
  });

  it('checked every kind of artefact', () => {
    const checked = report.checked.join('\n');
    for (const part of ['deploy/k8s/base', 'overlays/staging', 'overlays/production', 'docker-compose.yml', 'Dockerfile', 'rcp-dashboard.json']) {
      expect(checked).toContain(part);
    }
  });

  it('runs the simulator in staging only and points each gateway at the right card API', () => {
    const staging = report.rendered['deploy/k8s/overlays/staging'].map((r) => r.object);
    const production = report.rendered['deploy/k8s/overlays/production'].map((r) => r.object);
    expect(find(staging, 'Deployment', 'rccs-simulator').spec.replicas).toBe(1);
    expect(production.filter((o) => o.metadata.name.includes('simulator'))).toEqual([]);
    expect(find(staging, 'ConfigMap', 'rcp-config').data.RCCS_ENDPOINT).toMatch(/^http:\/\/rccs-simulator:3003\//);
    expect(find(production, 'ConfigMap', 'rcp-config').data.RCCS_ENDPOINT).toMatch(/^https:\/\/[^/]+\.rakuten\.co\.jp\//);
    for (const name of ['order-service', 'payment-gateway', 'notification-service']) {
      const deployment = find(production, 'Deployment', name);
      expect(deployment.spec.replicas).toBe(2);
      expect(deployment.metadata.namespace).toBe('rcp-production');
      expect(deployment.spec.template.spec.containers[0].image).toBe('registry.example.com/rcp/rcp-backend:0.1.0');
      expect(find(production, 'PodDisruptionBudget', name).spec.minAvailable).toBe(1);
    }
  });
});

describe('Kubernetes schema validation (kubernetes-models)', () => {
  const deployment = () => structuredClone(find(render('deploy/k8s/base'), 'Deployment', 'order-service')) as any;

  it('accepts a valid Deployment', () => {
    expect(validateK8sObject(deployment())).toEqual([]);
  });

  it('rejects a wrongly typed field', () => {
    const broken = deployment();
    broken.spec.replicas = 'two';
    expect(validateK8sObject(broken).join('\n')).toMatch(/\/spec\/replicas must be integer/);
  });

  it('rejects a container without its required name', () => {
    const broken = deployment();
    delete broken.spec.template.spec.containers[0].name;
    expect(validateK8sObject(broken).join('\n')).toMatch(/containers\/0.*name/);
  });

  it('rejects a wrong apiVersion and kinds it has no schema for', () => {
    expect(validateK8sObject({ ...deployment(), apiVersion: 'extensions/v1beta1' })[0]).toMatch(/no schema/);
    expect(validateK8sObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } })[0]).toMatch(/no schema/);
    expect(validateK8sObject('nope')[0]).toMatch(/not a Kubernetes object/);
  });
});

describe('policy', () => {
  const production = () => structuredClone(render('deploy/k8s/overlays/production'));
  const options = { namespace: 'rcp-production', environment: 'production' } as const;

  it('passes for the production render', () => {
    expect(checkPolicy(production(), options)).toEqual([]);
  });

  it('requires probes, resources and a locked-down security context', () => {
    const objects = production();
    const container = find(objects, 'Deployment', 'payment-gateway').spec.template.spec.containers[0];
    delete container.livenessProbe;
    delete container.resources.limits;
    container.securityContext.readOnlyRootFilesystem = false;
    container.securityContext.runAsNonRoot = false;
    const problems = checkPolicy(objects, options).join('\n');
    expect(problems).toMatch(/payment-gateway container payment-gateway: livenessProbe must GET \/health\/live/);
    expect(problems).toMatch(/resources\.limits\.cpu missing/);
    expect(problems).toMatch(/readOnlyRootFilesystem must be true/);
    expect(problems).toMatch(/runAsNonRoot must be true/);
  });

  it('requires a PodDisruptionBudget for every multi-replica Deployment', () => {
    const objects = production().filter((o) => !(o.kind === 'PodDisruptionBudget' && o.metadata.name === 'notification-service'));
    expect(checkPolicy(objects, options)).toEqual([
      'Deployment/rcp-production/notification-service: 2 replicas but no PodDisruptionBudget selects its pods',
    ]);
  });

  it('rejects dangling Secret/ConfigMap references and real secret values', () => {
    const objects = production();
    find(objects, 'Deployment', 'order-service').spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.key = 'MISSING';
    find(objects, 'Secret', 'rcp-secrets').stringData.GATEWAY_SHOPS = '[{"shopId":"s","shopUrl":"s","userName":"u","authKey":"real"}]';
    const problems = checkPolicy(objects, options).join('\n');
    expect(problems).toMatch(/env RABBITMQ_URL → Secret rcp-secrets has no key MISSING/);
    expect(problems).toMatch(/stringData\.GATEWAY_SHOPS is not a CHANGE_ME placeholder/);
  });

  it('keeps the simulator out of production and requires the overlay to set the endpoint', () => {
    const staging = render('deploy/k8s/overlays/staging');
    const objects = [...production(), ...staging.filter((o) => o.metadata.name.includes('simulator')).map((o) => ({ ...o, metadata: { ...o.metadata, namespace: 'rcp-production' } }))];
    find(objects, 'ConfigMap', 'rcp-config').data.RCCS_ENDPOINT = 'SET_BY_OVERLAY';
    const problems = checkPolicy(objects, options).join('\n');
    expect(problems).toMatch(/Deployment\/rcp-production\/rccs-simulator: staging-only object in production/);
    expect(problems).toMatch(/the overlay must set RCCS_ENDPOINT/);
  });
});

describe('kustomize subset', () => {
  it('merges lists of named objects by name, replaces other lists and deletes null keys', () => {
    const merged = strategicMerge(
      { containers: [{ name: 'a', image: 'x', args: ['1'] }, { name: 'b', image: 'y' }], keep: 1, drop: 2 },
      { containers: [{ name: 'a', args: ['2'] }, { name: 'c', image: 'z' }], drop: null },
    );
    expect(merged).toEqual({
      containers: [{ name: 'a', image: 'x', args: ['2'] }, { name: 'b', image: 'y' }, { name: 'c', image: 'z' }],
      keep: 1,
    });
  });

  it('fails loudly on what it does not implement and on patches that match nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'validate-deploy-'));
    try {
      writeFileSync(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  X: "1"\n');
      writeFileSync(join(dir, 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [cm.yaml]\nnamePrefix: x-\n');
      expect(() => renderKustomization(dir, dir)).toThrow(/unsupported kustomization field\(s\) namePrefix/);
      writeFileSync(join(dir, 'patch.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  X: "2"\n');
      writeFileSync(join(dir, 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [cm.yaml]\npatches: [{path: patch.yaml}]\n');
      expect(() => renderKustomization(dir, dir)).toThrow(/no object ConfigMap\/b to patch/);
      writeFileSync(join(dir, 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ns\nresources: [cm.yaml]\npatches: [{path: patch.yaml, target: {kind: ConfigMap, name: a}}]\n');
      expect(renderKustomization(dir, dir)[0].object).toMatchObject({ metadata: { name: 'a', namespace: 'ns' }, data: { X: '2' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('docker-compose.yml (Compose specification schema)', () => {
  const compose = read('docker-compose.yml');

  it('interpolates ${VAR:-default} like compose does', () => {
    expect(interpolate('a ${X:-d} ${Y} $$Z', {})).toBe('a d  $Z');
    expect(interpolate({ k: ['${X:-d}'] }, { X: 'set' })).toEqual({ k: ['set'] });
  });

  it('rejects a schema violation', () => {
    const broken = compose.replace('condition: service_completed_successfully', 'condition: when_it_feels_like_it');
    expect(validateCompose(broken, root).join('\n')).toMatch(/depends_on.*must be equal to one of the allowed values/);
    expect(validateCompose(`${compose}\nnot_a_compose_key: 1\n`, root).join('\n')).toMatch(/must NOT have additional properties.*not_a_compose_key/);
  });

  it('enforces healthchecks and migrations ordering', () => {
    const withoutMigrationDep = compose.replace(
      '\n      migrate-payment-gateway:\n        condition: service_completed_successfully',
      '',
    );
    expect(validateCompose(withoutMigrationDep, root)).toEqual([
      'docker-compose.yml: payment-gateway: must depend on migrate-payment-gateway (service_completed_successfully)',
    ]);
    const wrongProbe = compose.replace("fetch('http://127.0.0.1:3002/health/live')", "fetch('http://127.0.0.1:3002/')");
    expect(validateCompose(wrongProbe, root)).toEqual(['docker-compose.yml: notification-service: healthcheck must probe :3002/health/live']);
  });
});

describe('Grafana dashboard', () => {
  it('extracts metric names from PromQL', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le, operation) (rate(rcp_card_api_request_duration_seconds_bucket{code!~"E.*", service=~"$service"}[$__rate_interval]))) / on(operation) group_left rcp_payment_operations_stuck offset 5m > 1e-9',
      ).sort(),
    ).toEqual(['rcp_card_api_request_duration_seconds_bucket', 'rcp_payment_operations_stuck']);
  });

  it('rejects unknown metrics, invalid JSON and missing coverage', () => {
    const dashboard = JSON.parse(read('deploy/grafana/rcp-dashboard.json'));
    const panel = dashboard.panels.find((p: { type: string }) => p.type === 'timeseries');
    panel.targets[0].expr = 'sum(rate(rcp_messages_consumd_total[5m]))';
    const problems = validateDashboard(JSON.stringify(dashboard)).join('\n');
    expect(problems).toMatch(/unknown metric rcp_messages_consumd_total/);
    expect(validateDashboard('{ "panels": [ }')[0]).toMatch(/invalid JSON/);
    expect(validateDashboard(JSON.stringify({ ...dashboard, panels: [] })).join('\n')).toMatch(/no panel charts rcp_circuit_breaker_state/);
  });
});

describe('Dockerfile policy', () => {
  const dockerfile = read('deploy/docker/Dockerfile');

  it('passes for the committed Dockerfile', () => {
    expect(checkDockerfile(dockerfile)).toEqual([]);
  });

  it('requires a non-root USER in the final stage', () => {
    expect(checkDockerfile(dockerfile.replace('USER 10001:10001', 'USER root'))).toEqual(['Dockerfile: the final stage runs as root']);
    expect(checkDockerfile(dockerfile.replace('USER 10001:10001', ''))).toEqual(['Dockerfile: the final stage has no USER (it would run as root)']);
    const userOnlyInBuild = dockerfile.replace('USER 10001:10001', '').replace('RUN npm run build', 'RUN npm run build\nUSER 10001');
    expect(checkDockerfile(userOnlyInBuild)).toContain('Dockerfile: the final stage has no USER (it would run as root)');
  });

  it('requires production-only dependencies in the runtime image', () => {
    const devDeps = dockerfile.replace('COPY --from=prod-deps --chown=root:root /app/node_modules', 'COPY --from=deps --chown=root:root /app/node_modules');
    expect(checkDockerfile(devDeps).join('\n')).toMatch(/node_modules from a stage with dev dependencies/);
  });
});
