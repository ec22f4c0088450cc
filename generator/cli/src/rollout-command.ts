import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Zone } from '@raku/config';
import { secretEnvName, UserError } from '@raku/config';
import type { ZoneHealth } from '@raku/release';
import {
  buildRecordPath,
  decidePromotion,
  expectedWorkloads,
  GitWorkspace,
  gitHubPullRequests,
  parseBuildRecord,
  type RolloutResult,
  rolloutZone,
  workloadImages,
} from '@raku/release';
import type { ChangeSet } from '@raku/render';
import { formatPlan, planChanges, renderZone } from '@raku/render';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { collect, loadReleaseContext, selectZones } from './release-context.ts';

interface RolloutOptions {
  zone: string[];
  dryRun?: boolean;
  builds?: string;
  revision?: string;
  remote: string[];
  force?: boolean;
  reason?: string;
  upstreamStatus: string[];
  label: string[];
  reviewer: string[];
  draft?: boolean;
  autoMerge?: string;
  author: string;
  format: string;
}

const GITHUB_REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

export function registerRollout(program: Command, ctx: CliContext): void {
  program
    .command('rollout')
    .description(
      "Render each zone pinned to the digests of its build record, commit it to the zone's GitOps repository on raku/rollout/<zone> (--force-with-lease), and create, update or close the rollout pull request.",
    )
    .option(
      '-z, --zone <zone>',
      'only this zone (repeatable); default every zone, upstream zones first',
      collect,
      [],
    )
    .option('--dry-run', 'compute and report what would happen; push nothing, call no GitHub API')
    .option(
      '--builds <dir>',
      'folder of build records from raku build --push (default out/builds under the root)',
    )
    .option('--revision <commit>', 'the commit being built or rolled out; default git rev-parse HEAD')
    .option(
      '--remote <zone=url>',
      'push this zone to another git URL than its gitops.repository (mirrors, tests)',
      collect,
      [],
    )
    .option('--force', 'open the pull request even when the promotion gate says no (needs --reason)')
    .option('--reason <text>', 'why the promotion gate is forced; recorded in the pull request')
    .option(
      '--upstream-status <file>',
      'status of an upstream zone (raku status --output) for the promotion gate (repeatable)',
      collect,
      [],
    )
    .option('--label <label>', 'label for the pull request (repeatable)', collect, [])
    .option('--reviewer <login|org/team>', 'reviewer to request (repeatable)', collect, [])
    .option('--draft', 'open the pull request as a draft')
    .option(
      '--auto-merge <method>',
      'enable auto-merge with merge, squash or rebase where the repository allows it',
    )
    .option(
      '--author <author>',
      'commit author "Name <email>"',
      'raku-rollout <raku-rollout@users.noreply.github.com>',
    )
    .option('-f, --format <format>', 'text or json', 'text')
    .addHelpText(
      'after',
      '\nTokens: the zone\'s gitops.token secret (env RAKU_SECRET_<NAME>_<KEY>), else RAKU_GITOPS_TOKEN, else GITHUB_TOKEN.\nUse a GitHub App installation token: pull requests opened with the workflow\'s GITHUB_TOKEN do not trigger checks.\nExit codes: 0 done (also when a zone is blocked by its promotion gate, reported as "blocked"), 1 bad input, 2 internal fault.',
    )
    .action(async (opts: RolloutOptions, cmd: Command) => {
      if (opts.format !== 'text' && opts.format !== 'json')
        throw new UserError('--format must be text or json');
      if (opts.force && !opts.reason?.trim()) throw new UserError('--force needs --reason "<why>"');
      const autoMerge = parseAutoMerge(opts.autoMerge);
      const author = parseAuthor(opts.author);
      const remotes = parseRemotes(opts.remote);
      const release = await loadReleaseContext(cmd, ctx, opts.revision);
      const zones = selectZones(release.model, opts.zone);
      for (const name of remotes.keys()) {
        if (!zones.includes(name))
          throw new UserError(`--remote ${name}=…: zone ${name} is not rolled out in this run`);
      }
      const upstream = await readStatuses(opts.upstreamStatus, ctx.cwd);
      const buildsDir = path.resolve(release.root, opts.builds ?? 'out/builds');
      const results: RolloutResult[] = [];
      for (const name of zones) {
        const zone = release.model.zones.find((z) => z.value.name === name)!.value;
        const decision = decidePromotion({
          zone,
          revision: release.revision,
          ...(upstream.has(zone.promotion?.from ?? '')
            ? { upstream: upstream.get(zone.promotion!.from)! }
            : {}),
          ...(opts.force ? { force: { reason: opts.reason ?? '' } } : {}),
          now: new Date(),
        });
        if (!decision.allowed) {
          results.push({
            zone: name,
            operation: 'blocked',
            branch: `raku/rollout/${name}`,
            dryRun: opts.dryRun === true,
            files: { added: [], changed: [], removed: [] },
            notes: [decision.reason],
            recomputed: 0,
          });
          continue;
        }
        const record = await readRecord(path.join(buildsDir, path.basename(buildRecordPath(name))), name);
        if (record.revision !== release.revision) {
          throw new UserError(
            `build record of ${name} is for revision ${record.revision}, the config is at ${release.revision}; run raku build --push first`,
          );
        }
        const missing = expectedWorkloads(release.model, name)
          .map((w) => w.workload)
          .filter((w) => !record.images[w]);
        if (missing.length > 0) {
          throw new UserError(
            `build record of ${name} has no image for ${missing.join(', ')}; run raku build --push --zone ${name} first`,
          );
        }
        const unpushed = Object.entries(record.images)
          .filter(([, i]) => !i.pushed)
          .map(([w]) => w);
        if (unpushed.length > 0 && !opts.dryRun) {
          throw new UserError(
            `build record of ${name}: ${unpushed.join(', ')} not pushed; run raku build --push first`,
          );
        }
        const rendered = renderZone(release.model, name, {
          revision: release.revision,
          images: workloadImages(record),
        });
        const token = gitopsToken(zone, ctx.env);
        const git = await GitWorkspace.open({
          remote: remotes.get(name) ?? remoteUrl(zone, ctx.env),
          ...(token ? { token } : {}),
          author,
          env: { PATH: ctx.env['PATH'] ?? '/usr/bin:/bin', HOME: ctx.env['HOME'] ?? '/tmp' },
        });
        try {
          const github = GITHUB_REPO.test(zone.gitops.repository);
          if (github && !token && !opts.dryRun) {
            throw new UserError(
              `zone ${name}: no token for ${zone.gitops.repository} (set RAKU_GITOPS_TOKEN, GITHUB_TOKEN or the zone's gitops.token secret)`,
            );
          }
          const result = await rolloutZone({
            zone,
            revision: release.revision,
            rendered,
            record,
            git,
            ...(github && !opts.dryRun
              ? {
                  pulls: gitHubPullRequests({
                    repository: zone.gitops.repository,
                    token: token!,
                    ...(ctx.env['GITHUB_API_URL'] ? { baseUrl: ctx.env['GITHUB_API_URL'] } : {}),
                  }),
                }
              : {}),
            pr: {
              labels: opts.label,
              reviewers: opts.reviewer,
              draft: opts.draft === true,
              ...(autoMerge ? { autoMerge } : {}),
            },
            dryRun: opts.dryRun === true,
            plan: (current) => zonePlan(name, zone.gitops.branch, current, release.revision, rendered),
            ...(decision.note ? { promotion: decision.note } : {}),
          });
          if (!github)
            result.notes.push(
              `gitops.repository is not a GitHub "owner/name": branch pushed, no pull request`,
            );
          results.push(result);
        } finally {
          await git.close();
        }
      }
      if (opts.format === 'json') {
        ctx.stdout(`${JSON.stringify({ revision: release.revision, zones: results }, null, 2)}\n`);
        return;
      }
      for (const r of results) {
        const pr = r.pullRequest ? ` #${r.pullRequest.number} ${r.pullRequest.url}` : '';
        const f = r.files;
        ctx.stdout(
          `${r.zone}: ${r.operation}${r.dryRun ? ' (dry run)' : ''} ${r.branch}${pr} — ${f.added.length} added, ${f.changed.length} changed, ${f.removed.length} removed${r.commit ? `, commit ${r.commit.slice(0, 12)}` : ''}\n`,
        );
        for (const n of r.notes) ctx.stdout(`  ${n}\n`);
      }
    });
}

/** The plan of one zone (file, access, contract and remote diff) in Markdown, or undefined when it cannot be made. */
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

function parseAutoMerge(value: string | undefined): 'MERGE' | 'SQUASH' | 'REBASE' | undefined {
  if (value === undefined) return undefined;
  const upper = value.toUpperCase();
  if (upper !== 'MERGE' && upper !== 'SQUASH' && upper !== 'REBASE') {
    throw new UserError(`--auto-merge must be merge, squash or rebase, not "${value}"`);
  }
  return upper;
}

function parseAuthor(value: string): { name: string; email: string } {
  const m = /^\s*([^<>]+?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(value);
  if (!m) throw new UserError(`--author must look like "Name <email>", not "${value}"`);
  return { name: m[1]!, email: m[2]! };
}

function parseRemotes(values: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0 || eq === v.length - 1) throw new UserError(`--remote must be <zone>=<git url>, not "${v}"`);
    out.set(v.slice(0, eq), v.slice(eq + 1));
  }
  return out;
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

async function readRecord(file: string, zone: string) {
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
    const full = path.resolve(cwd, f);
    let parsed: ZoneHealth;
    try {
      parsed = JSON.parse(await readFile(full, 'utf8')) as ZoneHealth;
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
