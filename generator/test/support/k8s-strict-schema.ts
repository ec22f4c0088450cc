/**
 * Strict JSON Schemas for Kubernetes objects, offline, for tests. Source: the models of
 * @kubernetes/client-node (generated from the Kubernetes OpenAPI spec of the version the client targets):
 * every field with its type comes from each model's `attributeTypeMap`, required fields from its .d.ts
 * (non-optional properties). Every object schema has additionalProperties false, so an unknown or
 * misspelt field is an error — the way `kubectl apply --validate=strict` treats it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}
type ModelClass = { attributeTypeMap: Attribute[] };

const modelsDir = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@kubernetes/client-node')),
  'gen',
  'models',
);

/** Which model class describes a top-level object. */
const ROOTS: Record<string, string> = {
  'v1/ConfigMap': 'V1ConfigMap',
  'v1/Namespace': 'V1Namespace',
  'v1/Service': 'V1Service',
  'v1/ServiceAccount': 'V1ServiceAccount',
  'v1/Secret': 'V1Secret',
  'apps/v1/Deployment': 'V1Deployment',
  'autoscaling/v2/HorizontalPodAutoscaler': 'V2HorizontalPodAutoscaler',
  'policy/v1/PodDisruptionBudget': 'V1PodDisruptionBudget',
  'networking.k8s.io/v1/NetworkPolicy': 'V1NetworkPolicy',
};

function required(model: string): string[] {
  let dts: string;
  try {
    dts = readFileSync(path.join(modelsDir, `${model}.d.ts`), 'utf8');
  } catch {
    return [];
  }
  return [...dts.matchAll(/^ {4}'([^']+)': /gm)].map((m) => m[1] ?? '');
}

function typeSchema(type: string, format: string): Record<string, unknown> {
  if (type === 'string' || type === 'Date') return { type: 'string' };
  if (type === 'number') return format.startsWith('int') ? { type: 'integer' } : { type: 'number' };
  if (type === 'boolean') return { type: 'boolean' };
  if (type === 'IntOrString') return { type: ['string', 'integer'] };
  if (type === 'any' || type === 'object') return {};
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return { type: 'array', items: typeSchema(array[1] ?? 'any', '') };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return { type: 'object', additionalProperties: typeSchema(map[1] ?? 'any', '') };
  if (type in k8s) return { $ref: `#/definitions/${type}` };
  throw new Error(`unknown client-node type ${type}`);
}

function buildDefinitions(): Record<string, unknown> {
  const definitions: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(k8s)) {
    const map = (value as Partial<ModelClass> | undefined)?.attributeTypeMap;
    if (typeof value !== 'function' || !Array.isArray(map)) continue;
    const properties: Record<string, unknown> = {};
    for (const a of map) properties[a.baseName] = typeSchema(a.type, a.format);
    const req = required(name).map((n) => map.find((a) => a.name === n)?.baseName ?? n);
    definitions[name] = { type: 'object', additionalProperties: false, properties, required: req };
  }
  return definitions;
}

let validators: Map<string, ValidateFunction> | undefined;

function validatorFor(apiVersion: string, kind: string): ValidateFunction {
  if (!validators) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'k8s', definitions: buildDefinitions() });
    validators = new Map(
      Object.entries(ROOTS).map(([key, model]) => [key, ajv.compile({ $ref: `k8s#/definitions/${model}` })]),
    );
  }
  const v = validators.get(`${apiVersion}/${kind}`);
  if (!v) throw new Error(`no schema for ${apiVersion} ${kind}`);
  return v;
}

/** Problems of one object against the strict schema ('' joined messages), empty when valid. */
export function strictK8sErrors(obj: { apiVersion?: unknown; kind?: unknown }): string[] {
  const validate = validatorFor(String(obj.apiVersion), String(obj.kind));
  if (validate(obj)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) =>
    e.keyword === 'additionalProperties'
      ? `${e.instancePath || '/'}: unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`
      : `${e.instancePath || '/'}: ${e.message}`,
  );
}
