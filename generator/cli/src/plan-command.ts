import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { collect } from './options.ts';

/** The formats of raku plan: PLAN_FORMATS of @raku/render, written here so the help needs no import (a test ties them). */
export const PLAN_FORMAT_NAMES = ['text', 'markdown', 'json'] as const;

export function registerPlan(program: Command, ctx: CliContext): void {
  program
    .command('plan')
    .description(
      'Show what the current checkout would roll out compared with a git revision (--base) or an existing GitOps folder (--against): files per zone, who gains or loses which tools, tool contract changes and changed third-party tool descriptions.',
    )
    .option('--base <ref>', 'git ref of this repository to compare with (branch, tag or commit)')
    .option('--against <dir>', 'GitOps folder laid out as raku generate writes it (<dir>/<zone>/…)')
    .option('-f, --format <format>', `output format: ${PLAN_FORMAT_NAMES.join(', ')}`, 'text')
    .option('-z, --zone <zone>', 'only this zone (repeatable); default every zone', collect, [])
    .option('--revision <commit>', 'the commit of the checkout; default git rev-parse HEAD')
    .option('-o, --output <file>', 'also write the full plan (this format, never shortened) to a file')
    .option('--report-url <url>', 'markdown: link to the full report when the comment must be shortened')
    .option(
      '--remote-tools <file>',
      'JSON {"<remote>": [tools as listed by the server]}: flag reviewed third-party tools whose live definition differs',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 plan shown (changes or not), 1 bad input or configuration errors, 2 internal fault.',
    )
    .action(async (opts, cmd: Command) => (await import('./plan-run.ts')).runPlan(opts, cmd, ctx));
}
