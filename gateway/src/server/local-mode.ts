/**
 * Local mode (`npm start`): validates the repository, builds the gateway bundle of a zone in memory with
 * the same buildBundle the release uses, runs every pack of the zone in this process, records traces in
 * embedded PGlite (or DATABASE_URL), and authenticates with a static development token (or, with
 * RAKU_AUTH=none on a loopback listener, not at all).
 *
 * The zone's `gateway.auth` (issuer, audience, JWKS) describes the deployed gateway, not this process: local
 * mode mints no JWTs and has no authorization server, so it drops that section, and its protected-resource
 * metadata names the local URL and no authorization server.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  ConfigError,
  countBySeverity,
  formatDiagnostics,
  isRepoRoot,
  readRepoFiles,
  UserError,
  validateRepo,
} from '@raku/config';
import { PackExecutor } from '@raku/pack-runtime';
import type { CompiledPolicy } from '@raku/policy';
import { buildBundle, resolveZone } from '@raku/render';
import { noAuthenticator, staticTokenAuthenticator } from '../auth/authenticator.ts';
import type { Caller } from '../auth/caller.ts';
import type { CacheStore } from '../cache/cache-store.ts';
import { gitHubConfigRepository } from '../config-repo/github-config-repository.ts';
import { localConfigRepository } from '../config-repo/local-config-repository.ts';
import { consoleDist } from '../console/console-dist.ts';
import { randomSealKey } from '../console/sealed-cookie.ts';
import { corsPolicy } from './cors.ts';
import { serverErrorLogger } from './error-log.ts';
import { type RunningGateway, startGateway } from './gateway-server.ts';
import { importSettings, type RuntimeOptions } from './options.ts';
import { openPersistence, type Persistence } from './persistence.ts';
import type { RateLimiter } from './rate-limiter.ts';

/**
 * The caller the local token stands for (and, with RAKU_AUTH=none, every request); policies/local-dev.yaml
 * binds it to every tool in dev, and local mode gives it the admin role.
 */
export const LOCAL_CALLER: Caller = {
  subject: 'user:local-dev',
  kind: 'user',
  groups: [],
  claims: { sub: 'local-dev' },
};

export interface LocalGateway extends RunningGateway {
  /** The static token; undefined with RAKU_AUTH=none. */
  token: string | undefined;
  /** Origins allowed by CORS (RAKU_CORS_ORIGINS, else the zone's gateway.cors.allowedOrigins). */
  corsOrigins: readonly string[];
  persistence: Persistence;
  /** The console's one-time sign-in link (a fresh token at every start), or why there is none. */
  consoleLink: string;
}

