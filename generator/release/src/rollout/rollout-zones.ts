import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Zone } from '@raku/config';
import { secretEnvName, UserError } from '@raku/config';
import type { ChangeSet } from '@raku/render';
import { decidePromotion, formatPlan, planChanges, renderZone } from '@raku/render';
import {
  type BuildRecord,
  buildRecordPath,
  parseBuildRecord,
  workloadImages,
} from '../build/build-record.ts';
import { loadReleaseContext, selectZones } from '../release-context.ts';
import type { ZoneHealth } from '../status/assess-zone.ts';
import { expectedWorkloads } from '../status/zone-status.ts';
import { type GitAuthor, GitWorkspace } from './git-workspace.ts';
import type { GitHubPullRequestsOptions, PullRequestPort } from './pull-requests.ts';
import type { PullRequestSettings, RolloutResult } from './rollout-zone.ts';
import { rolloutZone } from './rollout-zone.ts';

/** What `raku rollout` and the rollout action ask for, already parsed. */
export interface RolloutZonesOptions {
  /** Repository root holding packs/, zones/, policies/. */
  root: string;
  /** The config commit; default `git rev-parse HEAD` in the root. */
  revision?: string;
  /** Zones to roll out; empty means every zone, upstream zones first. */
  zones: readonly string[];
  /** Compute and report only: push nothing, call no GitHub API. */
  dryRun: boolean;
  /** Folder of build records, relative to the root. Default out/builds. */
  builds?: string;
  /** Zone → git URL to push to instead of its gitops.repository (mirrors, tests). */
  remotes: ReadonlyMap<string, string>;
  /** Opens the pull request even when the promotion gate says no; the reason is recorded. */
  force?: { reason: string };
  /** Status files of upstream zones (`raku status --output`), for the promotion gate. */
  upstreamStatus: readonly string[];
  /** Folder the upstream status files are relative to. Default the root. */
  cwd?: string;
  pr: PullRequestSettings;
  author: GitAuthor;
  /**
   * Where tokens and git's PATH/HOME come from: the zone's gitops.token secret (RAKU_SECRET_…), else
   * RAKU_GITOPS_TOKEN, else GITHUB_TOKEN; GITHUB_SERVER_URL and GITHUB_API_URL for GitHub Enterprise.
   */
  env: Readonly<Record<string, string | undefined>>;
}

/** The ports a rollout runs over; each defaults to the real adapter. */
export interface RolloutPorts {
  /** Pull requests of one GitHub repository. Default the Octokit adapter (loaded only when needed). */
  pullRequests?: (options: GitHubPullRequestsOptions) => Promise<PullRequestPort>;
  now?: () => Date;
}

/** What a rollout did: the revision and one result per zone, in the order rolled out. */
export interface RolloutReport {
  revision: string;
  zones: RolloutResult[];
}

const GITHUB_REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/**
 * Rolls out zones: for each, the promotion gate, then the zone rendered pinned to the digests of its build
 * record, committed to its GitOps repository on raku/rollout/<zone>, and the pull request created, updated or
 * closed. A zone the gate blocks is reported as "blocked", not as an error.
 */
export async function rolloutZones(
  options: RolloutZonesOptions,
  ports: RolloutPorts = {},
): Promise<RolloutReport> {
  const release = await loadReleaseContext(options.root, options.revision);
  const zones = selectZones(release.model, options.zones);
  for (const name of options.remotes.keys()) {
    if (!zones.includes(name))
      throw new UserError(`--remote ${name}=…: zone ${name} is not rolled out in this run`);
  }
  const upstream = await readStatuses(options.upstreamStatus, options.cwd ?? options.root);
  const buildsDir = path.resolve(release.root, options.builds ?? 'out/builds');
  const openPulls = ports.pullRequests ?? defaultPullRequests;
  const env = options.env;
  const results: RolloutResult[] = [];
  for (const name of zones) {
    const zone = release.model.zones.find((z) => z.value.name === name)!.value;
    const from = zone.promotion?.from;
    const decision = decidePromotion({
      zone,
      revision: release.revision,
      ...(from && upstream.has(from) ? { upstream: upstream.get(from)! } : {}),
      ...(options.force ? { force: options.force } : {}),
      now: ports.now?.() ?? new Date(),
    });
    if (!decision.allowed) {
      results.push(blocked(name, options.dryRun, decision.reason));
      continue;
    }
    const record = await readRecord(path.join(buildsDir, path.basename(buildRecordPath(name))), name);
    checkRecord(record, name, release.revision, expectedWorkloads(release.model, name), options.dryRun);
    const rendered = renderZone(release.model, name, {
      revision: release.revision,
      images: workloadImages(record),
    });
    const token = gitopsToken(zone, env);
    const git = await GitWorkspace.open({
      remote: options.remotes.get(name) ?? remoteUrl(zone, env),
      ...(token ? { token } : {}),
      author: options.author,
      env: { PATH: env['PATH'] ?? '/usr/bin:/bin', HOME: env['HOME'] ?? '/tmp' },
    });
    try {
      const github = GITHUB_REPO.test(zone.gitops.repository);
      if (github && !token && !options.dryRun) {
        throw new UserError(
          `zone ${name}: no token for ${zone.gitops.repository} (set RAKU_GITOPS_TOKEN, GITHUB_TOKEN or the zone's gitops.token secret)`,
        );
      }
      const pulls =
        github && !options.dryRun
          ? await openPulls({
              repository: zone.gitops.repository,
              token: token!,
              ...(env['GITHUB_API_URL'] ? { baseUrl: env['GITHUB_API_URL'] } : {}),
            })
          : undefined;
      const result = await rolloutZone({
        zone,
        revision: release.revision,
        rendered,
        record,
        git,
        ...(pulls ? { pulls } : {}),
        pr: options.pr,
        dryRun: options.dryRun,
        plan: (current) => zonePlan(name, zone.gitops.branch, current, release.revision, rendered),
        ...(decision.note ? { promotion: decision.note } : {}),
      });
      if (!github)
        result.notes.push(`gitops.repository is not a GitHub "owner/name": branch pushed, no pull request`);
      results.push(result);
    } finally {
      await git.close();
    }
  }
  return { revision: release.revision, zones: results };
}

