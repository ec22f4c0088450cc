/**
 * The runtime's typed options, parsed from the environment and argv by a pure function (main.ts is the only
 * place that reads process.env). Every variable is documented in docs/gateway.md.
 */
import { type AiConfig, aiConfigFromEnv, ENVIRONMENTS, type Environment, UserError } from '@raku/config';
import { DEFAULT_MAX_DOCUMENT_BYTES, type ImportSettings } from '../builder/types.ts';
import type { GitHubConfigSettings } from '../config-repo/types.ts';
import { type TelemetryOptions, telemetryOptionsFrom } from '../telemetry/otel-env.ts';
import { DEFAULT_RETENTION_DAYS } from '../traces/trace-retention.ts';
import type { ClusterAccess } from '../zones/cluster-types.ts';
import { normaliseOrigin } from './cors.ts';
import { isLoopback } from './http-server.ts';
import { type TraceStoreOptions, traceStoreOptions } from './trace-store-options.ts';

export type Role = 'pack-server' | 'gateway' | 'local';
export const ROLES: readonly Role[] = ['pack-server', 'gateway', 'local'];

/** How local mode authenticates callers: its static token (default), or not at all (loopback only). */
export type LocalAuth = 'token' | 'none';
export const LOCAL_AUTH_MODES: readonly LocalAuth[] = ['token', 'none'];

/** `traceStore` and `clickhouse`: where traces go (RAKU_TRACE_STORE, RAKU_CLICKHOUSE_URL, _DATABASE). */
export interface RuntimeOptions extends TraceStoreOptions {
  role: Role;
  port: number;
  host: string;
  /** pack-server: folder of <pack>.json files. */
  packsDir: string;
  /** gateway: the bundle JSON. */
  bundlePath: string;
  /** pack-server: selects upstream.baseUrls. gateway/local: taken from the bundle/zone. */
  environment: Environment;
  /** Postgres URL; unset means embedded PGlite under `dataDir`. */
  databaseUrl: string | undefined;
  /**
   * RAKU_DATABASE_OWNER_URL: the tables' owner, used only to migrate (and grant DATABASE_URL's login the
   * tables), so DATABASE_URL can be a login that owns nothing and cannot lift row-level security.
   */
  databaseOwnerUrl?: string;
  dataDir: string;
  allowPrivateNetworks: boolean;
  /** Principals with the admin role, e.g. 'group:raku-admins'. */
  adminSubjects: string[];
  redisUrl: string | undefined;
  /** local: repository root and zone. */
  root: string;
  zone: string;
  /** How long a call waits for an approval before the agent gets a job id. */
  approvalWaitMs: number;
  /** Days traces are kept before the retention sweep deletes them; 0 keeps them forever. */
  traceRetentionDays: number;
  /** Answer 2026-07-28 tools/call and tools/list on the MCP hot path (false: every request through the SDK). */
  mcpHotPath: boolean;
  /**
   * local: RAKU_AUTH. 'none' serves every request as the local principal without a token; refused unless HOST
   * is a loopback address. Default 'token'.
   */
  auth: LocalAuth;
  /**
   * gateway/local: RAKU_CORS_ORIGINS, origins browsers may call from, replacing the zone's
   * gateway.cors.allowedOrigins. Undefined: the zone's list (none by default).
   */
  corsOrigins: string[] | undefined;
  /**
   * gateway/local: RAKU_CONSOLE_SESSION_KEY, 32 bytes sealing the console's cookies (replicas share it).
   * Undefined: a random key per process, so console sessions end with the process.
   */
  consoleSessionKey: Uint8Array | undefined;
  /** gateway/local: RAKU_CONSOLE_URL, where browsers reach the console (OIDC redirect URI, Secure cookies). */
  consoleUrl: string | undefined;
  /** gateway: the console's OIDC client (RAKU_CONSOLE_OIDC_CLIENT_ID, _CLIENT_SECRET, _SCOPES). */
  consoleOidc: { clientId: string; clientSecret?: string; scopes?: string[] } | undefined;
  /**
   * gateway: RAKU_KUBE_ACCESS, how the deployment-logs stream reaches the Kubernetes API for pod events and
   * container logs: 'in-cluster' (the pod's service account) or 'kubeconfig' (KUBECONFIG, one file, or
   * ~/.kube/config; RAKU_KUBE_CONTEXT picks a context). Undefined (the default, or 'off'): no cluster access.
   * Security: the gateway then reads its namespace's logs with the RBAC granted (docs/gateway.md).
   */
  clusterAccess: ClusterAccess | undefined;
  /**
   * gateway/local: the config repository on GitHub (RAKU_CONFIG_REPOSITORY, RAKU_CONFIG_BRANCH, RAKU_GITHUB_TOKEN
   * or RAKU_GITHUB_APP_ID + RAKU_GITHUB_APP_PRIVATE_KEY [+ RAKU_GITHUB_APP_INSTALLATION_ID], GITHUB_API_URL).
   * The gateway role reads its config there and opens pull requests; local mode opens pull requests there.
   * Undefined: no GitHub; the console offers changes as patches.
   */
  configGitHub: GitHubConfigSettings | undefined;
  /**
   * gateway/local: RAKU_IMPORT_URLS, whether the console's import may fetch documents from URLs: 'off'
   * (default), 'public' (1/true: public addresses only) or 'private' (private networks too).
   */
  importUrls: 'off' | 'public' | 'private';
  /** gateway/local: RAKU_IMPORT_MAX_BYTES, the largest body of the import routes. Default 32 MiB. */
  importMaxBytes: number;
  /**
   * gateway/local: the import's AI suggestions, from the variables `raku import openapi --ai` reads
   * (AZURE_OPENAI_ENDPOINT + AZURE_OPENAI_API_KEY + AZURE_OPENAI_DEPLOYMENT [+ OPENAI_API_VERSION], else
   * OPENAI_API_KEY [+ OPENAI_BASE_URL, RAKU_AI_MODEL]). Undefined: none configured.
   */
  importAi: AiConfig | undefined;
  /**
   * OpenTelemetry export from the standard OTEL_* variables (docs/observability.md): off unless an OTLP endpoint
   * is set. The service name defaults to raku-gateway, raku-pack-server or raku-local by role.
   */
  telemetry: TelemetryOptions;
  /**
   * gateway/local: RAKU_TRACING_URL, a link to a trace in the tracing backend with `{traceId}` where the W3C
   * trace id goes (https://jaeger.example/trace/{traceId}); the console links each trace to it. Undefined: no link.
   */
  tracingUrl: string | undefined;
  /** Environment lookup for secrets (RAKU_SECRET_*), kept as a function so nothing else reads the env. */
  secrets: (name: string) => string | undefined;
}

