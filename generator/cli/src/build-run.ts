import path from 'node:path';
import { UserError } from '@raku/config';
import { buildZones } from '@raku/release';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { rootOption } from './options.ts';

export interface BuildOptions {
  zone: string[];
  pack: string[];
  push?: boolean;
  builder: string;
  revision?: string;
  entry: string;
  recordDir?: string;
  source?: string;
  platform: string[];
  format: string;
}

/** `raku build`: reads the options, builds the zones, prints a line per image and record (or the records as JSON). */
export async function runBuild(opts: BuildOptions, cmd: Command, ctx: CliContext): Promise<void> {
  if (opts.builder !== 'oci' && opts.builder !== 'docker') {
    throw new UserError(`--builder must be oci or docker, not "${opts.builder}"`);
  }
  if (opts.format !== 'text' && opts.format !== 'json') throw new UserError(`--format must be text or json`);
  const text = opts.format === 'text';
  const records = await buildZones(
    {
      root: rootOption(cmd, ctx),
      ...(opts.revision !== undefined ? { revision: opts.revision } : {}),
      zones: opts.zone,
      packs: opts.pack,
      push: opts.push === true,
      builder: opts.builder,
      platforms: opts.platform,
      entry: opts.entry,
      ...(opts.recordDir !== undefined ? { recordDir: opts.recordDir } : {}),
      ...(opts.source ? { source: opts.source } : {}),
      env: ctx.env,
      cwd: ctx.cwd,
    },
    {
      onImage: (zone, workload, image, outcome) => {
        if (text)
          ctx.stdout(
            `${zone}  ${workload.padEnd(16)} ${outcome.padEnd(8)} ${image.repository}@${image.digest}  ${image.platforms.join(',')}  ${formatSize(image.size)}\n`,
          );
      },
      onRecord: (zone, file) => {
        if (text) ctx.stdout(`${zone}  build record ${path.relative(ctx.cwd, file) || file}\n`);
      },
    },
  );
  if (!text) ctx.stdout(`${JSON.stringify(records, null, 2)}\n`);
}

function formatSize(bytes: number): string {
  if (bytes === 0) return '';
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;
}
