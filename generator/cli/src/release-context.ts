import type { ReleaseContext } from '@raku/release';
import { checkRepoRoot, loadReleaseContext as loadRelease } from '@raku/release';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { rootOption } from './options.ts';

/** The repository root of a command (-C), checked to hold config folders. */
export function repoRoot(cmd: Command, ctx: CliContext): Promise<string> {
  return checkRepoRoot(rootOption(cmd, ctx));
}

/** The release context (validated model, revision) of the command's root; see @raku/release loadReleaseContext. */
export function loadReleaseContext(
  cmd: Command,
  ctx: CliContext,
  revision?: string,
): Promise<ReleaseContext> {
  return loadRelease(rootOption(cmd, ctx), revision);
}
