/**
 * The gateway and local roles of the runtime, imported by main.ts only when one of them starts: everything
 * here (the database client, pg-boss, Redis, the policy engine, the admin API) stays out of pack servers and,
 * as its own part of the esbuild bundle, out of their images.
 */
import { execFileSync } from 'node:child_process';
import { UserError } from '../../../generator/src/errors.ts';
import { jwtAuthenticator } from '../auth/authenticator.ts';
import { readBundle, watchBundle } from './bundle-file.ts';
import { corsPolicy } from './cors.ts';
import { serverErrorLogger } from './error-log.ts';
import { startGateway } from './gateway-server.ts';
import { localBanner, startLocal } from './local-mode.ts';
import type { RuntimeOptions } from './options.ts';
import type { RunningServer } from './pack-server.ts';
import { openPersistence } from './persistence.ts';
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

/** The shared Redis limiter when REDIS_URL is set; otherwise undefined (in-memory, per replica). */
async function rateLimiter(options: RuntimeOptions, log: Log): Promise<RateLimiter | undefined> {
  if (!options.redisUrl) return undefined;
  try {
    return await RedisRateLimiter.connect({ url: options.redisUrl, log });
  } catch (err) {
    throw new UserError(`REDIS_URL: cannot connect to Redis: ${(err as Error).message}`);
  }
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
  const persistence = await openPersistence({
    databaseUrl: options.databaseUrl,
    dataDir: options.dataDir,
    log,
    traceRetentionDays: options.traceRetentionDays,
  });
  const gateway = await startGateway({
    bundle: loaded.bundle,
    policy: loaded.policy,
    authenticator: jwtAuthenticator({
      issuer: auth.issuer,
      audience: auth.audience,
      jwks: auth.jwksUrl,
      groupsClaim: auth.groupsClaim,
      agentClaim: auth.agentClaim,
    }),
    traces: persistence.traces,
    retention: persistence.retention,
    approvals: persistence.approvals,
    jobs: persistence.jobs,
    adminRouter: (deps) => persistence.adminRouter(deps),
    adminSubjects: options.adminSubjects,
    secrets: options.secrets,
    approvalWaitMs: options.approvalWaitMs,
    mcpHotPath: options.mcpHotPath,
    readiness: () => persistence.readiness(),
    cors,
    port: options.port,
    host: options.host,
    log,
    onerror: serverErrorLogger(log),
  });
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
  const limiter = await rateLimiter(options, log);
  const local = await startLocal(options, {
    log,
    revision: gitRevision(options.root),
    ...(limiter ? { rateLimiter: limiter } : {}),
  });
  if (!local.token)
    log('warning: authentication is off (RAKU_AUTH=none): every local program may call every tool');
  process.stdout.write(localBanner(local, options));
  return local;
}
