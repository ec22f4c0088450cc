/**
 * The gateway and local roles of the runtime, imported by main.ts only when one of them starts: everything
 * here (the database client, pg-boss, Redis, the policy engine, the admin API) stays out of pack servers and,
 * as its own part of the esbuild bundle, out of their images.
 */
import { execFileSync } from 'node:child_process';
import { UserError } from '@raku/config';
import { jwtAuthenticator } from '../auth/authenticator.ts';
import type { CacheStore } from '../cache/cache-store.ts';
import { RedisCacheStore } from '../cache/redis-cache-store.ts';
import { gitHubConfigRepository } from '../config-repo/github-config-repository.ts';
import { consoleDist } from '../console/console-dist.ts';
import { randomSealKey } from '../console/sealed-cookie.ts';
import { readBundle, watchBundle } from './bundle-file.ts';
import { corsPolicy } from './cors.ts';
import { serverErrorLogger } from './error-log.ts';
import { type RunningGateway, startGateway } from './gateway-server.ts';
import { type LocalGateway, localBanner, startLocal } from './local-mode.ts';
import { importSettings, type RuntimeOptions } from './options.ts';
import type { RunningServer } from './pack-server.ts';
import { openPersistence, type Persistence } from './persistence.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { RedisRateLimiter } from './redis-rate-limiter.ts';

type Log = (message: string) => void;

function gitRevision(root: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    return 'local';
  }
}

/** What the replicas of a zone share through Redis; each part is undefined (per replica) without REDIS_URL. */
interface SharedParts {
  rateLimiter?: RateLimiter;
  cache?: CacheStore;
}

/**
 * The parts every replica of `zone` shares when REDIS_URL is set: the rate limiter (counters under
 * `raku:ratelimit:<zone>:`) and the tool cache (entries under `raku:cache:<zone>:`), so zones sharing one
 * Redis share neither counts nor answers. Without REDIS_URL: none (both in memory, per replica). Both roles
 * that serve agents take them from here. Redis unreachable at start is a user error: one line, the URL not
 * echoed (it may hold a password).
 */
async function sharedParts(options: RuntimeOptions, zone: string, log: Log): Promise<SharedParts> {
  if (!options.redisUrl) return {};
  let rateLimiter: RedisRateLimiter | undefined;
  try {
    rateLimiter = await RedisRateLimiter.connect({
      url: options.redisUrl,
      prefix: `raku:ratelimit:${zone}:`,
      log,
    });
    const cache = await RedisCacheStore.connect({
      url: options.redisUrl,
      prefix: `raku:cache:${zone}:`,
      log,
    });
    return { rateLimiter, cache };
  } catch (err) {
    await rateLimiter?.close();
    const reason = String((err as Error)?.message ?? err).replace(/\s+/g, ' ');
    throw new UserError(
      `REDIS_URL: cannot connect to Redis (${reason}): start Redis or correct REDIS_URL, or unset it to count rate limits per replica`,
    );
  }
}

async function closeShared(shared: SharedParts): Promise<void> {
  await shared.rateLimiter?.close?.();
  await shared.cache?.close?.();
}