function intOption(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  max = 2 ** 31,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new UserError(`${name} must be an integer between 0 and ${max}, not "${raw}"`);
  return n;
}

function boolOption(env: Record<string, string | undefined>, name: string, fallback = false): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new UserError(`${name} must be "true" or "false", not "${raw}"`);
}

/** RAKU_CORS_ORIGINS: comma-separated http(s) origins, each checked and serialised as browsers send it. */
function corsOrigins(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const origins: string[] = [];
  for (const entry of raw.split(',').map((e) => e.trim())) {
    if (entry === '') continue;
    const origin = normaliseOrigin(entry);
    if (!origin) {
      throw new UserError(
        `RAKU_CORS_ORIGINS: "${entry}" is not an origin; list origins as scheme://host[:port], comma-separated (e.g. http://localhost:6274)`,
      );
    }
    origins.push(origin);
  }
  return origins;
}

/** RAKU_CONSOLE_SESSION_KEY: exactly 32 bytes in base64url; the value is not echoed. */
function consoleSessionKey(raw: string | undefined): Uint8Array | undefined {
  if (!raw) return undefined;
  const bytes = /^[A-Za-z0-9_-]+$/.test(raw) ? Buffer.from(raw, 'base64url') : Buffer.alloc(0);
  if (bytes.length !== 32) {
    throw new UserError(
      'RAKU_CONSOLE_SESSION_KEY must be 32 bytes in base64url (43 characters; make one with: openssl rand 32 | basenc --base64url), or unset for a key per process',
    );
  }
  return new Uint8Array(bytes);
}

/** RAKU_CONSOLE_URL: an http(s) URL without path beyond '/' (the console is at <url>/console/). */
function consoleUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.pathname !== '/' || url.search) {
    throw new UserError(
      `RAKU_CONSOLE_URL must be the gateway's public origin, as browsers reach it (https://raku.example.com), not "${raw}"`,
    );
  }
  return url.origin;
}

