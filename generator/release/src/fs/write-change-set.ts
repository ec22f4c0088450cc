import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex, UserError } from '@raku/config';
import { assertSafePath, type ChangeSet } from '@raku/render';

/** The file in an output folder listing what writeChangeSet wrote there, so it removes only its own files. */
export const OWNED_FILES_MANIFEST = '.raku-generated';

export interface WriteResult {
  written: string[];
  unchanged: string[];
  removed: string[];
}

/** Files written at once; enough to hide file-system latency without exhausting descriptors. */
const CONCURRENCY = 32;

/**
 * Writes a change set under `dir`. Each file goes to a temporary name and is renamed into place (a reader
 * never sees half a file). Files already right are not touched: `dir/.raku-generated` lists each file with
 * its sha256 (`sha256sum -c` reads it) and is written last, so an unchanged file costs one stat: same hash,
 * same size and not modified after the list (a file edited by hand since is rewritten). Files that the
 * previous write listed and that this change set no longer has are removed, and nothing else: hand-written
 * files next to the output survive.
 */
export async function writeChangeSet(dir: string, cs: ChangeSet): Promise<WriteResult> {
  const result: WriteResult = { written: [], unchanged: [], removed: [] };
  const manifestPath = path.join(dir, OWNED_FILES_MANIFEST);
  const previous = await readOwned(manifestPath);
  const listedAt = (await statIfExists(manifestPath))?.mtimeMs ?? -1;
  const parents = new Map<string, Promise<unknown>>();
  const entries = [...cs];
  for (const [rel] of entries) {
    assertSafePath(rel);
    if (rel === OWNED_FILES_MANIFEST) throw new Error(`change set may not write ${OWNED_FILES_MANIFEST}`);
  }
  const status = new Array<'written' | 'unchanged'>(entries.length);
  const hashes = entries.map(([, content]) => sha256Hex(content));
  await pool(entries.length, async (i) => {
    const [rel, content] = entries[i] as [string, string];
    const full = path.join(dir, rel);
    const hash = hashes[i] as string;
    if (previous.get(rel) === hash) {
      const st = await statIfExists(full);
      if (st && st.size === Buffer.byteLength(content) && st.mtimeMs <= listedAt) {
        status[i] = 'unchanged';
        return;
      }
    }
    const parent = path.dirname(full);
    let made = parents.get(parent);
    if (!made) {
      made = mkdir(parent, { recursive: true });
      parents.set(parent, made);
    }
    await made;
    await atomicWrite(full, content);
    status[i] = 'written';
  });
  entries.forEach(([rel], i) => {
    (status[i] === 'written' ? result.written : result.unchanged).push(rel);
  });
  for (const rel of [...previous.keys()].sort()) {
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
  await atomicWrite(manifestPath, entries.map(([rel], i) => `${hashes[i]}  ${rel}\n`).join(''));
  return result;
}

async function pool(count: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
}

/** Lines '<sha256>  <path>' → path → hash; a bare '<path>' line is owned, with no known hash. */
async function readOwned(manifestPath: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw err;
  }
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^([a-f0-9]{64}) {2}(.+)$/.exec(line);
    if (m) out.set(m[2] as string, m[1] as string);
    else out.set(line, '');
  }
  return out;
}

async function statIfExists(file: string): Promise<{ size: number; mtimeMs: number } | undefined> {
  try {
    return await stat(file);
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
