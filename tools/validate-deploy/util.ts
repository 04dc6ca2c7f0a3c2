/** Small helpers for walking parsed YAML/JSON without `any`. */

export type Rec = Record<string, unknown>;

/** A Kubernetes object as parsed from a manifest. */
export interface K8sObject extends Rec {
  apiVersion: string;
  kind: string;
  metadata: Rec & { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

/** A rendered object and the file it came from (for error messages). */
export interface SourcedObject {
  object: K8sObject;
  source: string;
}

export function isRec(value: unknown): value is Rec {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object at `value`, or an empty object when it is missing or not an object. */
export function rec(value: unknown): Rec {
  return isRec(value) ? value : {};
}

/** The array at `value`, or an empty array. */
export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Reads a dotted path (`spec.template.spec`) from a nested object. */
export function at(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of path.split('.')) {
    if (!isRec(current)) return undefined;
    current = current[key];
  }
  return current;
}

export function isK8sObject(value: unknown): value is K8sObject {
  return (
    isRec(value) &&
    typeof value.apiVersion === 'string' &&
    typeof value.kind === 'string' &&
    isRec(value.metadata) &&
    typeof value.metadata.name === 'string'
  );
}

/** `Kind/namespace/name`, for messages. */
export function describe(o: K8sObject): string {
  return `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

export function deepClone<T>(value: T): T {
  return structuredClone(value);
}
