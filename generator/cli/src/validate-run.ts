import {
  ConfigError,
  DIAGNOSTIC_FORMATS,
  type DiagnosticFormat,
  formatDiagnostics,
  UserError,
  validateConfig,
} from '@raku/config';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { repoRoot } from './repo-root.ts';

/**
 * `raku validate [paths...]`: validates the whole repository and reports on the given files or folders
 * (relative to the repository root, -C, like every path raku prints), or on all of it.
 */
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
  const result = await validateConfig({ root: await repoRoot(cmd, ctx), paths });
  ctx.stdout(formatDiagnostics(result.diagnostics, format, result.fileCount));
  if (result.errors > 0) throw new ConfigError(result.errors);
}
