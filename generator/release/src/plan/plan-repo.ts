import { readFile } from 'node:fs/promises';
import type { RepoModel } from '@raku/config';
import { countBySeverity, readRepoFilesAtCommit, resolveCommit, UserError, validateRepo } from '@raku/config';
import type { ChangeSet, LiveRemoteTools, Plan, PlanSide } from '@raku/render';
import { generateZones, planChanges } from '@raku/render';
import { readOutputDir } from '../fs/read-output-dir.ts';
import { loadReleaseContext } from '../release-context.ts';

/** What `raku plan` and the plan action ask for, already parsed. Exactly one of `base` and `against`. */
export interface PlanRepoOptions {
  /** Repository root holding packs/, zones/, policies/. */
  root: string;
  /** The config commit of this checkout; default `git rev-parse HEAD` in the root. */
  revision?: string;
  /** A git revision of the root to compare with. */
  base?: string;
  /** An existing GitOps folder (absolute) to compare with. */
  against?: string;
  /** How the plan names that folder (as the user wrote it). Default `against`. */
  againstLabel?: string;
  /** Zones to plan; empty means every zone. */
  zones: readonly string[];
  /** A JSON file (absolute) of the live tool listings of third-party servers, for their description changes. */
  remoteTools?: string;
}

/** Progress of a plan, for a caller that reports it. */
export interface PlanRepoEvents {
  /** A problem that does not stop the plan (the base revision has configuration errors). */
  onWarning?: (text: string) => void;
}

/**
 * Plans what this checkout would roll out against a git revision or a GitOps folder: both sides rendered (or
 * read) and compared by planChanges of @raku/render, which is pure; this is the shell that reads git and files.
 */
export async function planRepo(options: PlanRepoOptions, events: PlanRepoEvents = {}): Promise<Plan> {
  if ((options.base === undefined) === (options.against === undefined)) {
    throw new UserError('give exactly one of --base <ref> or --against <dir>');
  }
  const { root, model, revision } = await loadReleaseContext(options.root, options.revision);
  const only = (names: string[]) =>
    options.zones.length > 0 ? names.filter((n) => options.zones.includes(n)) : names;
  let base: PlanSide;
  if (options.base !== undefined) {
    const commit = await resolveCommit(root, options.base);
    const baseModel = loadBaseModel(await readRepoFilesAtCommit(root, commit), options.base, events);
    const zones = only(baseModel.zones.map((z) => z.value.name).sort());
    base = {
      label: options.base,
      revision: commit,
      zones: generateZones(baseModel, zones, { revision: commit }),
    };
  } else {
    const all = await readOutputDir(options.against!);
    const zones = new Map<string, ChangeSet>([...all].filter(([z]) => only([z]).length > 0));
    // A GitOps folder records each zone's config revision, not the commit it was rendered from.
    base = { label: options.againstLabel ?? options.against!, revision: '', zones };
  }
  const headZones = only(model.zones.map((z) => z.value.name).sort());
  for (const z of options.zones) {
    if (!headZones.includes(z) && !base.zones.has(z)) throw new UserError(`--zone ${z}: no such zone`);
  }
  const head: PlanSide = {
    label: 'this checkout',
    revision,
    zones: generateZones(model, headZones, { revision }),
  };
  const live = options.remoteTools ? await readLiveTools(options.remoteTools) : undefined;
  return planChanges(base, head, live);
}

/** The base revision's model; its errors are reported as a warning (the plan still compares what loaded). */
function loadBaseModel(
  files: Parameters<typeof validateRepo>[0],
  ref: string,
  events: PlanRepoEvents,
): RepoModel {
  const result = validateRepo(files);
  const { errors } = countBySeverity(result.diagnostics);
  if (errors > 0) {
    events.onWarning?.(
      `${ref} has ${errors} configuration error${errors === 1 ? '' : 's'}; comparing with what loaded`,
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
