import { DIAGNOSTIC_FORMATS } from '@raku/config';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';

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
    .action(async (paths: string[], opts: { format: string }, cmd: Command) =>
      (await import('./validate-run.ts')).runValidate(paths, opts, cmd, ctx),
    );
}
