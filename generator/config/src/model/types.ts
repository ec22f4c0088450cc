/**
 * The config model: packs, landing zones and policies as loaded from YAML.
 * These types mirror schema/*.schema.json; a value of these types has passed schema validation.
 */

export type Environment = 'dev' | 'staging' | 'prod';
export const ENVIRONMENTS: readonly Environment[] = ['dev', 'staging', 'prod'];

/** A reference to a Kubernetes Secret key; never a secret value. */
export interface SecretRef {
  secretRef: { name: string; key: string };
}

export interface Resources {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}

export interface Autoscaling {
  minReplicas?: number;
  maxReplicas?: number;
  targetCPUUtilization?: number;
}

export type JsonSchema = Record<string, unknown>;

export type AuthType = 'none' | 'apiKey' | 'bearer' | 'basic' | 'oauth2ClientCredentials' | 'sigv4';

export interface UpstreamAuth {
  type: AuthType;
  in?: 'header' | 'query';
  name?: string;
  key?: SecretRef;
  token?: SecretRef;
  username?: SecretRef;
  password?: SecretRef;
  tokenUrl?: string;
  clientId?: SecretRef;
  clientSecret?: SecretRef;
  scopes?: string[];
  /** sigv4: signing region and service name. */
  region?: string;
  service?: string;
  accessKeyId?: SecretRef;
  secretAccessKey?: SecretRef;
  sessionToken?: SecretRef;
}

export interface Upstream {
  /** Absent or partial when the zones give the base URL (ZonePack.baseUrl). */
  baseUrls?: Partial<Record<Environment, string>>;
  auth?: UpstreamAuth;
  headers?: Record<string, string>;
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** Set when the upstream is an A2A agent: its tools carry `a2a` instead of `http`. */
  a2a?: A2aUpstream;
}

/** An A2A agent as upstream (schema/pack.schema.json#/$defs/a2aUpstream). */
export interface A2aUpstream {
  cardUrl: string;
  protocolVersion: A2aProtocolVersion;
  transport?: 'JSONRPC' | 'HTTP+JSON';
  /** The agent streams task updates (its card's capabilities.streaming): calls use SendStreamingMessage. */
  streaming?: boolean;
  /** SHA-256 of the reviewed card's canonical JSON (see a2aCardSha256). */
  cardSha256: string;
}

export type A2aProtocolVersion = '0.3' | '1.0';

/** The A2A skill a tool calls. */
export interface A2aSkillMapping {
  skill: string;
}

export type ArgLocation = 'path' | 'query' | 'header' | 'body';
export type ArgMapping = ArgLocation | { in: ArgLocation; name?: string };
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpMapping {
  method: HttpMethod;
  path: string;
  args?: Record<string, ArgMapping>;
  /** 'json' (default), 'form', 'multipart' or 'arg:<name>'. */
  body?: string;
  /** Media type of a non-JSON 'arg:<name>' body. */
  contentType?: string;
  /** Constant query parameters and headers sent with every call. */
  fixed?: { query?: Record<string, string>; headers?: Record<string, string> };
  successStatus?: number[];
}

export interface ToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/**
 * The gateway's cache of a read-only tool's answers (docs/gateway.md, "Cache"): successful results are kept
 * for `ttlSeconds`, per tool, pack version, arguments and calling subject.
 */
export interface ToolCache {
  /** Seconds an answer is served from the cache: 1 to 86400. */
  ttlSeconds: number;
}

export interface Tool {
  name: string;
  title?: string;
  description: string;
  inputSchema: JsonSchema;
  outputSchema?: JsonSchema;
  /** The HTTP request of a tool of an HTTP pack; absent exactly when `a2a` is set (the schema's oneOf). */
  http?: HttpMapping;
  /** The skill of a tool of an A2A pack (upstream.a2a). */
  a2a?: A2aSkillMapping;
  annotations?: ToolAnnotations;
  sensitive?: boolean;
  timeoutMs?: number;
  /** Opt-in answer cache; only for tools with `annotations.readOnlyHint: true` (rule tool-cache). */
  cache?: ToolCache;
}

