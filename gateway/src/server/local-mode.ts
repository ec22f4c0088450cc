/**
 * Local mode (`npm start`): validates the repository, builds the gateway bundle of a zone in memory with
 * the same buildBundle the release uses, runs every pack of the zone in this process, records traces in
 * embedded PGlite (or DATABASE_URL), and authenticates with a static development token.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildBundle } from '../../../generator/src/bundle/build-bundle.ts';
import { resolveZone } from '../../../generator/src/bundle/workloads.ts';
import { ConfigError, UserError } from '../../../generator/src/errors.ts';
import { isRepoRoot, readRepoFiles } from '../../../generator/src/fs/read-repo.ts';
import type { CompiledPolicy } from '../../../generator/src/policy/types.ts';
import { countBySeverity } from '../../../generator/src/validate/diagnostic.ts';
import { formatDiagnostics } from '../../../generator/src/validate/format.ts';
import { validateRepo } from '../../../generator/src/validate/validate-repo.ts';
import { staticTokenAuthenticator } from '../auth/authenticator.ts';
import type { Caller } from '../auth/caller.ts';
import { PackExecutor } from '../pack/pack-executor.ts';
import { type RunningGateway, startGateway } from './gateway-server.ts';
import type { RuntimeOptions } from './options.ts';
import { openPersistence, type Persistence } from './persistence.ts';
import type { RateLimiter } from './rate-limiter.ts';

/** The caller the local token stands for; policies/local-dev.yaml binds it to every tool in dev. */
export const LOCAL_CALLER: Caller = {
  subject: 'user:local-dev',
  kind: 'user',
  groups: [],
  claims: { sub: 'local-dev' },
};

export interface LocalGateway extends RunningGateway {
  token: string;
  persistence: Persistence;
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
  mkdirSync(path.dirname(file), { recursive: true });
  const token = `raku_local_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

export async function startLocal(
  options: RuntimeOptions,
  io: { log: (message: string) => void; revision?: string; rateLimiter?: RateLimiter },
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
  const bundle = buildBundle(model, options.zone, { revision: io.revision ?? 'local' });
  const { zone, workloads } = resolveZone(model, options.zone);
  const packs = workloads.flatMap((w) => w.packs.map((p) => p.pack.value));
  const executor = new PackExecutor(packs, {
    environment: zone.value.environment,
    secrets: options.secrets,
    allowPrivateNetworks: options.allowPrivateNetworks || zone.value.network?.allowPrivateNetworks === true,
  });
  const persistence = await openPersistence({
    databaseUrl: options.databaseUrl,
    dataDir: options.dataDir,
    log: io.log,
    traceRetentionDays: options.traceRetentionDays,
  });
  const token = localToken(root);
  try {
    const gateway = await startGateway({
      bundle,
      policy: bundle.policies as CompiledPolicy,
      authenticator: staticTokenAuthenticator(new Map([[token, LOCAL_CALLER]])),
      traces: persistence.traces,
      retention: persistence.retention,
      approvals: persistence.approvals,
      jobs: persistence.jobs,
      adminRouter: (deps) => persistence.adminRouter(deps),
      adminSubjects: [...options.adminSubjects, LOCAL_CALLER.subject],
      inProcess: executor,
      ...(io.rateLimiter ? { rateLimiter: io.rateLimiter } : {}),
      secrets: options.secrets,
      approvalWaitMs: options.approvalWaitMs,
      mcpHotPath: options.mcpHotPath,
      readiness: () => persistence.readiness(),
      port: options.port,
      host: options.host,
      log: io.log,
      onerror: (err) => io.log(`error: ${err.message}`),
    });
    await persistence.attachRunner(() => gateway.catalog);
    const closeGateway = gateway.close;
    return Object.assign(gateway, {
      token,
      persistence,
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
