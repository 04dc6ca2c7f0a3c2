/**
 * A deliberately tiny, offline kustomize: exactly the subset deploy/k8s uses, and an error for anything else
 * (so a kustomization that uses a feature this renderer does not implement fails validation instead of being
 * rendered wrongly).
 *
 * Supported: `resources` (files and directories with a kustomization), `namespace` (sets metadata.namespace on
 * namespaced objects and renames Namespace objects, as kustomize does), `patches` (strategic-merge patches from
 * `path` or inline `patch`, matched by the patch's kind+name or an explicit `target` {kind, name}; lists of objects
 * merge by `name`; `null` deletes a key; `$patch: delete` removes a list item) and `images` (name → newName/newTag/
 * digest on containers and initContainers of pod templates).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { arr, deepClone, isK8sObject, isRec, rec, type K8sObject, type Rec, type SourcedObject } from './util';

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'patches', 'images']);

/** Kinds that have no namespace (the subset that could plausibly appear here). */
export const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
]);

export class KustomizeError extends Error {
  override name = 'KustomizeError';
}

/** Parses every YAML document of a manifest file; empty documents are skipped; non-objects are an error. */
export function readManifestFile(file: string, root = process.cwd()): SourcedObject[] {
  const source = relative(root, file) || file;
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const out: SourcedObject[] = [];
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) throw new KustomizeError(`${source}: YAML error: ${doc.errors[0].message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    if (!isK8sObject(value)) {
      throw new KustomizeError(`${source} (document ${index + 1}): not a Kubernetes object (apiVersion, kind, metadata.name)`);
    }
    out.push({ object: value, source });
  });
  return out;
}

function findKustomization(dir: string): string | undefined {
  return KUSTOMIZATION_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
}

/** Renders the kustomization in `dir` (recursively) into a flat list of objects. */
export function renderKustomization(dir: string, root = process.cwd()): SourcedObject[] {
  const file = findKustomization(dir);
  const where = relative(root, file ?? dir) || dir;
  if (!file) throw new KustomizeError(`${where}: no kustomization.yaml`);
  const k = rec(parseSingle(file, where));
  if (k.kind !== 'Kustomization') throw new KustomizeError(`${where}: kind must be Kustomization`);
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED_FIELDS.has(key));
  if (unsupported.length > 0) {
    throw new KustomizeError(`${where}: unsupported kustomization field(s) ${unsupported.join(', ')} (extend tools/validate-deploy/kustomize.ts)`);
  }

  let objects: SourcedObject[] = [];
  for (const entry of arr(k.resources)) {
    if (typeof entry !== 'string') throw new KustomizeError(`${where}: resources entries must be paths`);
    const path = resolve(dirname(file), entry);
    if (!existsSync(path)) throw new KustomizeError(`${where}: resource ${entry} does not exist`);
    objects = objects.concat(statSync(path).isDirectory() ? renderKustomization(path, root) : readManifestFile(path, root));
  }
  objects = objects.map((o) => ({ ...o, object: deepClone(o.object) }));

  for (const [i, entry] of arr(k.patches).entries()) applyPatchEntry(objects, rec(entry), dirname(file), `${where} patches[${i}]`);
  if (typeof k.namespace === 'string') setNamespace(objects, k.namespace);
  else if (k.namespace !== undefined) throw new KustomizeError(`${where}: namespace must be a string`);
  for (const [i, image] of arr(k.images).entries()) applyImage(objects, rec(image), `${where} images[${i}]`);

  const seen = new Set<string>();
  for (const { object, source } of objects) {
    const id = `${object.apiVersion}|${object.kind}|${object.metadata.namespace ?? ''}|${object.metadata.name}`;
    if (seen.has(id)) throw new KustomizeError(`${where}: duplicate object ${object.kind}/${object.metadata.name} (from ${source})`);
    seen.add(id);
  }
  return objects;
}

function parseSingle(file: string, where: string): unknown {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  if (docs.length !== 1) throw new KustomizeError(`${where}: expected exactly one YAML document`);
  if (docs[0].errors.length > 0) throw new KustomizeError(`${where}: YAML error: ${docs[0].errors[0].message}`);
  return docs[0].toJS();
}

function applyPatchEntry(objects: SourcedObject[], entry: Rec, baseDir: string, where: string): void {
  let patch: unknown;
  if (typeof entry.path === 'string') {
    const path = resolve(baseDir, entry.path);
    if (!existsSync(path)) throw new KustomizeError(`${where}: patch file ${entry.path} does not exist`);
    patch = parseSingle(path, `${where} (${entry.path})`);
  } else if (typeof entry.patch === 'string') {
    const docs = parseAllDocuments(entry.patch);
    if (docs.length !== 1) throw new KustomizeError(`${where}: inline patch must be one YAML document`);
    patch = docs[0].toJS();
  } else {
    throw new KustomizeError(`${where}: a patch needs path or patch`);
  }
  if (Array.isArray(patch)) throw new KustomizeError(`${where}: JSON6902 patches are not supported; use a strategic-merge patch`);
  if (!isRec(patch)) throw new KustomizeError(`${where}: patch is not an object`);
  const target = isRec(entry.target) ? entry.target : undefined;
  const kind = target ? target.kind : patch.kind;
  const name = target ? target.name : rec(patch.metadata).name;
  if (typeof kind !== 'string' || typeof name !== 'string') throw new KustomizeError(`${where}: patch target needs kind and name`);
  const matches = objects.filter((o) => o.object.kind === kind && o.object.metadata.name === name);
  if (matches.length === 0) throw new KustomizeError(`${where}: no object ${kind}/${name} to patch`);
  const body: Rec = { ...patch };
  delete body.apiVersion;
  delete body.kind;
  if (isRec(body.metadata)) {
    const metadata = { ...body.metadata };
    delete metadata.name;
    delete metadata.namespace;
    body.metadata = metadata;
  }
  for (const match of matches) {
    const merged = strategicMerge(match.object, body);
    if (!isK8sObject(merged)) throw new KustomizeError(`${where}: patch broke ${kind}/${name}`);
    match.object = merged;
  }
}

/** Strategic-merge subset: maps merge recursively, lists of named objects merge by `name`, other lists are replaced. */
export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (isRec(target) && isRec(patch)) {
    if (patch.$patch === 'replace') {
      const copy = { ...patch };
      delete copy.$patch;
      return copy;
    }
    const out: Rec = { ...target };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete out[key];
      else out[key] = key in out ? strategicMerge(out[key], value) : stripDirectives(value);
    }
    return out;
  }
  if (Array.isArray(target) && Array.isArray(patch) && isNamedList(target) && isNamedList(patch)) {
    const out: unknown[] = [...target];
    for (const item of patch as Rec[]) {
      const index = out.findIndex((t) => rec(t).name === item.name);
      if (item.$patch === 'delete') {
        if (index >= 0) out.splice(index, 1);
      } else if (index >= 0) out[index] = strategicMerge(out[index], item);
      else out.push(stripDirectives(item));
    }
    return out;
  }
  return stripDirectives(patch);
}

function isNamedList(list: unknown[]): boolean {
  return list.length > 0 && list.every((item) => isRec(item) && typeof item.name === 'string');
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isRec(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== '$patch').map(([k, v]) => [k, stripDirectives(v)]));
}

function setNamespace(objects: SourcedObject[], namespace: string): void {
  for (const { object } of objects) {
    if (object.kind === 'Namespace') object.metadata.name = namespace;
    else if (!CLUSTER_SCOPED_KINDS.has(object.kind)) object.metadata.namespace = namespace;
  }
}

/** Pod specs inside workload objects (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod). */
export function podSpecs(object: K8sObject): Rec[] {
  const spec = rec(object.spec);
  if (object.kind === 'Pod') return [spec];
  if (object.kind === 'CronJob') return [rec(rec(rec(rec(spec.jobTemplate).spec).template).spec)];
  if (isRec(spec.template)) return [rec(spec.template.spec)];
  return [];
}

export function containersOf(podSpec: Rec): Rec[] {
  return [...arr(podSpec.initContainers), ...arr(podSpec.containers)].filter(isRec);
}

function applyImage(objects: SourcedObject[], image: Rec, where: string): void {
  if (typeof image.name !== 'string') throw new KustomizeError(`${where}: name is required`);
  const unknown = Object.keys(image).filter((k) => !['name', 'newName', 'newTag', 'digest'].includes(k));
  if (unknown.length > 0) throw new KustomizeError(`${where}: unsupported field(s) ${unknown.join(', ')}`);
  for (const { object } of objects) {
    for (const container of podSpecs(object).flatMap(containersOf)) {
      if (typeof container.image !== 'string') continue;
      const ref = parseImage(container.image);
      if (ref.name !== image.name) continue;
      const name = typeof image.newName === 'string' ? image.newName : ref.name;
      if (typeof image.digest === 'string') container.image = `${name}@${image.digest}`;
      else if (image.newTag !== undefined) container.image = `${name}:${String(image.newTag)}`;
      else container.image = `${name}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
    }
  }
}

/** Splits `registry:5000/repo/name:tag@sha256:…` into name, tag and digest. */
export function parseImage(image: string): { name: string; tag?: string; digest?: string } {
  const [withoutDigest, digest] = image.split('@', 2);
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon > slash) return { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), digest };
  return { name: withoutDigest, digest };
}

export type { K8sObject };