async function defaultPullRequests(options: GitHubPullRequestsOptions): Promise<PullRequestPort> {
  // Octokit is loaded only by a rollout that opens pull requests.
  const { gitHubPullRequests } = await import('./pull-requests.ts');
  return gitHubPullRequests(options);
}

function blocked(zone: string, dryRun: boolean, reason: string): RolloutResult {
  return {
    zone,
    operation: 'blocked',
    branch: `raku/rollout/${zone}`,
    dryRun,
    files: { added: [], changed: [], removed: [] },
    notes: [reason],
    recomputed: 0,
  };
}

/** Refuses a build record of another revision, missing a workload, or (outside a dry run) not pushed. */
function checkRecord(
  record: BuildRecord,
  name: string,
  revision: string,
  expected: readonly { workload: string }[],
  dryRun: boolean,
): void {
  if (record.revision !== revision) {
    throw new UserError(
      `build record of ${name} is for revision ${record.revision}, the config is at ${revision}; run raku build --push first`,
    );
  }
  const missing = expected.map((w) => w.workload).filter((w) => !record.images[w]);
  if (missing.length > 0) {
    throw new UserError(
      `build record of ${name} has no image for ${missing.join(', ')}; run raku build --push --zone ${name} first`,
    );
  }
  const unpushed = Object.entries(record.images)
    .filter(([, i]) => !i.pushed)
    .map(([w]) => w);
  if (unpushed.length > 0 && !dryRun) {
    throw new UserError(
      `build record of ${name}: ${unpushed.join(', ')} not pushed; run raku build --push first`,
    );
  }
}

/** The plan of one zone (file, access, contract and remote diff) in Markdown, or a note when it cannot be made. */
function zonePlan(
  zone: string,
  base: string,
  current: ReadonlyMap<string, string>,
  revision: string,
  rendered: ChangeSet,
): string | undefined {
  try {
    const plan = planChanges(
      { label: base, revision: 'deployed', zones: new Map([[zone, new Map(current)]]) },
      { label: 'rollout', revision, zones: new Map([[zone, rendered]]) },
    );
    return formatPlan(plan, 'markdown', { maxChars: 40_000 });
  } catch (err) {
    return `_The plan could not be computed: ${(err as Error).message.replace(/[\r\n]+/g, ' ')}_`;
  }
}

function gitopsToken(zone: Zone, env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (zone.gitops.token) {
    const name = secretEnvName(zone.gitops.token);
    const value = env[name];
    if (!value) throw new UserError(`zone ${zone.name}: gitops.token is set but ${name} is empty`);
    return value;
  }
  return env['RAKU_GITOPS_TOKEN'] || env['GITHUB_TOKEN'] || undefined;
}

function remoteUrl(zone: Zone, env: Readonly<Record<string, string | undefined>>): string {
  const repo = zone.gitops.repository;
  if (!GITHUB_REPO.test(repo)) return repo;
  return `${env['GITHUB_SERVER_URL'] ?? 'https://github.com'}/${repo}.git`;
}

async function readRecord(file: string, zone: string): Promise<BuildRecord> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserError(`zone ${zone}: no build record at ${file}; run raku build --push first`);
  }
  try {
    return parseBuildRecord(text, file);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}

async function readStatuses(files: readonly string[], cwd: string): Promise<Map<string, ZoneHealth>> {
  const out = new Map<string, ZoneHealth>();
  for (const f of files) {
    let parsed: ZoneHealth;
    try {
      parsed = JSON.parse(await readFile(path.resolve(cwd, f), 'utf8')) as ZoneHealth;
    } catch (err) {
      throw new UserError(`--upstream-status ${f}: ${(err as Error).message}`);
    }
    if (
      typeof parsed?.zone !== 'string' ||
      typeof parsed.healthy !== 'boolean' ||
      !Array.isArray(parsed.workloads)
    ) {
      throw new UserError(`--upstream-status ${f}: not a zone status written by raku status --output`);
    }
    out.set(parsed.zone, parsed);
  }
  return out;
}
