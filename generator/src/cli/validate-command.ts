import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError, UserError } from '../errors.ts';
import { readRepoFiles } from '../fs/read-repo.ts';
import { countBySeverity } from '../validate/diagnostic.ts';
import { DIAGNOSTIC_FORMATS, type DiagnosticFormat, formatDiagnostics } from '../validate/format.ts';
import { validateRepo } from '../validate/validate-repo.ts';
import type { CliContext } from './context.ts';
import { repoRoot } from './release-context.ts';

export function registerValidate(program: Command, ctx: CliContext): void {
  program
    .command('validate')
    .description(
      'Load every pack, zone and policy, check them against the schemas and the semantic rules, and report every problem.',
    )
    .argument(
      '[paths...]',
      'report only on these files or folders (the whole repository is still loaded for references)',
    )
    .option('-f, --format <format>', `output format: ${DIAGNOSTIC_FORMATS.join(', ')}`, 'text')
    .addHelpText(
      'after',
      '\nExit codes: 0 no errors (warnings allowed), 1 errors found or bad input, 2 internal fault.',
    )
    .action(async (paths: string[], opts: { format: string }, cmd: Command) => {
      const format = opts.format as DiagnosticFormat;
      if (!DIAGNOSTIC_FORMATS.includes(format)) {
        throw new UserError(`--format must be one of ${DIAGNOSTIC_FORMATS.join(', ')}, not "${opts.format}"`);
      }
      const root = await repoRoot(cmd, ctx);
      const files = await readRepoFiles(root);
      const result = validateRepo(files);
      const filters = paths.map((p) =>
        path.relative(root, path.resolve(ctx.cwd, p)).split(path.sep).join('/'),
      );
      const shown = filters.length
        ? result.diagnostics.filter((d) =>
            filters.some((f) => f === '' || d.file === f || d.file.startsWith(`${f}/`)),
          )
        : result.diagnostics;
      ctx.stdout(formatDiagnostics(shown, format, result.fileCount));
      const { errors } = countBySeverity(shown);
      if (errors > 0) throw new ConfigError(errors);
    });
}
