/**
 * Deployment policy over a rendered set of Kubernetes objects: what the schema cannot say.
 * Every rule returns messages naming the object; an empty list means the set is compliant.
 */
import { containersOf, podSpecs } from './kustomize';
import { arr, at, describe, isRec, rec, type K8sObject, type Rec } from './util';

export interface PolicyOptions {
  /** Every namespaced object must be in this namespace (an overlay's `namespace`). */
  namespace?: string;
  /** Environment-specific rules: production has no simulator and calls Rakuten; staging runs the simulator. */
  environment?: 'staging' | 'production';
}

export const STAGING_ONLY_LABEL = 'rcp.example.com/staging-only';
export const SIMULATOR = 'rccs-simulator';
export const CONFIG_MAP = 'rcp-config';
export const RCCS_ENDPOINT_MARKER = 'SET_BY_OVERLAY';
const PLACEHOLDER = 'CHANGE_ME';

type Rule = (objects: K8sObject[], options: PolicyOptions) => string[];

const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const sameNs = (a: K8sObject, b: K8sObject) => (a.metadata.namespace ?? '') === (b.metadata.namespace ?? '');
const templateLabels = (o: K8sObject): Record<string, unknown> => rec(at(o, 'spec.template.metadata.labels'));

/** True when every matchLabels pair is in `labels` (and there is at least one). */
export function selects(selector: unknown, labels: Record<string, unknown>): boolean {
  const entries = Object.entries(rec(selector));
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

const podSecurity: Rule = (objects) => {
  const problems: string[] = [];
  for (const o of objects.filter((x) => x.kind === 'Deployment' || x.kind === 'Job')) {
    for (const pod of podSpecs(o)) {
      const podSc = rec(pod.securityContext);
      if (podSc.runAsUser === 0) problems.push(`${describe(o)}: pod runAsUser is 0 (root)`);
      const containers = containersOf(pod);
      if (containers.length === 0) problems.push(`${describe(o)}: no containers`);
      for (const c of containers) {
        const where = `${describe(o)} container ${String(c.name)}`;
        const sc = rec(c.securityContext);
        if (sc.runAsNonRoot !== true && !(podSc.runAsNonRoot === true && sc.runAsNonRoot === undefined)) {
          problems.push(`${where}: runAsNonRoot must be true`);
        }
        if (sc.runAsUser === 0) problems.push(`${where}: runAsUser is 0 (root)`);
        if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem must be true`);
        if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation must be false`);
        if (sc.privileged === true) problems.push(`${where}: must not be privileged`);
        if (!arr(at(sc, 'capabilities.drop')).includes('ALL')) problems.push(`${where}: capabilities.drop must include ALL`);
        if (arr(at(sc, 'capabilities.add')).length > 0) problems.push(`${where}: must not add capabilities`);
        const seccomp = at(sc, 'seccompProfile.type') ?? at(podSc, 'seccompProfile.type');
        if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${where}: seccompProfile must be RuntimeDefault`);
        for (const kind of ['requests', 'limits']) {
          for (const resource of ['cpu', 'memory']) {
            if (at(c, `resources.${kind}.${resource}`) === undefined) problems.push(`${where}: resources.${kind}.${resource} missing`);
          }
        }
        if (typeof c.image !== 'string' || c.image.endsWith(':latest')) problems.push(`${where}: image must be set and not :latest`);
      }
      if (pod.hostNetwork === true || pod.hostPID === true || pod.hostIPC === true) problems.push(`${describe(o)}: host namespaces are not allowed`);
    }
  }
  return problems;
};

function httpProbePath(container: Rec, probe: string): unknown {
  return at(container, `${probe}.httpGet.path`);
}

const deploymentShape: Rule = (objects) => {
  const problems: string[] = [];
  for (const d of byKind(objects, 'Deployment')) {
    const pod = rec(at(d, 'spec.template.spec'));
    const labels = templateLabels(d);
    if (!selects(at(d, 'spec.selector.matchLabels'), labels)) problems.push(`${describe(d)}: selector does not match the pod template labels`);
    if (typeof at(d, 'spec.replicas') !== 'number') problems.push(`${describe(d)}: replicas must be set explicitly`);
    if (typeof pod.terminationGracePeriodSeconds !== 'number') problems.push(`${describe(d)}: terminationGracePeriodSeconds must be set`);
    if (arr(pod.topologySpreadConstraints).length === 0) problems.push(`${describe(d)}: topologySpreadConstraints missing`);
    const annotations = rec(at(d, 'spec.template.metadata.annotations'));
    if (annotations['prometheus.io/scrape'] !== 'true' || annotations['prometheus.io/path'] !== '/metrics') {
      problems.push(`${describe(d)}: pod template needs prometheus.io/scrape "true" and prometheus.io/path /metrics`);
    }
    const ports = arr(pod.containers).flatMap((c) => arr(rec(c).ports)).map((p) => String(rec(p).containerPort));
    if (!ports.includes(String(annotations['prometheus.io/port']))) problems.push(`${describe(d)}: prometheus.io/port is not a container port`);
    for (const c of arr(pod.containers).filter(isRec)) {
      const where = `${describe(d)} container ${String(c.name)}`;
      if (httpProbePath(c, 'livenessProbe') !== '/health/live') problems.push(`${where}: livenessProbe must GET /health/live`);
      if (httpProbePath(c, 'readinessProbe') !== '/health/ready') problems.push(`${where}: readinessProbe must GET /health/ready`);
      if (!isRec(c.startupProbe)) problems.push(`${where}: startupProbe missing`);
      if (!isRec(at(c, 'lifecycle.preStop'))) problems.push(`${where}: lifecycle.preStop missing`);
    }
  }
  return problems;
};

const disruptionBudgets: Rule = (objects) => {
  const problems: string[] = [];
  const pdbs = byKind(objects, 'PodDisruptionBudget');
  for (const d of byKind(objects, 'Deployment')) {
    const replicas = at(d, 'spec.replicas');
    if (typeof replicas !== 'number' || replicas < 2) continue;
    const pdb = pdbs.find((p) => sameNs(p, d) && selects(at(p, 'spec.selector.matchLabels'), templateLabels(d)));
    if (!pdb) {
      problems.push(`${describe(d)}: ${replicas} replicas but no PodDisruptionBudget selects its pods`);
      continue;
    }
    const min = at(pdb, 'spec.minAvailable');
    if (typeof min !== 'number' || min < 1 || min >= replicas) problems.push(`${describe(pdb)}: minAvailable must be between 1 and replicas-1`);
  }
  for (const p of pdbs) {
    if (!byKind(objects, 'Deployment').some((d) => sameNs(p, d) && selects(at(p, 'spec.selector.matchLabels'), templateLabels(d)))) {
      problems.push(`${describe(p)}: selects no Deployment`);
    }
  }
  return problems;
};

const servicesSelectPods: Rule = (objects) => {
  const problems: string[] = [];
  const workloads = byKind(objects, 'Deployment');
  for (const s of byKind(objects, 'Service')) {
    if (!workloads.some((d) => sameNs(s, d) && selects(at(s, 'spec.selector'), templateLabels(d)))) problems.push(`${describe(s)}: selects no Deployment`);
  }
  for (const d of workloads) {
    if (!byKind(objects, 'Service').some((s) => sameNs(s, d) && selects(at(s, 'spec.selector'), templateLabels(d)))) {
      problems.push(`${describe(d)}: no Service selects it`);
    }
  }
  return problems;
};

/** Annotation of a Deployment that migrates its own database at start-up (and so has no migration Job). */
export const MIGRATES_ON_START = 'rcp.example.com/migrates-on-start';

const migrations: Rule = (objects) =>
  byKind(objects, 'Deployment')
    .filter((d) => d.metadata.annotations?.[MIGRATES_ON_START] !== 'true')
    .filter((d) => !byKind(objects, 'Job').some((j) => sameNs(j, d) && j.metadata.name === `migrate-${d.metadata.name}`))
    .map((d) => `${describe(d)}: no migration Job migrate-${d.metadata.name}`);

function dataKeys(o: K8sObject): string[] {
  return [...Object.keys(rec(o.data)), ...Object.keys(rec(o.stringData))];
}

const references: Rule = (objects) => {
  const problems: string[] = [];
  const find = (kind: string, owner: K8sObject, name: unknown) =>
    objects.find((o) => o.kind === kind && sameNs(o, owner) && o.metadata.name === name);
  for (const o of objects) {
    for (const pod of podSpecs(o)) {
      const sa = pod.serviceAccountName;
      if (sa !== undefined && !find('ServiceAccount', o, sa)) problems.push(`${describe(o)}: ServiceAccount ${String(sa)} not found`);
      for (const c of containersOf(pod)) {
        for (const from of arr(c.envFrom).map(rec)) {
          for (const [field, kind] of [['configMapRef', 'ConfigMap'], ['secretRef', 'Secret']] as const) {
            const ref = rec(from[field]);
            if (from[field] !== undefined && !find(kind, o, ref.name)) problems.push(`${describe(o)}: envFrom ${kind} ${String(ref.name)} not found`);
          }
        }
        for (const env of arr(c.env).map(rec)) {
          for (const [field, kind] of [['configMapKeyRef', 'ConfigMap'], ['secretKeyRef', 'Secret']] as const) {
            const ref = rec(at(env, `valueFrom.${field}`));
            if (Object.keys(ref).length === 0 || ref.optional === true) continue;
            const target = find(kind, o, ref.name);
            if (!target) problems.push(`${describe(o)}: env ${String(env.name)} → ${kind} ${String(ref.name)} not found`);
            else if (!dataKeys(target).includes(String(ref.key))) problems.push(`${describe(o)}: env ${String(env.name)} → ${kind} ${String(ref.name)} has no key ${String(ref.key)}`);
          }
        }
      }
    }
  }
  return problems;
};

const secretsArePlaceholders: Rule = (objects) =>
  byKind(objects, 'Secret').flatMap((s) => [
    ...Object.entries(rec(s.stringData))
      .filter(([, v]) => !String(v).includes(PLACEHOLDER))
      .map(([k]) => `${describe(s)}: stringData.${k} is not a ${PLACEHOLDER} placeholder (never commit secrets)`),
    ...Object.keys(rec(s.data)).map((k) => `${describe(s)}: data.${k}: use stringData with ${PLACEHOLDER} placeholders in templates`),
  ]);

const namespaces: Rule = (objects, { namespace }) => {
  if (!namespace) return [];
  const problems = objects
    .filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== namespace)
    .map((o) => `${describe(o)}: expected namespace ${namespace}`);
  if (!objects.some((o) => o.kind === 'Namespace' && o.metadata.name === namespace)) problems.push(`Namespace ${namespace} is not part of the render`);
  return problems;
};

const environment: Rule = (objects, { environment: env }) => {
  const problems: string[] = [];
  const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === CONFIG_MAP);
  const endpoint = at(config, 'data.RCCS_ENDPOINT');
  const simulatorObjects = objects.filter((o) => o.metadata.labels?.[STAGING_ONLY_LABEL] === 'true' || o.metadata.name.includes(SIMULATOR));
  for (const o of objects.filter((x) => x.metadata.name.includes(SIMULATOR) && x.kind !== 'Secret')) {
    if (o.metadata.labels?.[STAGING_ONLY_LABEL] !== 'true') problems.push(`${describe(o)}: simulator objects must carry ${STAGING_ONLY_LABEL}: "true"`);
  }
  if (!env) return problems;
  if (!config) return [...problems, `ConfigMap ${CONFIG_MAP} missing`];
  if (typeof endpoint !== 'string' || endpoint === RCCS_ENDPOINT_MARKER) problems.push(`${describe(config)}: the overlay must set RCCS_ENDPOINT`);
  for (const d of byKind(objects, 'Deployment')) {
    for (const c of arr(at(d, 'spec.template.spec.containers')).map(rec)) {
      if (typeof c.image === 'string' && !c.image.includes(':') && !c.image.includes('@')) problems.push(`${describe(d)}: the overlay must pin the image tag (images:)`);
    }
  }
  if (env === 'production') {
    problems.push(...simulatorObjects.map((o) => `${describe(o)}: staging-only object in production`));
    if (typeof endpoint === 'string' && !/^https:\/\/[^/]*rakuten\.co\.jp\//.test(endpoint)) problems.push(`${describe(config)}: production RCCS_ENDPOINT must be Rakuten's https endpoint`);
  } else {
    if (!objects.some((o) => o.kind === 'Deployment' && o.metadata.name === SIMULATOR)) problems.push(`staging must run Deployment ${SIMULATOR}`);
    if (typeof endpoint === 'string' && !endpoint.startsWith(`http://${SIMULATOR}:`)) problems.push(`${describe(config)}: staging RCCS_ENDPOINT must point at the simulator`);
  }
  return problems;
};

const RULES: Rule[] = [podSecurity, deploymentShape, disruptionBudgets, servicesSelectPods, migrations, references, secretsArePlaceholders, namespaces, environment];

/** Runs every policy rule; returns the violations. */
export function checkPolicy(objects: K8sObject[], options: PolicyOptions = {}): string[] {
  return RULES.flatMap((rule) => rule(objects, options));
}