function consoleOidc(env: Readonly<Record<string, string | undefined>>): RuntimeOptions['consoleOidc'] {
  const clientId = env['RAKU_CONSOLE_OIDC_CLIENT_ID'];
  if (!clientId) return undefined;
  const secret = env['RAKU_CONSOLE_OIDC_CLIENT_SECRET'];
  const scopes = env['RAKU_CONSOLE_OIDC_SCOPES']?.split(/[\s,]+/).filter(Boolean);
  return {
    clientId,
    ...(secret ? { clientSecret: secret } : {}),
    ...(scopes && scopes.length > 0 ? { scopes } : {}),
  };
}

/** DATABASE_URL (or `name`) must be a Postgres URL; its value is not echoed (it may hold a password). */
function databaseUrl(raw: string | undefined, name = 'DATABASE_URL'): string | undefined {
  if (!raw) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')) {
    throw new UserError(
      `${name} is not a Postgres URL: use postgres://user:password@host:5432/database (or unset it${name === 'DATABASE_URL' ? ' for the embedded PGlite' : ''})`,
    );
  }
  return raw;
}

/** Parses options; `argv[0]` may name the role (it wins over RAKU_ROLE). Throws UserError on bad values. */
export function parseRuntimeOptions(
  env: Readonly<Record<string, string | undefined>>,
  argv: readonly string[],
  cwd: string,
): RuntimeOptions {
  const role = (argv[0] ?? env['RAKU_ROLE']) as Role | undefined;
  if (!role || !ROLES.includes(role)) {
    throw new UserError(
      `${role === undefined ? 'no role given' : `unknown role "${role}"`}: set RAKU_ROLE (or pass it as the first argument) to one of ${ROLES.join(', ')}`,
    );
  }
  const environment = (env['RAKU_ENVIRONMENT'] ?? 'dev') as Environment;
  if (!ENVIRONMENTS.includes(environment)) {
    throw new UserError(`RAKU_ENVIRONMENT must be one of ${ENVIRONMENTS.join(', ')}, not "${environment}"`);
  }
  const host = env['HOST'] || '127.0.0.1';
  const auth = (env['RAKU_AUTH'] || 'token') as LocalAuth;
  if (!LOCAL_AUTH_MODES.includes(auth)) {
    throw new UserError(`RAKU_AUTH must be one of ${LOCAL_AUTH_MODES.join(', ')}, not "${auth}"`);
  }
  if (auth === 'none' && role !== 'local') {
    throw new UserError(
      `RAKU_AUTH=none is only for local mode (npm start); the ${role} role always authenticates callers`,
    );
  }
  if (auth === 'none' && !isLoopback(host)) {
    throw new UserError(
      `RAKU_AUTH=none serves every tool without a token, so it needs a loopback listener: HOST is ${host}; set HOST=127.0.0.1 (or ::1), or drop RAKU_AUTH=none and use the local token`,
    );
  }
  const snapshot = { ...env };
  return {
    role,
    port: intOption(env, 'PORT', 8080, 65535),
    host,
    packsDir: env['RAKU_PACKS_DIR'] || '/app/packs',
    bundlePath: env['RAKU_BUNDLE'] || '/etc/raku/bundle/bundle.json',
    environment,
    databaseUrl: databaseUrl(env['DATABASE_URL']),
    ...(env['RAKU_DATABASE_OWNER_URL']
      ? { databaseOwnerUrl: databaseUrl(env['RAKU_DATABASE_OWNER_URL'], 'RAKU_DATABASE_OWNER_URL') }
      : {}),
    dataDir: env['RAKU_DATA_DIR'] || `${cwd}/.raku/pglite`,
    allowPrivateNetworks: boolOption(env, 'RAKU_ALLOW_PRIVATE_NETWORKS'),
    adminSubjects: (env['RAKU_ADMIN_SUBJECTS'] ?? 'group:raku-admins')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    redisUrl: env['REDIS_URL'] || undefined,
    root: env['RAKU_ROOT'] || cwd,
    zone: env['RAKU_ZONE'] || 'dev',
    approvalWaitMs: intOption(env, 'RAKU_APPROVAL_WAIT_MS', 20_000),
    traceRetentionDays: intOption(env, 'RAKU_TRACE_RETENTION_DAYS', DEFAULT_RETENTION_DAYS, 36_500),
    ...traceStoreOptions(env),
    mcpHotPath: boolOption(env, 'RAKU_MCP_HOT_PATH', true),
    auth,
    corsOrigins: corsOrigins(env['RAKU_CORS_ORIGINS']),
    consoleSessionKey: consoleSessionKey(env['RAKU_CONSOLE_SESSION_KEY']),
    consoleUrl: consoleUrl(env['RAKU_CONSOLE_URL']),
    consoleOidc: consoleOidc(env),
    clusterAccess: clusterAccess(env),
    configGitHub: configGitHub(env),
    importUrls: importUrlsOption(env['RAKU_IMPORT_URLS']),
    importMaxBytes: intOption(env, 'RAKU_IMPORT_MAX_BYTES', DEFAULT_MAX_DOCUMENT_BYTES, 256 * 1024 * 1024),
    importAi: aiConfigFromEnv(env),
    telemetry: telemetryOptionsFrom(env, { serviceName: `raku-${role}` }),
    tracingUrl: tracingUrl(env['RAKU_TRACING_URL']),
    secrets: (name) => snapshot[name],
  };
}

