import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RepoModel } from '@raku/config';
import { isRepoRoot, loadValidModel, UserError } from '@raku/config';

const run = promisify(execFile);

/** What build, rollout and status start from: the repository root, its validated model and its revision. */
export interface ReleaseContext {
  root: string;
  model: RepoModel;
  revision: string;
}

/** Refuses a root that holds none of the config folders. */
export async function checkRepoRoot(root: string): Promise<string> {
  if (!(await isRepoRoot(root))) {
    throw new UserError(
      `${root} has no packs/, zones/ or policies/ folder (use -C <dir> to name the repository root)`,
    );
  }
  return root;
}

/**
 * Loads and validates the repository at `root` (refusing to release a configuration with errors) and finds the
 * config revision: `revision` when given, else `git rev-parse HEAD` in the root.
 */
export async function loadReleaseContext(root: string, revision?: string): Promise<ReleaseContext> {
  await checkRepoRoot(root);
  const model = await loadValidModel(root);
  return { root, model, revision: revision ?? (await gitRevision(root)) };
}

async function gitRevision(root: string): Promise<string> {
  try {
    const { stdout } = await run('git', ['-C', root, 'rev-parse', 'HEAD']);
    return stdout.trim();
  } catch {
    throw new UserError(`${root} is not a git checkout with a commit; pass --revision <commit>`);
  }
}

/** The zones a use case acts on: the named ones (each must exist) or all, in promotion order (sources first). */
export function selectZones(model: RepoModel, names: readonly string[]): string[] {
  const known = model.zones.map((z) => z.value.name);
  for (const n of names) {
    if (!known.includes(n))
      throw new UserError(`--zone ${n}: no such zone (zones: ${[...known].sort().join(', ')})`);
  }
  const wanted = names.length > 0 ? names : known;
  const from = new Map(model.zones.map((z) => [z.value.name, z.value.promotion?.from]));
  const depth = (z: string, seen = new Set<string>()): number => {
    const f = from.get(z);
    if (!f || seen.has(z)) return 0;
    seen.add(z);
    return 1 + depth(f, seen);
  };
  return [...new Set(wanted)].sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0));
}