/** A tool of an HTTP pack: the pack runtime turns its calls into `http` requests. */
export type HttpTool = Tool & { http: HttpMapping };

/** True for a tool mapped to an HTTP request (every tool of a pack without upstream.a2a). */
export function isHttpTool(tool: Tool): tool is HttpTool {
  return tool.http !== undefined;
}

export interface EnvVar {
  name: string;
  value?: string;
  secretRef?: SecretRef['secretRef'];
}

export interface PackRuntime {
  replicas?: number;
  resources?: Resources;
  autoscaling?: Autoscaling;
  env?: EnvVar[];
  baseImage?: string;
}

export interface PackSource {
  document: string;
  sha256: string;
  format?: 'swagger-2.0' | 'openapi-3.0' | 'openapi-3.1';
  operations?: { operationId?: string; method: string; path: string; tool: string }[];
}

export interface Pack {
  name: string;
  version: string;
  title?: string;
  description: string;
  owner: string;
  /** Owning tenant (tenants/<name>.yaml); absent: a shared pack. */
  tenant?: string;
  toolPrefix?: string;
  upstream: Upstream;
  tools: Tool[];
  runtime?: PackRuntime;
  source?: PackSource;
}

export interface ZonePack {
  name: string;
  version?: string;
  replicas?: number;
  resources?: Resources;
  autoscaling?: Autoscaling;
  baseImage?: string;
  egress?: string[];
  group?: string;
  /** The pack's upstream base URL in this zone; wins over the pack's upstream.baseUrls. */
  baseUrl?: string;
}

export interface BaseImage {
  image: string;
  tag?: string;
  digest?: string;
}

export interface RemoteTool {
  name: string;
  descriptionSha256: string;
  fallbackFor?: string;
  sensitive?: boolean;
}

/** A third-party MCP server the gateway may route to. */
export interface Remote {
  name: string;
  url: string;
  auth?: { type: 'none' | 'bearer' | 'apiKey'; header?: string; token?: SecretRef };
  timeoutMs?: number;
  tools: RemoteTool[];
}

export interface GatewayAuthConfig {
  issuer?: string;
  audience?: string;
  jwksUrl?: string;
  groupsClaim?: string;
  agentClaim?: string;
}

export interface Zone {
  name: string;
  description?: string;
  environment: Environment;
  cluster: { server?: string; context?: string; credentials?: SecretRef };
  namespace: string;
  registry: { host: string; repository: string; credentials?: SecretRef; insecure?: boolean };
  gitops: { repository: string; branch: string; path: string; token?: SecretRef };
  gateway?: {
    replicas?: number;
    resources?: Resources;
    autoscaling?: Autoscaling;
    baseImage?: string;
    auth?: GatewayAuthConfig;
    /** Browser access: origins allowed by CORS (none by default). */
    cors?: { allowedOrigins?: string[] };
    /** The gateway as an A2A agent (Agent Card + /a2a): off unless `enabled`. */
    a2a?: { enabled?: boolean };
  };
  packs: ZonePack[];
  baseImages?: Record<string, BaseImage>;
  network?: { egress?: string[]; allowPrivateNetworks?: boolean };
  promotion?: { from: string; healthGate?: { minReadyMinutes?: number; maxErrorRate?: number } };
  monitoring?: ZoneMonitoring;
  remotes?: Remote[];
}

/** What `raku generate` renders to monitor a zone (schema: zone.monitoring; defaults in the render layer). */
export interface ZoneMonitoring {
  /** Default true: a ServiceMonitor and a PrometheusRule; false: scrape annotations and a rule-file ConfigMap. */
  prometheusOperator?: boolean;
  /** Extra labels of the ServiceMonitor and PrometheusRule (the Prometheus resource's selectors). */
  labels?: Record<string, string>;
  alerts?: AlertThresholds;
  dashboard?: {
    /** Default true. */
    enabled?: boolean;
    /** Default the zone's namespace. */
    namespace?: string;
    /** Default 'grafana_dashboard' (the Grafana chart's sidecar default). */
    label?: string;
    /** Default '1'. */
    labelValue?: string;
  };
}