/** RAKU_ROLE=gateway: serve agents from the bundle at RAKU_BUNDLE, reloading it when it changes. */
export async function startGatewayRole(options: RuntimeOptions, log: Log): Promise<RunningServer> {
  const loaded = await readBundle(options.bundlePath);
  const { auth } = loaded.bundle;
  if (!auth.issuer || !auth.audience || !auth.jwksUrl) {
    throw new UserError(
      `${options.bundlePath}: auth needs issuer, audience and jwksUrl (zone gateway.auth) for the gateway role`,
    );
  }
  // Read at start (a reloaded bundle keeps the origins the process started with), before anything opens.
  const cors = corsPolicy(
    options.corsOrigins ?? loaded.bundle.cors?.allowedOrigins ?? [],
    options.corsOrigins ? 'RAKU_CORS_ORIGINS' : `${options.bundlePath}: cors.allowedOrigins`,
  );
  const shared = await sharedParts(options, loaded.bundle.zone, log);
  const github = options.configGitHub && gitHubConfigRepository(options.configGitHub);
  let persistence: Persistence | undefined;
  let gateway: RunningGateway;
  try {
    persistence = await openPersistence({
      databaseUrl: options.databaseUrl,
      ...(options.databaseOwnerUrl ? { databaseOwnerUrl: options.databaseOwnerUrl } : {}),
      // Per-tenant trace retention (the bundle the gateway started with).
      tenants: () => loaded.bundle.tenants ?? [],
      dataDir: options.dataDir,
      log,
      traceRetentionDays: options.traceRetentionDays,
      traceStore: options.traceStore,
      ...(options.clickhouse ? { clickhouse: options.clickhouse } : {}),
      secretNames: loaded.bundle.secretNames,
      ...(options.clusterAccess ? { clusterAccess: options.clusterAccess } : {}),
    });
    const opened = persistence;
    gateway = await startGateway({
      bundle: loaded.bundle,
      policy: loaded.policy,
      authenticator: jwtAuthenticator({
        issuer: auth.issuer,
        audience: auth.audience,
        jwks: auth.jwksUrl,
        groupsClaim: auth.groupsClaim,
        agentClaim: auth.agentClaim,
      }),
      traces: opened.traces,
      retention: opened.retention,
      approvals: opened.approvals,
      jobs: opened.jobs,
      events: opened.events,
      adminRouter: (deps) => opened.adminRouter(deps),
      adminSubjects: options.adminSubjects,
      // With GitHub settings the builder views read the config repository there and open pull requests on it.
      ...(github ? { configRepository: github, pullRequests: github } : {}),
      imports: importSettings(options),
      console: {
        dist: consoleDist(),
        key: options.consoleSessionKey ?? randomSealKey(),
        mode: 'oidc',
        ...(options.consoleOidc
          ? { oidc: { ...options.consoleOidc, issuer: auth.issuer, resource: auth.audience } }
          : {}),
        ...(options.consoleUrl ? { publicUrl: options.consoleUrl } : {}),
        ...(options.tracingUrl ? { tracingUrl: options.tracingUrl } : {}),
      },
      secrets: options.secrets,
      approvalWaitMs: options.approvalWaitMs,
      mcpHotPath: options.mcpHotPath,
      readiness: () => opened.readiness(),
      cors,
      ...shared,
      port: options.port,
      host: options.host,
      log,
      onerror: serverErrorLogger(log),
    });
  } catch (err) {
    // A start that fails leaves nothing open (the Redis client or a pool would keep the process alive).
    await persistence?.close();
    await closeShared(shared);
    throw err;
  }
  await persistence.attachRunner(() => gateway.catalog);
  const stopWatching = watchBundle(
    options.bundlePath,
    loaded.hash,
    (next) => gateway.reload(next.bundle, next.policy),
    (err) => log(`bundle not reloaded: ${err.message}`),
  );
  log(
    `gateway for zone ${loaded.bundle.zone} (revision ${loaded.bundle.revision}) listening on ${gateway.url}`,
  );
  log(
    gateway.console?.built()
      ? `console at ${options.consoleUrl ?? gateway.url.replace(/\/mcp$/, '')}/console/ (sign-in: ${options.consoleOidc ? `OIDC client ${options.consoleOidc.clientId} at ${auth.issuer}` : 'not configured, set RAKU_CONSOLE_OIDC_CLIENT_ID'})`
      : 'console not built: run `npm run build:console` (the image build does it); /console/ answers 503',
  );
  const close = gateway.close;
  return Object.assign(gateway, {
    async close() {
      stopWatching();
      await close();
      await persistence.close();
    },
  });
}

/** RAKU_ROLE=local (`npm start`): gateway and packs in one process from the repository, then the banner. */
export async function startLocalRole(options: RuntimeOptions, log: Log): Promise<RunningServer> {
  const shared = await sharedParts(options, options.zone, log);
  let local: LocalGateway;
  try {
    local = await startLocal(options, {
      log,
      revision: gitRevision(options.root),
      ...shared,
    });
  } catch (err) {
    await closeShared(shared);
    throw err;
  }
  if (!local.token)
    log('warning: authentication is off (RAKU_AUTH=none): every local program may call every tool');
  process.stdout.write(localBanner(local, options));
  return local;
}
