import type { Command } from 'commander';
import type { CliContext } from './context.ts';

export function registerPackTest(program: Command, ctx: CliContext): void {
  const packCmd =
    program.commands.find((c) => c.name() === 'pack') ??
    program.command('pack').description('Work with one pack.');
  packCmd
    .command('test')
    .description(
      "Call every tool of a pack against a mock upstream: arguments built from the input schema (or examples/<tool>.json), the HTTP request checked against the mapping, the answer (recorded example, the source document's example, or built from the output schema) checked against the output schema.",
    )
    .argument(
      '[packs...]',
      'pack names (packs/<pack>/pack.yaml) or pack folders; default: every pack of the repository',
    )
    .option('-f, --format <format>', 'text or json (the JSON shape: README, raku pack test)', 'text')
    .addHelpText(
      'after',
      '\nExit codes: 0 every tool passed (skips allowed), 1 a tool failed or a pack is invalid, 2 internal fault.',
    )
    .action(async (names: string[], opts: { format: string }, cmd: Command) =>
      (await import('./pack-test-run.ts')).runPackTestCommand(names, opts, cmd, ctx),
    );
}
