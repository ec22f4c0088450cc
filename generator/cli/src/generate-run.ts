import { UserError } from '@raku/config';
import { type GenerateReport, generateToDir } from '@raku/release';
import { shortRevision } from '@raku/render';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { rootOption } from './options.ts';

export interface GenerateCommandOptions {
  zone: string[];
  out: string;
  revision?: string;
  builds?: string;
  format: string;
}

/** `raku generate`: reads the options, renders and writes the zones, prints a line per zone (or the JSON report). */
export async function runGenerate(
  opts: GenerateCommandOptions,
  cmd: Command,
  ctx: CliContext,
): Promise<void> {
  if (opts.format !== 'text' && opts.format !== 'json') {
    throw new UserError(`--format must be text or json, not "${opts.format}"`);
  }
  const report = await generateToDir({
    root: rootOption(cmd, ctx),
    ...(opts.revision !== undefined ? { revision: opts.revision } : {}),
    zones: opts.zone,
    out: opts.out,
    ...(opts.builds ? { builds: opts.builds } : {}),
    cwd: ctx.cwd,
  });
  ctx.stdout(opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatGenerate(report));
}

function formatGenerate(report: GenerateReport): string {
  return report.zones
    .map(
      (r) =>
        `${r.zone}: ${r.files} files in ${r.dir} at config revision ${shortRevision(r.configRevision)} (${r.written} written, ${r.unchanged} unchanged, ${r.removed.length} removed)\n`,
    )
    .join('');
}
