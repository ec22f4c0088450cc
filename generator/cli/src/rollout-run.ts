import { UserError } from '@raku/config';
import { parseAuthor, parseAutoMerge, parseRemotes, type RolloutReport, rolloutZones } from '@raku/release';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { rootOption } from './options.ts';

/** The options of `raku rollout` as commander parses them. */
export interface RolloutOptions {
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

/** `raku rollout`: reads the options, rolls the zones out, prints the report. */
export async function runRollout(opts: RolloutOptions, cmd: Command, ctx: CliContext): Promise<void> {
  if (opts.format !== 'text' && opts.format !== 'json') throw new UserError('--format must be text or json');
  if (opts.force && !opts.reason?.trim()) throw new UserError('--force needs --reason "<why>"');
  const autoMerge = parseAutoMerge(opts.autoMerge);
  const author = parseAuthor(opts.author);
  const remotes = parseRemotes(opts.remote);
  const report = await rolloutZones({
    root: rootOption(cmd, ctx),
    ...(opts.revision !== undefined ? { revision: opts.revision } : {}),
    zones: opts.zone,
    dryRun: opts.dryRun === true,
    ...(opts.builds !== undefined ? { builds: opts.builds } : {}),
    remotes,
    ...(opts.force ? { force: { reason: opts.reason ?? '' } } : {}),
    upstreamStatus: opts.upstreamStatus,
    cwd: ctx.cwd,
    pr: {
      labels: opts.label,
      reviewers: opts.reviewer,
      draft: opts.draft === true,
      ...(autoMerge ? { autoMerge } : {}),
    },
    author,
    env: ctx.env,
  });
  ctx.stdout(opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatRollout(report));
}

/** One line per zone (operation, branch, pull request, file counts, commit) and its notes, indented. */
function formatRollout(report: RolloutReport): string {
  let out = '';
  for (const r of report.zones) {
    const pr = r.pullRequest ? ` #${r.pullRequest.number} ${r.pullRequest.url}` : '';
    const f = r.files;
    out += `${r.zone}: ${r.operation}${r.dryRun ? ' (dry run)' : ''} ${r.branch}${pr} — ${f.added.length} added, ${f.changed.length} changed, ${f.removed.length} removed${r.commit ? `, commit ${r.commit.slice(0, 12)}` : ''}\n`;
    for (const n of r.notes) out += `  ${n}\n`;
  }
  return out;
}