/** Per-zone alert thresholds (zone.monitoring.alerts); each absent one takes its default. */
export interface AlertThresholds {
  errorRatio?: number;
  latencyP99Seconds?: number;
  breakerOpenMinutes?: number;
  approvalBacklog?: number;
  gatewayDownMinutes?: number;
  packServerNotReadyMinutes?: number;
}

export type Scalar = string | number | boolean;

export interface Condition {
  field: string;
  equals?: Scalar;
  notEquals?: Scalar;
  in?: Scalar[];
  notIn?: Scalar[];
  matches?: string;
  /** How strings are compared (policy/text-comparison.ts); absent: whichever fails closed. */
  normalize?: 'exact' | 'caseless' | 'nfkc' | 'skeleton';
  exists?: boolean;
  lt?: number;
  lte?: number;
  gt?: number;
  gte?: number;
}

export interface Role {
  name: string;
  description?: string;
  tools: string[];
}

export interface Binding {
  role: string;
  subjects: string[];
  environments?: Environment[];
  when?: Condition[];
}

export interface DenyRule {
  name: string;
  description?: string;
  tools: string[];
  subjects: string[];
  environments?: Environment[];
  when?: Condition[];
}

export interface ApprovalRule {
  name: string;
  tools: string[];
  environments?: Environment[];
  approvers: string[];
  timeoutSeconds?: number;
}

export interface RateLimitRule {
  name: string;
  subjects: string[];
  tools?: string[];
  environments?: Environment[];
  limit: number;
  windowSeconds: number;
}

export interface Policy {
  name: string;
  description?: string;
  /** The tenant whose calls the policy governs; absent: organisation-wide (applies to every call). */
  tenant?: string;
  roles?: Role[];
  bindings?: Binding[];
  denies?: DenyRule[];
  approvals?: ApprovalRule[];
  rateLimits?: RateLimitRule[];
}

/**
 * How a caller is recognised as a tenant's member: a claim of its verified token equal to (or, for a list,
 * containing) a value, or a group of the token, optionally only from one issuer.
 */
export type TenantMember = { claim: string; equals: string } | { group: string; issuer?: string };

export interface TenantQuotas {
  callsPerMinute?: number;
  callsPerDay?: number;
  /** Calls in flight at once, per gateway replica. */
  concurrentCalls?: number;
  traceRetentionDays?: number;
}

/** A team sharing the organisation's gateways (tenants/<name>.yaml; schema/tenant.schema.json). */
export interface Tenant {
  name: string;
  description?: string;
  /** Principals responsible for the tenant's config ('user:<id>', 'group:<name>'). */
  owners: string[];
  members: TenantMember[];
  /** Shared packs the tenant may use, by name; ['*'] grants all. Absent: none. */
  shared?: string[];
  /** Principals that administer the tenant's rows (traces, approvals, jobs; deployments are the organisation's). */
  admins?: string[];
  /** Principals that see the tenant's approval requests (besides its admins); each decides those its rule names. */
  approvers?: string[];
  quotas?: TenantQuotas;
}

/**
 * The tenant of callers who belong to no tenant, and the only tenant of a repository without tenants/: it sees
 * the shared packs (every pack, when no pack names a tenant). The schema reserves the name.
 */
export const IMPLICIT_TENANT = 'default';

export type DocumentKind = 'pack' | 'zone' | 'policy' | 'tenant';

/** One loaded config document: the file it came from and its value. */
export interface Loaded<T> {
  file: string;
  value: T;
}

/** The whole repository's configuration. Only documents that passed schema validation are here. */
export interface RepoModel {
  packs: Loaded<Pack>[];
  zones: Loaded<Zone>[];
  policies: Loaded<Policy>[];
  /** Empty in a repository without tenants/ (one implicit tenant, IMPLICIT_TENANT). */
  tenants: Loaded<Tenant>[];
}