/** RAKU_TRACING_URL: an http(s) URL template holding `{traceId}`. */
function tracingUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw.replaceAll('{traceId}', '0'));
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !raw.includes('{traceId}')) {
    throw new UserError(
      `RAKU_TRACING_URL must be an http(s) URL with {traceId} where the trace id goes (e.g. https://jaeger.example.com/trace/{traceId}), not "${raw}"`,
    );
  }
  return raw;
}

/** RAKU_KUBE_ACCESS (+ KUBECONFIG, RAKU_KUBE_CONTEXT for 'kubeconfig'). */
function clusterAccess(env: Readonly<Record<string, string | undefined>>): ClusterAccess | undefined {
  const mode = env['RAKU_KUBE_ACCESS'] || 'off';
  if (mode === 'off') return undefined;
  if (mode === 'in-cluster') return { mode };
  if (mode !== 'kubeconfig') {
    throw new UserError(`RAKU_KUBE_ACCESS must be one of off, in-cluster, kubeconfig, not "${mode}"`);
  }
  const file = env['KUBECONFIG'];
  if (file?.includes(':')) {
    throw new UserError(`KUBECONFIG lists several files ("${file}"); RAKU_KUBE_ACCESS=kubeconfig reads one`);
  }
  const context = env['RAKU_KUBE_CONTEXT'];
  return { mode, ...(file ? { file } : {}), ...(context ? { context } : {}) };
}

/**
 * RAKU_IMPORT_URLS: unset, false or 0 → off; true or 1 → public addresses only; private → private networks
 * too (the operator's explicit choice for imports, whatever packs may reach).
 */
function importUrlsOption(raw: string | undefined): RuntimeOptions['importUrls'] {
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return 'off';
  if (raw === 'true' || raw === '1') return 'public';
  if (raw === 'private') return 'private';
  throw new UserError(
    `RAKU_IMPORT_URLS must be "1" (public addresses), "private" (private networks too) or "0", not "${raw}"`,
  );
}

/**
 * The import builder's settings from the options. Private networks only by RAKU_IMPORT_URLS=private, never by
 * the packs' allowPrivateNetworks: an operator who lets packs reach internal APIs has not let an admin's
 * import fetch from them.
 */
export function importSettings(options: RuntimeOptions): ImportSettings {
  return {
    fetchUrls: options.importUrls !== 'off',
    allowPrivateNetworks: options.importUrls === 'private',
    maxDocumentBytes: options.importMaxBytes,
    ...(options.importAi ? { ai: options.importAi } : {}),
  };
}

/**
 * The config repository on GitHub. Nothing set: undefined. A repository without credentials, credentials
 * without a repository, an App id without its key (or the reverse), a malformed repository, installation id
 * or API URL: a UserError at start naming the variable. Secret values are never echoed.
 */
