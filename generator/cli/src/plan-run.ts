import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '@raku/config';
import { planRepo } from '@raku/release';
import { formatPlan, PLAN_FORMATS, type PlanFormat } from '@raku/render';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { rootOption } from './options.ts';

export interface PlanCommandOptions {
  base?: string;
  against?: string;
  format: string;
  zone: string[];
  revision?: string;
  output?: string;
  reportUrl?: string;
  remoteTools?: string;
}

/** `raku plan`: reads the options, plans, prints the plan (and with --output writes it whole). */
export async function runPlan(opts: PlanCommandOptions, cmd: Command, ctx: CliContext): Promise<void> {
  const format = opts.format as PlanFormat;
  if (!PLAN_FORMATS.includes(format)) {
    throw new UserError(`--format must be one of ${PLAN_FORMATS.join(', ')}, not "${opts.format}"`);
  }
  const plan = await planRepo(
    {
      root: rootOption(cmd, ctx),
      ...(opts.revision !== undefined ? { revision: opts.revision } : {}),
      ...(opts.base !== undefined ? { base: opts.base } : {}),
      ...(opts.against !== undefined
        ? { against: path.resolve(ctx.cwd, opts.against), againstLabel: opts.against }
        : {}),
      zones: opts.zone,
      ...(opts.remoteTools ? { remoteTools: path.resolve(ctx.cwd, opts.remoteTools) } : {}),
    },
    { onWarning: (text) => ctx.stderr(`warning: ${text}\n`) },
  );
  ctx.stdout(formatPlan(plan, format, opts.reportUrl ? { reportUrl: opts.reportUrl } : {}));
  if (opts.output) {
    const file = path.resolve(ctx.cwd, opts.output);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, formatPlan(plan, format, { maxChars: Number.POSITIVE_INFINITY }));
  }
}
