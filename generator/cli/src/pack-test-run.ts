import { UserError } from '@raku/config';
import { formatPackTest, packTestJson, testPacks } from '@raku/release';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { rootOption } from './options.ts';

/** `raku pack test`: tests the named packs (or all), prints each as it is tested (or the JSON report at the end). */
export async function runPackTestCommand(
  names: string[],
  opts: { format: string },
  cmd: Command,
  ctx: CliContext,
): Promise<void> {
  if (opts.format !== 'text' && opts.format !== 'json')
    throw new UserError(`--format must be text or json, not "${opts.format}"`);
  const { reports, failures } = await testPacks(
    { root: rootOption(cmd, ctx), packs: names, cwd: ctx.cwd },
    {
      onPack: (pack, results) => {
        if (opts.format === 'text') ctx.stdout(formatPackTest(pack, results));
      },
    },
  );
  if (opts.format === 'json') ctx.stdout(`${JSON.stringify(packTestJson(reports), null, 2)}\n`);
  if (failures.length > 0) throw new UserError(`${failures.join(', ')} failed`);
}
