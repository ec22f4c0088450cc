/**
 * Entry point of the runtime (`node /app/gateway.mjs` in the image, `npm start` locally). The only module
 * that reads process.env and argv: it parses them into RuntimeOptions and starts the role.
 *
 *   RAKU_ROLE=pack-server  serve the packs in RAKU_PACKS_DIR
 *   RAKU_ROLE=gateway      serve agents from the bundle at RAKU_BUNDLE
 *   RAKU_ROLE=local        both in one process from the repository (npm start)
 */
import { execFileSync } from 'node:child_process';
import { isUserError, UserError } from '../../generator/src/errors.ts';
import { jwtAuthenticator } from './auth/authenticator.ts';
import { readPacksDir } from './pack/load-packs.ts';
import { readBundle, watchBundle } from './server/bundle-file.ts';
import { startGateway } from './server/gateway-server.ts';
import { startLocal } from './server/local-mode.ts';
import { parseRuntimeOptions, type RuntimeOptions } from './server/options.ts';
import { type RunningServer, startPackServer } from './server/pack-server.ts';
import { openPersistence } from './server/persistence.ts';
import type { RateLimiter } from './server/rate-limiter.ts';
import { RedisRateLimiter } from './server/redis-rate-limiter.ts';

const log = (message: string) => process.stderr.write(`${new Date().toISOString()} ${message}\n`);

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
async function rateLimiter(options: RuntimeOptions): Promise<RateLimiter | undefined> {
  if (!options.redisUrl) return undefined;
  try {
    return await RedisRateLimiter.connect({ url: options.redisUrl, log });
  } catch (err) {
    throw new UserError(`REDIS_URL: cannot connect to Redis: ${(err as Error).message}`);
  }
}

async function start(options: RuntimeOptions): Promise<RunningServer> {
  switch (options.role) {
    case 'pack-server': {
      const packs = await readPacksDir(options.packsDir);
      const server = await startPackServer({
        packs,
        environment: options.environment,
        secrets: options.secrets,
        allowPrivateNetworks: options.allowPrivateNetworks,
        port: options.port,
        host: options.host,
        onerror: (err) => log(`error: ${err.message}`),
      });
      log(
        `pack server for ${packs.map((p) => `${p.name}@${p.version}`).join(', ')} listening on ${server.url}`,
      );
      return server;
    }
    case 'gateway': {
      const loaded = await readBundle(options.bundlePath);
      const { auth } = loaded.bundle;
      if (!auth.issuer || !auth.audience || !auth.jwksUrl) {
        throw new UserError(
          `${options.bundlePath}: auth needs issuer, audience and jwksUrl (zone gateway.auth) for the gateway role`,
        );
      }
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
        readiness: () => persistence.readiness(),
        port: options.port,
        host: options.host,
        log,
        onerror: (err) => log(`error: ${err.message}`),
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
    case 'local': {
      const limiter = await rateLimiter(options);
      const local = await startLocal(options, {
        log,
        revision: gitRevision(options.root),
        ...(limiter ? { rateLimiter: limiter } : {}),
      });
      process.stdout.write(localBanner(local.url, local.token, options));
      return local;
    }
  }
}

function localBanner(url: string, token: string, options: RuntimeOptions): string {
  const config = JSON.stringify({
    mcpServers: { raku: { type: 'http', url, headers: { Authorization: `Bearer ${token}` } } },
  });
  return [
    '',
    `Raku local gateway (zone ${options.zone}) is running.`,
    '',
    `  MCP endpoint   ${url}`,
    `  Token          ${token}`,
    `  Traces         ${options.databaseUrl ? 'DATABASE_URL' : `PGlite in ${options.dataDir}`}`,
    `  Admin API      ${url.replace(/\/mcp$/, '/v1/')} (same token)`,
    '',
    'Connect an MCP client (Streamable HTTP) to the endpoint with the header "Authorization: Bearer <token>",',
    `for example in a client's configuration: ${config}`,
    'See docs/gateway.md for more.',
    '',
    'Stop with Ctrl-C.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  let server: RunningServer;
  try {
    server = await start(parseRuntimeOptions(process.env, process.argv.slice(2), process.cwd()));
  } catch (err) {
    if (isUserError(err)) {
      log(`error: ${err.message}`);
      process.exitCode = 1;
    } else {
      log(`internal error: ${(err as Error)?.stack ?? err}`);
      process.exitCode = 2;
    }
    return;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    server.close().then(
      () => {
        process.exitCode = 0;
      },
      (err: unknown) => {
        log(`shutdown failed: ${(err as Error)?.message ?? err}`);
        process.exitCode = 2;
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

await main();
