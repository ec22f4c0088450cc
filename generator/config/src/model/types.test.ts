import packSchema from '@raku/schema/pack.schema.json' with { type: 'json' };
import policySchema from '@raku/schema/policy.schema.json' with { type: 'json' };
import tenantSchema from '@raku/schema/tenant.schema.json' with { type: 'json' };
import zoneSchema from '@raku/schema/zone.schema.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import type {
  A2aProtocolVersion,
  A2aSkillMapping,
  A2aUpstream,
  AlertThresholds,
  ApprovalRule,
  ArgLocation,
  ArgMapping,
  AuthType,
  Autoscaling,
  BaseImage,
  Binding,
  Condition,
  DenyRule,
  Environment,
  EnvVar,
  GatewayAuthConfig,
  HttpMapping,
  HttpMethod,
  Pack,
  PackRuntime,
  PackSource,
  Policy,
  RateLimitRule,
  Remote,
  RemoteTool,
  Resources,
  Role,
  SecretRef,
  Tenant,
  TenantMember,
  TenantQuotas,
  Tool,
  ToolAnnotations,
  ToolCache,
  Upstream,
  UpstreamAuth,
  Zone,
  ZoneMonitoring,
  ZonePack,
} from './types.ts';
import { ENVIRONMENTS } from './types.ts';

// types.ts is written by hand; this file ties it to the JSON Schemas both ways. Each object the schemas
// describe is listed below with its TypeScript type and its keys. The type checker holds each list to the
// type (a key added to, removed from or made optional in the type is a compile error here); the tests hold
// each list to the schema (a property added, removed or made required there fails). Enums likewise.

type RequiredKeys<T> = { [K in keyof T]-?: Record<never, never> extends Pick<T, K> ? never : K }[keyof T];
type OptionalKeys<T> = Exclude<keyof T, RequiredKeys<T>>;
/** L itself when it lists every member of U; otherwise a type naming what is missing, so the call fails. */
type Exactly<U, L extends readonly unknown[]> = [Exclude<U, L[number]>] extends [never]
  ? L
  : { missing: Exclude<U, L[number]> };

interface Shape {
  required: string[];
  optional: string[];
}

/** The required and optional keys of T, checked by the compiler to be all of them and only them. */
function keysOf<T>() {
  return <const R extends readonly RequiredKeys<T>[], const O extends readonly OptionalKeys<T>[]>(
    required: R & Exactly<RequiredKeys<T>, R>,
    optional: O & Exactly<OptionalKeys<T>, O>,
  ): Shape => ({ required: [...required].map(String), optional: [...optional].map(String) });
}

/** The members of a union of string literals, checked by the compiler to be all of them. */
function valuesOf<U extends string>() {
  return <const L extends readonly U[]>(values: L & Exactly<U, L>): string[] => [...values];
}

type Def<T> = NonNullable<T>;
type Item<T> = NonNullable<T> extends readonly (infer I)[] ? I : never;

/**
 * Every object of the schemas, by position: 'pack.upstream' is a property, 'x[]' the items of an array, 'x{}'
 * the values of a map, 'pack#tool' a $defs entry, '|anyOf1' a branch.
 */
