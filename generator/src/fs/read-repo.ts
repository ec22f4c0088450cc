import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { documentKind } from '../load/load-repo.ts';
import type { SourceFile } from '../load/yaml-source.ts';

/** The config folders of a repository; everything else is ignored by the loader. */
export const CONFIG_DIRS = ['packs', 'zones', 'policies'] as const;

/**
 * Reads every config file of the repository at `root` (packs/*\/pack.yaml, zones/*.yaml, policies/*.yaml).
 * Symbolic links are not followed, so a config tree cannot pull in files from outside the repository.
 */
export async function readRepoFiles(root: string): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  for (const dir of CONFIG_DIRS) {
    for (const rel of listCandidates(root, dir)) {
      const full = path.join(root, rel);
      // Synchronous on purpose: a thousand small files read one after another beat as many queued promises.
      if (!lstatSync(full).isFile()) continue;
      out.push({ path: rel, bytes: readFileSync(full) });
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** True when `root` looks like a Raku repository (has at least one config folder). */
export async function isRepoRoot(root: string): Promise<boolean> {
  for (const dir of CONFIG_DIRS) {
    try {
      if (statSync(path.join(root, dir)).isDirectory()) return true;
    } catch {
      // not there
    }
  }
  return false;
}

function listCandidates(root: string, dir: string): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(path.join(root, dir), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: string[] = [];
  for (const entry of entries) {
    if (dir === 'packs' && entry.isDirectory()) {
      for (const name of ['pack.yaml', 'pack.yml']) {
        try {
          lstatSync(path.join(root, dir, entry.name, name));
          out.push(`${dir}/${entry.name}/${name}`);
        } catch {
          // this pack folder uses the other extension, or is not a pack
        }
      }
    } else if (entry.isFile() && documentKind(`${dir}/${entry.name}`)) {
      out.push(`${dir}/${entry.name}`);
    }
  }
  return out;
}
