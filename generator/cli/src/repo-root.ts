import { isRepoRoot, UserError } from '@raku/config';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { rootOption } from './options.ts';

/**
 * The repository root of a command (-C), checked to hold config folders, for the commands that do not go
 * through a release use case (validate, policy, pack test): the same check as checkRepoRoot of @raku/release,
 * written here so that these commands load only @raku/config.
 */
export async function repoRoot(cmd: Command, ctx: CliContext): Promise<string> {
  const root = rootOption(cmd, ctx);
  if (!(await isRepoRoot(root))) {
    throw new UserError(
      `${root} has no packs/, zones/ or policies/ folder (use -C <dir> to name the repository root)`,
    );
  }
  return root;
}