const OBJECTS: Record<string, Shape> = {
  pack: keysOf<Pack>()(
    ['name', 'version', 'description', 'owner', 'upstream', 'tools'],
    ['title', 'tenant', 'toolPrefix', 'runtime', 'source'],
  ),
  'pack#secretRef': keysOf<SecretRef>()(['secretRef'], []),
  'pack#secretRef.secretRef': keysOf<SecretRef['secretRef']>()(['name', 'key'], []),
  'pack#resources': keysOf<Resources>()([], ['requests', 'limits']),
  'pack#resources.requests': keysOf<Def<Resources['requests']>>()([], ['cpu', 'memory']),
  'pack#resources.limits': keysOf<Def<Resources['limits']>>()([], ['cpu', 'memory']),
  'pack#autoscaling': keysOf<Autoscaling>()([], ['minReplicas', 'maxReplicas', 'targetCPUUtilization']),
  'pack#upstream': keysOf<Upstream>()(
    [],
    ['baseUrls', 'auth', 'headers', 'timeoutMs', 'maxResponseBytes', 'a2a'],
  ),
  'pack#a2aUpstream': keysOf<A2aUpstream>()(
    ['cardUrl', 'protocolVersion', 'cardSha256'],
    ['transport', 'streaming'],
  ),
  'pack#a2aSkill': keysOf<A2aSkillMapping>()(['skill'], []),
  'pack#upstream.baseUrls': keysOf<Def<Upstream['baseUrls']>>()([], ['dev', 'staging', 'prod']),
  'pack#auth': keysOf<UpstreamAuth>()(
    ['type'],
    [
      'in',
      'name',
      'key',
      'token',
      'username',
      'password',
      'tokenUrl',
      'clientId',
      'clientSecret',
      'scopes',
      'region',
      'service',
      'accessKeyId',
      'secretAccessKey',
      'sessionToken',
    ],
  ),
  'pack#tool': keysOf<Tool>()(
    ['name', 'description', 'inputSchema'],
    ['title', 'outputSchema', 'http', 'a2a', 'annotations', 'sensitive', 'timeoutMs', 'cache'],
  ),
  'pack#tool.cache': keysOf<ToolCache>()(['ttlSeconds'], []),
  'pack#tool.annotations': keysOf<ToolAnnotations>()(
    [],
    ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'],
  ),
  'pack#httpMapping': keysOf<HttpMapping>()(
    ['method', 'path'],
    ['args', 'body', 'contentType', 'fixed', 'successStatus'],
  ),
  'pack#httpMapping.args{}|anyOf1': keysOf<Extract<ArgMapping, object>>()(['in'], ['name']),
  'pack#httpMapping.fixed': keysOf<Def<HttpMapping['fixed']>>()([], ['query', 'headers']),
  'pack#envVar': keysOf<EnvVar>()(['name'], ['value', 'secretRef']),
  'pack#runtime': keysOf<PackRuntime>()([], ['replicas', 'resources', 'autoscaling', 'env', 'baseImage']),
  'pack#source': keysOf<PackSource>()(['document', 'sha256'], ['format', 'operations']),
  'pack#source.operations[]': keysOf<Item<PackSource['operations']>>()(
    ['method', 'path', 'tool'],
    ['operationId'],
  ),

  zone: keysOf<Zone>()(
    ['name', 'environment', 'cluster', 'namespace', 'registry', 'gitops', 'packs'],
    ['description', 'gateway', 'baseImages', 'network', 'promotion', 'monitoring', 'remotes'],
  ),
  'zone.cluster': keysOf<Zone['cluster']>()([], ['server', 'context', 'credentials']),
  'zone.registry': keysOf<Zone['registry']>()(['host', 'repository'], ['credentials', 'insecure']),
  'zone.gitops': keysOf<Zone['gitops']>()(['repository', 'branch', 'path'], ['token']),
  'zone.gateway': keysOf<Def<Zone['gateway']>>()(
    [],
    ['replicas', 'resources', 'autoscaling', 'baseImage', 'auth', 'cors', 'a2a'],
  ),
  'zone.gateway.auth': keysOf<GatewayAuthConfig>()(
    [],
    ['issuer', 'audience', 'jwksUrl', 'groupsClaim', 'agentClaim'],
  ),
  'zone.gateway.cors': keysOf<Def<Def<Zone['gateway']>['cors']>>()([], ['allowedOrigins']),
  'zone.gateway.a2a': keysOf<Def<Def<Zone['gateway']>['a2a']>>()([], ['enabled']),
  'zone.packs[]': keysOf<ZonePack>()(
    ['name'],
    ['version', 'replicas', 'resources', 'autoscaling', 'baseImage', 'egress', 'group', 'baseUrl'],
  ),
  'zone.baseImages{}': keysOf<BaseImage>()(['image'], ['tag', 'digest']),
  'zone.network': keysOf<Def<Zone['network']>>()([], ['egress', 'allowPrivateNetworks']),
  'zone.promotion': keysOf<Def<Zone['promotion']>>()(['from'], ['healthGate']),
  'zone.promotion.healthGate': keysOf<Def<Def<Zone['promotion']>['healthGate']>>()(
    [],
    ['minReadyMinutes', 'maxErrorRate'],
  ),
  'zone.monitoring': keysOf<ZoneMonitoring>()([], ['prometheusOperator', 'labels', 'alerts', 'dashboard']),
  'zone.monitoring.alerts': keysOf<AlertThresholds>()(
    [],
    [
      'errorRatio',
      'latencyP99Seconds',
      'breakerOpenMinutes',
      'approvalBacklog',
      'gatewayDownMinutes',
      'packServerNotReadyMinutes',
    ],
  ),
  'zone.monitoring.dashboard': keysOf<Def<ZoneMonitoring['dashboard']>>()(
    [],
    ['enabled', 'namespace', 'label', 'labelValue'],
  ),
  'zone#secretRef': keysOf<SecretRef>()(['secretRef'], []),
  'zone#secretRef.secretRef': keysOf<SecretRef['secretRef']>()(['name', 'key'], []),
  'zone#resources': keysOf<Resources>()([], ['requests', 'limits']),
  'zone#resources.requests': keysOf<Def<Resources['requests']>>()([], ['cpu', 'memory']),
  'zone#resources.limits': keysOf<Def<Resources['limits']>>()([], ['cpu', 'memory']),
  'zone#autoscaling': keysOf<Autoscaling>()([], ['minReplicas', 'maxReplicas', 'targetCPUUtilization']),
  'zone#remote': keysOf<Remote>()(['name', 'url', 'tools'], ['auth', 'timeoutMs']),
  'zone#remote.auth': keysOf<Def<Remote['auth']>>()(['type'], ['header', 'token']),
  'zone#remote.tools[]': keysOf<RemoteTool>()(['name', 'descriptionSha256'], ['fallbackFor', 'sensitive']),

  policy: keysOf<Policy>()(
    ['name'],
    ['description', 'tenant', 'roles', 'bindings', 'denies', 'approvals', 'rateLimits'],
  ),
  'policy.roles[]': keysOf<Role>()(['name', 'tools'], ['description']),
  'policy.bindings[]': keysOf<Binding>()(['role', 'subjects'], ['environments', 'when']),
  'policy.denies[]': keysOf<DenyRule>()(
    ['name', 'tools', 'subjects'],
    ['description', 'environments', 'when'],
  ),
  'policy.approvals[]': keysOf<ApprovalRule>()(
    ['name', 'tools', 'approvers'],
    ['environments', 'timeoutSeconds'],
  ),
  'policy.rateLimits[]': keysOf<RateLimitRule>()(
    ['name', 'subjects', 'limit', 'windowSeconds'],
    ['tools', 'environments'],
  ),
  'policy#condition': keysOf<Condition>()(
    ['field'],
    ['equals', 'notEquals', 'in', 'notIn', 'matches', 'normalize', 'exists', 'lt', 'lte', 'gt', 'gte'],
  ),

  tenant: keysOf<Tenant>()(
    ['name', 'owners', 'members'],
    ['description', 'shared', 'admins', 'approvers', 'quotas'],
  ),
  'tenant.members[]|oneOf0': keysOf<Extract<TenantMember, { claim: string }>>()(['claim', 'equals'], []),
  'tenant.members[]|oneOf1': keysOf<Extract<TenantMember, { group: string }>>()(['group'], ['issuer']),
  'tenant.quotas': keysOf<TenantQuotas>()(
    [],
    ['callsPerMinute', 'callsPerDay', 'concurrentCalls', 'traceRetentionDays'],
  ),
};