/** Reads the local token from `<root>/.raku/local-token`, creating it once (so connected clients keep working). */
function localToken(root: string): string {
  const file = path.join(root, '.raku', 'local-token');
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{32,}$/.test(token)) return token;
  } catch {
    // created below
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const token = `raku_local_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

export async function startLocal(
  options: RuntimeOptions,
  io: { log: (message: string) => void; revision?: string; rateLimiter?: RateLimiter; cache?: CacheStore },
): Promise<LocalGateway> {
  const root = path.resolve(options.root);
  if (!(await isRepoRoot(root))) {
    throw new UserError(
      `${root} has no packs/, zones/ or policies/ folder (set RAKU_ROOT to the repository root)`,
    );
  }
  const files = await readRepoFiles(root);
  const validation = validateRepo(files);
  const { errors } = countBySeverity(validation.diagnostics);
  if (errors > 0) {
    io.log(formatDiagnostics(validation.diagnostics, 'text', validation.fileCount).trimEnd());
    throw new ConfigError(errors);
  }
  io.log(`validated ${validation.fileCount} files`);
  const model = validation.model;
  const built = buildBundle(model, options.zone, { revision: io.revision ?? 'local' });
  // The zone's issuer and audience are the deployed gateway's (see the header comment).
  const bundle = {
    ...built,
    auth: { groupsClaim: built.auth.groupsClaim, agentClaim: built.auth.agentClaim },
  };
  const corsOrigins = options.corsOrigins ?? bundle.cors?.allowedOrigins ?? [];
  const { zone, workloads } = resolveZone(model, options.zone);
  const packs = workloads.flatMap((w) => w.packs.map((p) => p.pack.value));
  const allowPrivateNetworks =
    options.allowPrivateNetworks || zone.value.network?.allowPrivateNetworks === true;
  const executor = new PackExecutor(packs, {
    environment: zone.value.environment,
    secrets: options.secrets,
    allowPrivateNetworks,
    // Every workload of the zone runs here, so two tenants' packs may expose one name (routes name the pack).
    sameNamesAcrossPacks: true,
  });
  const persistence = await openPersistence({
    databaseUrl: options.databaseUrl,
    ...(options.databaseOwnerUrl ? { databaseOwnerUrl: options.databaseOwnerUrl } : {}),
    tenants: () => bundle.tenants ?? [],
    dataDir: options.dataDir,
    log: io.log,
    traceRetentionDays: options.traceRetentionDays,
    traceStore: options.traceStore,
    ...(options.clickhouse ? { clickhouse: options.clickhouse } : {}),
    secretNames: bundle.secretNames,
  });
  const token = options.auth === 'none' ? undefined : localToken(root);
  try {
    const gateway = await startGateway({
      bundle,
      policy: bundle.policies as CompiledPolicy,
      authenticator: token
        ? staticTokenAuthenticator(new Map([[token, LOCAL_CALLER]]))
        : noAuthenticator(LOCAL_CALLER),
      protectedResourceMetadata: token !== undefined,
      cors: corsPolicy(
        corsOrigins,
        options.corsOrigins ? 'RAKU_CORS_ORIGINS' : `zones ${options.zone}: gateway.cors.allowedOrigins`,
      ),
      traces: persistence.traces,
      retention: persistence.retention,
      approvals: persistence.approvals,
      jobs: persistence.jobs,
      events: persistence.events,
      adminRouter: (deps) => persistence.adminRouter(deps),
      configRepository: localConfigRepository(root),
      // Reads stay on the checkout; with GitHub settings, changes leave as pull requests on that repository.
      ...(options.configGitHub ? { pullRequests: gitHubConfigRepository(options.configGitHub) } : {}),
      // URL imports are fetched under the rules pack calls run under (the same private-network switch).
      imports: importSettings(options),
      adminSubjects: [...options.adminSubjects, LOCAL_CALLER.subject],
      // The browser's way in, with or without RAKU_AUTH=none: the banner's link gives it the session cookie.
      console: {
        dist: consoleDist(),
        key: options.consoleSessionKey ?? randomSealKey(),
        mode: 'local',
        localCaller: LOCAL_CALLER,
        ...(options.consoleUrl ? { publicUrl: options.consoleUrl } : {}),
        ...(options.tracingUrl ? { tracingUrl: options.tracingUrl } : {}),
      },
      inProcess: executor,
      ...(io.rateLimiter ? { rateLimiter: io.rateLimiter } : {}),
      ...(io.cache ? { cache: io.cache } : {}),
      secrets: options.secrets,
      approvalWaitMs: options.approvalWaitMs,
      mcpHotPath: options.mcpHotPath,
      readiness: () => persistence.readiness(),
      port: options.port,
      host: options.host,
      log: io.log,
      onerror: serverErrorLogger(io.log),
    });
    await persistence.attachRunner(() => gateway.catalog);
    const closeGateway = gateway.close;
    const consoleBase = options.consoleUrl ?? gateway.url.replace(/\/mcp$/, '');
    const consoleLink = gateway.console?.built()
      ? `${consoleBase}/console/#login=${gateway.console.issueLoginToken()}`
      : 'not built: run `npm run build:console`, then restart';
    return Object.assign(gateway, {
      token,
      corsOrigins,
      persistence,
      consoleLink,
      async close() {
        await closeGateway();
        await persistence.close();
      },
    });
  } catch (err) {
    await persistence.close();
    throw err;
  }
}

/** What `npm start` prints on stdout once the gateway listens: where it is and how to connect. */
export function localBanner(local: LocalGateway, options: RuntimeOptions): string {
  const { url, token } = local;
  const headers = token ? { headers: { Authorization: `Bearer ${token}` } } : {};
  const config = JSON.stringify({ mcpServers: { raku: { type: 'http', url, ...headers } } });
  const admin = url.replace(/\/mcp$/, '/v1/');
  const lines = ['', `Raku local gateway (zone ${options.zone}) is running.`, ''];
  if (!token) {
    lines.push(
      '  !!! AUTHENTICATION IS OFF (RAKU_AUTH=none) !!!',
      `  Every program on this machine can call every tool and the admin API as ${LOCAL_CALLER.subject}`,
      '  (the policies bind it as usual; local mode gives it the admin role). Only a loopback address listens.',
      '  Unset RAKU_AUTH to require the local token again.',
      '',
    );
  }
  lines.push(
    `  Console        ${local.consoleLink}`,
    `  MCP endpoint   ${url}`,
    `  Token          ${token ?? 'none: authentication is off (RAKU_AUTH=none)'}`,
    `  Traces         ${options.databaseUrl ? 'DATABASE_URL' : `PGlite in ${options.dataDir}`}`,
    `  Admin API      ${admin}${token ? ' (same token)' : ''}`,
    `  CORS origins   ${local.corsOrigins.length > 0 ? local.corsOrigins.join(', ') : 'none (set RAKU_CORS_ORIGINS for a browser client)'}`,
    '',
    token
      ? 'Connect an MCP client (Streamable HTTP) to the endpoint with the header "Authorization: Bearer <token>",'
      : 'Connect an MCP client (Streamable HTTP) to the endpoint; no header is needed,',
    `for example in a client's configuration: ${config}`,
    'See docs/gateway.md for more.',
    '',
    'Stop with Ctrl-C.',
    '',
  );
  return lines.join('\n');
}
