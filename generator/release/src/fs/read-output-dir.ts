import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '@raku/config';
import { type ChangeSet, changeSet } from '@raku/render';
import { OWNED_FILES_MANIFEST } from './write-change-set.ts';

/**
 * Reads an existing GitOps folder laid out as `raku generate` writes it (<dir>/<zone>/…) into one change set
 * per zone folder. Hidden files (the ownership list) are skipped; symbolic links are not followed.
 */
export async function readOutputDir(dir: string): Promise<Map<string, ChangeSet>> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new UserError(`--against ${dir}: no such folder`);
    throw err;
  }
  const zones = new Map<string, ChangeSet>();
  for (const e of entries.filter((x) => x.isDirectory() && !x.name.startsWith('.'))) {
    const files: [string, string][] = [];
    await walk(path.join(dir, e.name), '', files);
    zones.set(e.name, changeSet(files));
  }
  return new Map([...zones].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

async function walk(root: string, rel: string, out: [string, string][]): Promise<void> {
  for (const e of await readdir(path.join(root, rel), { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name === OWNED_FILES_MANIFEST) continue;
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) await walk(root, child, out);
    else if (e.isFile()) out.push([child, await readFile(path.join(root, child), 'utf8')]);
  }
}
