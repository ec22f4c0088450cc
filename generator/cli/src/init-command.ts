import path from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { rakuVersion } from './version.ts';

/** Kept here, not imported from @raku/release, so that registering the command loads nothing. */
const ACTIONS_OWNER_PLACEHOLDER = 'your_org';

interface InitCommandOptions {
  org: string;
  actionsOwner: string;
  name?: string;
  force?: boolean;
  git: boolean;
}

export function registerInit(program: Command, ctx: CliContext): void {
  program
    .command('init')
    .description(
      'Scaffold a config repository: an example pack, dev/staging/prod zones, a policy, GitHub workflows ' +
        'that call Raku’s actions, a README and a package.json that pins Raku.',
    )
    .argument('<dir>', 'folder to create the repository in (made if missing; must be empty unless --force)')
    .option(
      '--org <org>',
      'your GitHub organisation: image registry ghcr.io/<org>/raku, GitOps <org>/raku-gitops',
      'acme',
    )
    .option(
      '--actions-owner <owner>',
      'GitHub owner of the Raku repository whose actions the workflows call (<owner>/raku/actions/<name>@v1)',
      ACTIONS_OWNER_PLACEHOLDER,
    )
    .option('--name <name>', 'package name (default: the folder name)')
    .option('--force', 'write into a folder that is not empty (existing files are never overwritten)')
    .option('--no-git', 'do not run git init')
    .action(async (dir: string, opts: InitCommandOptions) => {
      const { initConfigRepo, packageNameFor } = await import('@raku/release');
      const { RAKU_PACKAGE_NAME } = await import('@raku/config');
      const target = path.resolve(ctx.cwd, dir);
      const result = await initConfigRepo(
        target,
        {
          name: opts.name ?? packageNameFor(path.basename(target)),
          org: opts.org,
          actionsOwner: opts.actionsOwner,
          rakuPackage: { name: RAKU_PACKAGE_NAME, version: rakuVersion() },
        },
        { force: opts.force === true, git: opts.git },
      );
      const lines = [`Created a Raku config repository in ${target}: ${result.written.length} files.`];
      if (result.kept.length > 0)
        lines.push(`Kept (already there, not overwritten): ${result.kept.join(', ')}`);
      if (result.gitInitialised) lines.push('Initialised a git repository (branch main).');
      lines.push(
        '',
        'Next steps:',
        `  cd ${dir}`,
        '  npm install',
        '  npx raku validate',
        ...(opts.actionsOwner === ACTIONS_OWNER_PLACEHOLDER
          ? [
              `  replace "${ACTIONS_OWNER_PLACEHOLDER}" in .github/workflows/*.yml with the owner of your Raku repository`,
            ]
          : []),
        '  edit zones/*.yaml (cluster, registry, GitOps repository), then commit and push',
        'README.md says what each folder holds and what the release workflow needs.',
      );
      ctx.stdout(`${lines.join('\n')}\n`);
    });
}
