import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RepoModel } from '@raku/config';
import { countBySeverity, readRepoFilesAtCommit, resolveCommit, UserError, validateRepo } from '@raku/config';
import { readOutputDir } from '@raku/release';
import type { ChangeSet } from '@raku/render';
import {
  formatPlan,
  generateZones,
  type LiveRemoteTools,
  PLAN_FORMATS,
  type PlanFormat,
  type PlanSide,
  planChanges,
} from '@raku/render';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import type { PlanCommandOptions } from './plan-command.ts';
import { loadReleaseContext } from './release-context.ts';

/** The base revision's model; its errors are reported as a warning (the plan still compares what loaded). */
function loadBaseModel(files: Parameters<typeof validateRepo>[0], ref: string, ctx: CliContext): RepoModel {
  const result = validateRepo(files);
  const { errors } = countBySeverity(result.diagnostics);
  if (errors > 0) {
    ctx.stderr(
      `warning: ${ref} has ${errors} configuration error${errors === 1 ? '' : 's'}; comparing with what loaded\n`,
    );
  }
  return result.model;
}

/** Reads the live tool listings of third-party servers; errors name the file and the remote. */
async function readLiveTools(file: string): Promise<LiveRemoteTools> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UserError(`--remote-tools ${file}: ${(err as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError(`--remote-tools ${file}: must be an object of remote name → tool list`);
  }
  for (const [remote, tools] of Object.entries(value)) {
    if (!Array.isArray(tools) || tools.some((t) => typeof t?.name !== 'string')) {
      throw new UserError(`--remote-tools ${file}: ${remote} must be a list of tools with a name`);
    }
  }
  return value as LiveRemoteTools;
}

export async function runPlan(opts: PlanCommandOptions, cmd: Command, ctx: CliContext): Promise<void> {
  const format = opts.format as PlanFormat;
  if (!PLAN_FORMATS.includes(format)) {
    throw new UserError(`--format must be one of ${PLAN_FORMATS.join(', ')}, not "${opts.format}"`);
  }
  if ((opts.base === undefined) === (opts.against === undefined)) {
    throw new UserError('give exactly one of --base <ref> or --against <dir>');
  }
  const { root, model, revision } = await loadReleaseContext(cmd, ctx, opts.revision);
  const only = (names: string[]) =>
    opts.zone.length > 0 ? names.filter((n) => opts.zone.includes(n)) : names;

  let base: PlanSide;
  if (opts.base !== undefined) {
    const commit = await resolveCommit(root, opts.base);
    const baseModel = loadBaseModel(await readRepoFilesAtCommit(root, commit), opts.base, ctx);
    const zones = only(baseModel.zones.map((z) => z.value.name).sort());
    base = {
      label: opts.base,
      revision: commit,
      zones: generateZones(baseModel, zones, { revision: commit }),
    };
  } else {
    const dir = path.resolve(ctx.cwd, opts.against as string);
    const all = await readOutputDir(dir);
    const zones = new Map<string, ChangeSet>([...all].filter(([z]) => only([z]).length > 0));
    // A GitOps folder records each zone's config revision, not the commit it was rendered from.
    base = { label: opts.against as string, revision: '', zones };
  }
  const headZones = only(model.zones.map((z) => z.value.name).sort());
  for (const z of opts.zone) {
    if (!headZones.includes(z) && !base.zones.has(z)) throw new UserError(`--zone ${z}: no such zone`);
  }
  const head: PlanSide = {
    label: 'this checkout',
    revision,
    zones: generateZones(model, headZones, { revision }),
  };
  const live = opts.remoteTools ? await readLiveTools(path.resolve(ctx.cwd, opts.remoteTools)) : undefined;
  const plan = planChanges(base, head, live);
  ctx.stdout(formatPlan(plan, format, opts.reportUrl ? { reportUrl: opts.reportUrl } : {}));
  if (opts.output) {
    const file = path.resolve(ctx.cwd, opts.output);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, formatPlan(plan, format, { maxChars: Number.POSITIVE_INFINITY }));
  }
}