function configGitHub(env: Readonly<Record<string, string | undefined>>): GitHubConfigSettings | undefined {
  const repository = env['RAKU_CONFIG_REPOSITORY'] || undefined;
  const token = env['RAKU_GITHUB_TOKEN'] || undefined;
  const appId = env['RAKU_GITHUB_APP_ID'] || undefined;
  const rawKey = env['RAKU_GITHUB_APP_PRIVATE_KEY'] || undefined;
  const installation = env['RAKU_GITHUB_APP_INSTALLATION_ID'] || undefined;
  if (!repository) {
    const set = [
      token && 'RAKU_GITHUB_TOKEN',
      appId && 'RAKU_GITHUB_APP_ID',
      rawKey && 'RAKU_GITHUB_APP_PRIVATE_KEY',
      installation && 'RAKU_GITHUB_APP_INSTALLATION_ID',
      env['RAKU_CONFIG_BRANCH'] && 'RAKU_CONFIG_BRANCH',
    ].filter(Boolean);
    if (set.length === 0) return undefined;
    throw new UserError(
      `${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set but RAKU_CONFIG_REPOSITORY is not: set it to the config repository (owner/name), or unset ${set.length === 1 ? 'it' : 'them'}`,
    );
  }
  if (
    !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/.test(repository) ||
    /\/\.\.?$/.test(repository)
  ) {
    throw new UserError(
      `RAKU_CONFIG_REPOSITORY must be owner/name (e.g. acme/raku-config), not "${repository}"`,
    );
  }
  const branch = env['RAKU_CONFIG_BRANCH'] || 'main';
  if (
    !/^[A-Za-z0-9._/-]{1,200}$/.test(branch) ||
    branch.includes('..') ||
    branch.startsWith('/') ||
    branch.endsWith('/')
  ) {
    throw new UserError(`RAKU_CONFIG_BRANCH must be a branch name (e.g. main), not "${branch}"`);
  }
  const apiUrl = gitHubApiUrl(env['GITHUB_API_URL']);
  if (token && (appId || rawKey)) {
    throw new UserError(
      'RAKU_GITHUB_TOKEN and RAKU_GITHUB_APP_ID/RAKU_GITHUB_APP_PRIVATE_KEY are both set: give a token or a GitHub App, not both',
    );
  }
  if (token) {
    if (installation)
      throw new UserError('RAKU_GITHUB_APP_INSTALLATION_ID is set without RAKU_GITHUB_APP_ID');
    return { repository, branch, apiUrl, auth: { kind: 'token', token } };
  }
  if (!appId && !rawKey) {
    throw new UserError(
      `RAKU_CONFIG_REPOSITORY is set but no credentials are: set RAKU_GITHUB_TOKEN, or RAKU_GITHUB_APP_ID and RAKU_GITHUB_APP_PRIVATE_KEY`,
    );
  }
  if (!appId) throw new UserError('RAKU_GITHUB_APP_PRIVATE_KEY is set without RAKU_GITHUB_APP_ID');
  if (!rawKey) throw new UserError('RAKU_GITHUB_APP_ID is set without RAKU_GITHUB_APP_PRIVATE_KEY');
  if (!/^\d{1,20}$/.test(appId))
    throw new UserError(`RAKU_GITHUB_APP_ID must be the App's number, not "${appId}"`);
  // Environment files often carry a PEM on one line with literal \n.
  const privateKey =
    rawKey.includes('\\n') && !rawKey.includes('\n') ? rawKey.replaceAll('\\n', '\n') : rawKey;
  if (
    !/^-----BEGIN [A-Z ]*PRIVATE KEY-----\n[\s\S]+\n-----END [A-Z ]*PRIVATE KEY-----\s*$/.test(
      privateKey.trim() + '\n',
    )
  ) {
    throw new UserError(
      "RAKU_GITHUB_APP_PRIVATE_KEY must be the App's private key in PEM (-----BEGIN RSA PRIVATE KEY----- …), as GitHub gives it",
    );
  }
  let installationId: number | undefined;
  if (installation) {
    if (!/^\d{1,15}$/.test(installation)) {
      throw new UserError(`RAKU_GITHUB_APP_INSTALLATION_ID must be a number, not "${installation}"`);
    }
    installationId = Number(installation);
  }
  return {
    repository,
    branch,
    apiUrl,
    auth: { kind: 'app', appId, privateKey, ...(installationId !== undefined ? { installationId } : {}) },
  };
}

/** GITHUB_API_URL: an http(s) URL without query (GitHub Enterprise: https://ghe.example.com/api/v3). */
function gitHubApiUrl(raw: string | undefined): string {
  if (!raw) return 'https://api.github.com';
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash) {
    throw new UserError(
      `GITHUB_API_URL must be the REST API root (e.g. https://ghe.example.com/api/v3), not "${raw}"`,
    );
  }
  return url.href.replace(/\/+$/, '');
}
