import path from 'node:path';
import * as core from '@actions/core';
import { listInput, runCli } from '../../../generator/cli/src/run-cli.ts';
import type { RolloutResult } from '../../../generator/release/src/rollout/rollout-zone.ts';

export async function run(): Promise<void> {
  try {
    const root = path.resolve(process.env['GITHUB_WORKSPACE'] ?? '.', core.getInput('path') || '.');
    const token = core.getInput('token');
    if (token) core.setSecret(token);
    const args = ['-C', root, 'rollout', '--format', 'json'];
    for (const z of listInput(core.getInput('zones'))) args.push('--zone', z);
    for (const l of listInput(core.getInput('labels'))) args.push('--label', l);
    for (const r of listInput(core.getInput('reviewers'))) args.push('--reviewer', r);
    for (const s of listInput(core.getInput('upstream-status')))
      args.push('--upstream-status', path.resolve(root, s));
    if (core.getBooleanInput('dry-run')) args.push('--dry-run');
    if (core.getBooleanInput('draft')) args.push('--draft');
    if (core.getInput('auto-merge')) args.push('--auto-merge', core.getInput('auto-merge'));
    if (core.getInput('builds')) args.push('--builds', path.resolve(root, core.getInput('builds')));
    if (core.getBooleanInput('force')) args.push('--force', '--reason', core.getInput('reason'));
    if (core.getInput('author')) args.push('--author', core.getInput('author'));
    const env = { ...process.env, ...(token ? { RAKU_GITOPS_TOKEN: token } : {}) };
    const result = await runCli(args, env, root);
    if (result.code !== 0) {
      core.setFailed(result.stderr.trim() || `raku rollout exited with ${result.code}`);
      return;
    }
    const { zones } = JSON.parse(result.stdout) as { zones: RolloutResult[] };
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

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

await run();
