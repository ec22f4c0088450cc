import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { isRepoRoot, readRepoFiles } from '../fs/read-repo.ts';
import type { RepoModel } from '../model/types.ts';
import { countBySeverity } from '../validate/diagnostic.ts';
import { formatDiagnostics } from '../validate/format.ts';
import { validateRepo } from '../validate/validate-repo.ts';
import type { CliContext } from './context.ts';
import { globalOptions } from './main.ts';

/** The repository root of a command (-C), checked to hold config folders. */
export async function repoRoot(cmd: Command, ctx: CliContext): Promise<string> {
  const root = path.resolve(ctx.cwd, globalOptions(cmd).root);
  if (!(await isRepoRoot(root))) {
    throw new UserError(
      `${root} has no packs/, zones/ or policies/ folder (use -C <dir> to name the repository root)`,
    );
  }
  return root;
}

/** Validates the working tree's config and refuses one with errors (showing the first five). */
export async function loadValidModel(root: string): Promise<RepoModel> {
  const result = validateRepo(await readRepoFiles(root));
  const { errors } = countBySeverity(result.diagnostics);
  if (errors > 0) {
    const shown = formatDiagnostics(
      result.diagnostics.filter((d) => d.severity === 'error').slice(0, 5),
      'text',
      result.fileCount,
    );
    throw new UserError(
      `configuration has ${errors} error${errors === 1 ? '' : 's'} (raku validate lists them all):\n${shown}`,
    );
  }
  return result.model;
}

/** commander collector for repeatable options. */
export function repeatable(value: string, previous: string[]): string[] {
  return [...previous, value];
}
