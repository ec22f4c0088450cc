import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.ts';

/**
 * What a renderer produces: relative path ('/' separators) → file content, in sorted path order.
 * One port turns it into files (writeChangeSet), a git branch or a pull request.
 */
export type ChangeSet = Map<string, string>;

/** The file in an output folder listing what writeChangeSet wrote there, so it removes only its own files. */
export const OWNED_FILES_MANIFEST = '.raku-generated';

/** Builds a ChangeSet with its entries in sorted path order; rejects unsafe or duplicate paths. */
export function changeSet(entries: Iterable<readonly [string, string]>): ChangeSet {
  const sorted = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: ChangeSet = new Map();
  for (const [p, content] of sorted) {
    assertSafePath(p);
    if (out.has(p)) throw new Error(`change set has two files at ${p}`);
    out.set(p, content);
  }
  return out;
}

/** Prefixes every path of a change set with `dir/`. */
export function prefixChangeSet(dir: string, cs: ChangeSet): ChangeSet {
  return changeSet([...cs].map(([p, c]) => [`${dir}/${p}`, c] as const));
}

export function assertSafePath(p: string): void {
  if (
    p === '' ||
    p.startsWith('/') ||
    p.includes('\\') ||
    p.includes('\0') ||
    p.split('/').some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new Error(`unsafe change-set path "${p}"`);
  }
}

export interface WriteResult {
  written: string[];
  unchanged: string[];
  removed: string[];
}

/**
 * Writes a change set under `dir`. Each file goes to a temporary name and is renamed into place (a reader
 * never sees half a file); files whose content is already right are not touched. Files that the previous
 * write listed in `dir/.raku-generated` and that this change set no longer has are removed, and nothing
 * else: hand-written files next to the output survive.
 */
export async function writeChangeSet(dir: string, cs: ChangeSet): Promise<WriteResult> {
  const result: WriteResult = { written: [], unchanged: [], removed: [] };
  const manifestPath = path.join(dir, OWNED_FILES_MANIFEST);
  const previous = await readOwned(manifestPath);
  const made = new Set<string>();
  for (const [rel, content] of cs) {
    assertSafePath(rel);
    if (rel === OWNED_FILES_MANIFEST) throw new Error(`change set may not write ${OWNED_FILES_MANIFEST}`);
    const full = path.join(dir, rel);
    if ((await readIfExists(full)) === content) {
      result.unchanged.push(rel);
      continue;
    }
    const parent = path.dirname(full);
    if (!made.has(parent)) {
      await mkdir(parent, { recursive: true });
      made.add(parent);
    }
    await atomicWrite(full, content);
    result.written.push(rel);
  }
  for (const rel of previous) {
    if (cs.has(rel)) continue;
    try {
      assertSafePath(rel);
    } catch {
      throw new UserError(`${manifestPath}: lists unsafe path "${rel}"; remove the file and generate again`);
    }
    await rm(path.join(dir, rel), { force: true });
    await removeEmptyParents(dir, path.dirname(rel));
    result.removed.push(rel);
  }
  await mkdir(dir, { recursive: true });
  await atomicWrite(manifestPath, [...cs.keys()].map((p) => `${p}\n`).join(''));
  return result;
}

async function readOwned(manifestPath: string): Promise<string[]> {
  const text = await readIfExists(manifestPath);
  return text === undefined ? [] : text.split('\n').filter((l) => l !== '');
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

async function atomicWrite(file: string, content: string): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, content);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function removeEmptyParents(root: string, rel: string): Promise<void> {
  let current = rel;
  while (current !== '.' && current !== '') {
    try {
      await rmdir(path.join(root, current));
    } catch {
      return; // not empty (or already gone): stop climbing
    }
    current = path.dirname(current);
  }
}
