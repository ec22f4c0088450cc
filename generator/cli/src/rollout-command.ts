import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { collect } from './options.ts';

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
    .action(async (opts, cmd: Command) => (await import('./rollout-run.ts')).runRollout(opts, cmd, ctx));
}