/** Every enum of the schemas, by position, with the union type it becomes. */
const ENUMS: Record<string, string[]> = {
  'pack#environment': valuesOf<Environment>()(['dev', 'staging', 'prod']),
  'pack#auth.type': valuesOf<AuthType>()([
    'none',
    'apiKey',
    'bearer',
    'basic',
    'oauth2ClientCredentials',
    'sigv4',
  ]),
  'pack#auth.in': valuesOf<Def<UpstreamAuth['in']>>()(['header', 'query']),
  'pack#a2aUpstream.protocolVersion': valuesOf<A2aProtocolVersion>()(['0.3', '1.0']),
  'pack#a2aUpstream.transport': valuesOf<Def<A2aUpstream['transport']>>()(['JSONRPC', 'HTTP+JSON']),
  'pack#httpMapping.method': valuesOf<HttpMethod>()(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']),
  'pack#httpMapping.args{}|anyOf0': valuesOf<ArgLocation>()(['path', 'query', 'header', 'body']),
  'pack#httpMapping.args{}|anyOf1.in': valuesOf<ArgLocation>()(['path', 'query', 'header', 'body']),
  'pack#source.format': valuesOf<Def<PackSource['format']>>()(['swagger-2.0', 'openapi-3.0', 'openapi-3.1']),
  'zone.environment': valuesOf<Environment>()(['dev', 'staging', 'prod']),
  'zone#remote.auth.type': valuesOf<Def<Remote['auth']>['type']>()(['none', 'bearer', 'apiKey']),
  'policy#environments[]': valuesOf<Item<Binding['environments']>>()(['dev', 'staging', 'prod']),
  'policy#condition.normalize': valuesOf<Def<Condition['normalize']>>()([
    'exact',
    'caseless',
    'nfkc',
    'skeleton',
  ]),
};

type Node = Record<string, unknown>;

/** Walks a schema and its $defs: every object with properties, and every enum, by position. */
function positions(
  name: string,
  schema: Node,
): { objects: Map<string, Node>; enums: Map<string, unknown[]> } {
  const objects = new Map<string, Node>();
  const enums = new Map<string, unknown[]>();
  const walk = (node: unknown, at: string): void => {
    if (typeof node !== 'object' || node === null || '$ref' in node) return;
    const n = node as Node;
    if (Array.isArray(n.enum)) enums.set(at, n.enum);
    if (n.properties) objects.set(at, n);
    for (const [key, value] of Object.entries((n.properties ?? {}) as Node)) walk(value, `${at}.${key}`);
    walk(n.items, `${at}[]`);
    walk(n.additionalProperties, `${at}{}`);
    for (const branch of ['anyOf', 'oneOf', 'allOf'] as const) {
      for (const [i, b] of ((n[branch] ?? []) as unknown[]).entries()) walk(b, `${at}|${branch}${i}`);
    }
    walk(n.then, `${at}|then`);
    walk(n.else, `${at}|else`);
  };
  walk(schema, name);
  for (const [def, value] of Object.entries((schema.$defs ?? {}) as Node)) walk(value, `${name}#${def}`);
  return { objects, enums };
}

const schemas = {
  pack: packSchema,
  zone: zoneSchema,
  policy: policySchema,
  tenant: tenantSchema,
} as Record<string, Node>;
const walked = Object.entries(schemas).map(([name, schema]) => positions(name, schema));
const schemaObjects = new Map(walked.flatMap((w) => [...w.objects]));
const schemaEnums = new Map(walked.flatMap((w) => [...w.enums]));

describe('the model types and the JSON Schemas', () => {
  it('list the same objects: each object in a schema has a model type here', () => {
    expect([...schemaObjects.keys()].sort()).toEqual(Object.keys(OBJECTS).sort());
  });

  it.each(Object.keys(OBJECTS))('agree on the required and optional keys of %s', (at) => {
    const node = schemaObjects.get(at) as Node;
    const required = ((node.required ?? []) as string[]).slice().sort();
    const optional = Object.keys(node.properties as Node)
      .filter((k) => !required.includes(k))
      .sort();
    const shape = OBJECTS[at] as Shape;
    expect({ required: shape.required.slice().sort(), optional: shape.optional.slice().sort() }).toEqual({
      required,
      optional,
    });
  });

  it('close every object: a property the model does not know is a schema error', () => {
    for (const [at, node] of schemaObjects) expect(node.additionalProperties, at).toBe(false);
  });

  it('name the same environments in ENVIRONMENTS as in every schema enum of environments', () => {
    for (const at of ['pack#environment', 'zone.environment', 'policy#environments[]']) {
      expect([...ENVIRONMENTS].sort(), at).toEqual((schemaEnums.get(at) as string[]).slice().sort());
    }
  });

  it('list the same enums, with the same values', () => {
    expect([...schemaEnums.keys()].sort()).toEqual(Object.keys(ENUMS).sort());
    for (const [at, values] of schemaEnums) {
      expect((ENUMS[at] as string[]).slice().sort(), at).toEqual((values as string[]).slice().sort());
    }
  });
});
