/**
 * Schema validation of Kubernetes objects with the validators that `kubernetes-models` generates from the official
 * Kubernetes OpenAPI specification (ajv, precompiled). Only the kinds registered here are accepted: an object of any
 * other kind is an error, so a new kind gets a schema before it gets deployed.
 *
 * Limitation (same as the upstream OpenAPI schema): unknown fields are not rejected; the policy checks cover the
 * fields that matter (probes, resources, security context, ...).
 */
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { describe, isRec, type K8sObject } from './util';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

/** `apiVersion/kind` pairs that can be validated. */
export const SUPPORTED_KINDS = Object.keys(MODELS);

/** Validates one object against its Kubernetes schema; returns the problems (empty when valid). */
export function validateK8sObject(object: unknown): string[] {
  if (!isRec(object) || typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') {
    return ['not a Kubernetes object: apiVersion and kind are required'];
  }
  const model = MODELS[`${object.apiVersion}/${object.kind}`];
  const label = isRec(object.metadata) && typeof object.metadata.name === 'string' ? describe(object as K8sObject) : object.kind;
  if (!model) return [`${label}: no schema for ${object.apiVersion} ${object.kind} (supported: ${SUPPORTED_KINDS.join(', ')})`];
  try {
    new model(object as never).validate();
    return [];
  } catch (error) {
    const details = isRec(error) && Array.isArray(error.errors) ? error.errors : [];
    if (details.length === 0) return [`${label}: ${error instanceof Error ? error.message : String(error)}`];
    return details.map((d) => {
      const e = isRec(d) ? d : {};
      return `${label}: ${String(e.instancePath || '/')} ${String(e.message ?? e.keyword)}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`;
    });
  }
}
