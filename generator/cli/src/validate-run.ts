import path from 'node:path';
import type { SourceFile } from '@raku/config';
import {
  ConfigError,
  countBySeverity,
  DIAGNOSTIC_FORMATS,
  type DiagnosticFormat,
  formatDiagnostics,
  readRepoFiles,
  UserError,
  validateRepo,
} from '@raku/config';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { repoRoot } from './repo-root.ts';

/** True when the repository path `file` is `filter` or under it ('' is the whole repository). */
function covers(filter: string, file: string): boolean {
  return filter === '' || file === filter || file.startsWith(`${filter}/`);
}

/**
 * The `paths` arguments as repository paths. Paths are relative to the repository root (-C), like every path
 * raku prints; one outside the repository, or that names no config file, is a mistake to report (all of them
 * at once), not a pass.
 */
function reportFilters(root: string, given: readonly string[], files: readonly SourceFile[]): string[] {
  const problems: string[] = [];
  const filters = given.map((p) => {
    const rel = path.relative(root, path.resolve(root, p)).split(path.sep).join('/');
    if (rel === '..' || rel.startsWith('../') || path.isAbsolute(rel))
      problems.push(`${p}: outside the repository`);
    else if (!files.some((f) => covers(rel, f.path)))
      problems.push(`${p}: no pack, zone or policy file there`);
    return rel;
  });
  if (problems.length > 0) {
    throw new UserError(`${problems.join('; ')} (paths are relative to the repository root ${root})`);
  }
  return filters;
}

export async function runValidate(
  paths: string[],
  opts: { format: string },
  cmd: Command,
  ctx: CliContext,
): Promise<void> {
  const format = opts.format as DiagnosticFormat;
  if (!DIAGNOSTIC_FORMATS.includes(format)) {
    throw new UserError(`--format must be one of ${DIAGNOSTIC_FORMATS.join(', ')}, not "${opts.format}"`);
  }
  const root = await repoRoot(cmd, ctx);
  const files = await readRepoFiles(root);
  const filters = reportFilters(root, paths, files);
  const result = validateRepo(files);
  const shown = filters.length
    ? result.diagnostics.filter((d) => filters.some((f) => covers(f, d.file)))
    : result.diagnostics;
  ctx.stdout(formatDiagnostics(shown, format, result.fileCount));
  const { errors } = countBySeverity(shown);
  if (errors > 0) throw new ConfigError(errors);
}
