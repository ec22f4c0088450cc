import path from 'node:path';
import * as core from '@actions/core';
import {
  DEFAULT_ROLLOUT_AUTHOR,
  parseAuthor,
  parseAutoMerge,
  type RolloutZonesOptions,
  rolloutZones,
  splitList,
} from '@raku/release';

/** The rollout action's inputs, read once; the only place that reads @actions/core inputs and GITHUB_*. */
function readInputs(): RolloutZonesOptions {
  const root = path.resolve(process.env['GITHUB_WORKSPACE'] ?? '.', core.getInput('path') || '.');
  const token = core.getInput('token');
  if (token) core.setSecret(token);
  const force = core.getBooleanInput('force');
  if (force && !core.getInput('reason').trim()) throw new Error('--force needs --reason "<why>"');
  const autoMerge = parseAutoMerge(core.getInput('auto-merge') || undefined);
  return {
    root,
    zones: splitList(core.getInput('zones')),
    dryRun: core.getBooleanInput('dry-run'),
    ...(core.getInput('builds') ? { builds: path.resolve(root, core.getInput('builds')) } : {}),
    remotes: new Map(),
    ...(force ? { force: { reason: core.getInput('reason') } } : {}),
    upstreamStatus: splitList(core.getInput('upstream-status')).map((s) => path.resolve(root, s)),
    pr: {
      labels: splitList(core.getInput('labels')),
      reviewers: splitList(core.getInput('reviewers')),
      draft: core.getBooleanInput('draft'),
      ...(autoMerge ? { autoMerge } : {}),
    },
    author: parseAuthor(core.getInput('author') || DEFAULT_ROLLOUT_AUTHOR),
    env: { ...process.env, ...(token ? { RAKU_GITOPS_TOKEN: token } : {}) },
  };
}

export async function run(): Promise<void> {
  try {
    const { zones } = await rolloutZones(readInputs());
    core.setOutput('results', JSON.stringify(zones));
    core.setOutput('operations', JSON.stringify(Object.fromEntries(zones.map((z) => [z.zone, z.operation]))));
    core.setOutput(
      'pull-requests',
      JSON.stringify(
        Object.fromEntries(zones.filter((z) => z.pullRequest).map((z) => [z.zone, z.pullRequest])),
      ),
    );
    core.setOutput('blocked', zones.some((z) => z.operation === 'blocked') ? 'true' : 'false');
    await core.summary
      .addHeading('Raku rollout', 2)
      .addTable([
        [
          { data: 'zone', header: true },
          { data: 'operation', header: true },
          { data: 'pull request', header: true },
          { data: 'files', header: true },
          { data: 'notes', header: true },
        ],
        ...zones.map((z) => [
          z.zone,
          `${z.operation}${z.dryRun ? ' (dry run)' : ''}`,
          z.pullRequest ? `<a href="${z.pullRequest.url}">#${z.pullRequest.number}</a>` : '',
          `${z.files.added.length} added, ${z.files.changed.length} changed, ${z.files.removed.length} removed`,
          escapeHtml(z.notes.join('; ')),
        ]),
      ])
      .write();
  } catch (err) {
    core.setFailed(err instanceof Error ? err.message : String(err));
  }
}

/** Splits a list input: one item per line or comma-separated, blanks dropped. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

await run();
