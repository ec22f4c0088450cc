import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

/**
 * Writes a change set under `dir`. Each file goes to a temporary name and is renamed into place (a reader
 * never sees half a file). Files already right are not touched: `dir/.raku-generated` lists each file with
 * its sha256 (`sha256sum -c` reads it) and is written last, so an unchanged file costs one stat: same hash,
 * same size and not modified after the list (a file edited by hand since is rewritten). Files that the
 * previous write listed and that this change set no longer has are removed, and nothing else: hand-written
 * files next to the output survive.
 *
 * A folder that does not exist yet is written under a hidden name and renamed into place whole.
 *
 * The file system is called synchronously: its callers are one-shot processes (the CLI, the actions) with
 * nothing else to do meanwhile, and for thousands of small files the synchronous calls measured 3–4× faster
 * than fs/promises (each async call is several hops through libuv's thread pool). See docs/performance.md.
 */
export async function writeChangeSet(dir: string, cs: ChangeSet): Promise<WriteResult> {
  const result: WriteResult = { written: [], unchanged: [], removed: [] };
  const manifestPath = path.join(dir, OWNED_FILES_MANIFEST);
  const previous = readOwned(manifestPath);
  const listedAt = previous.size > 0 ? (statIfExists(manifestPath)?.mtimeMs ?? -1) : -1;
  for (const [rel] of cs) {
    assertSafePath(rel);
    if (rel === OWNED_FILES_MANIFEST) throw new Error(`change set may not write ${OWNED_FILES_MANIFEST}`);
  }
  // One random suffix per call: paths are unique within a change set, so `<file>.<suffix>.tmp` is too.
  const suffix = `.${randomBytes(6).toString('hex')}.tmp`;
  if (previous.size === 0 && statIfExists(dir) === undefined) return writeFresh(dir, cs, suffix);
  const made = new Set<string>();
  const lines: string[] = [];
  for (const [rel, text] of cs) {
    const full = path.join(dir, rel);
    // Encoded once for the hash, the size and the write.
    const content = Buffer.from(text);
    const hash = sha256Hex(content);
    lines.push(`${hash}  ${rel}\n`);
    if (previous.get(rel) === hash) {
      const st = statIfExists(full);
      if (st && st.size === content.length && st.mtimeMs <= listedAt) {
        result.unchanged.push(rel);
        continue;
      }
    }
    const parent = path.dirname(full);
    if (!made.has(parent)) {
      mkdirSync(parent, { recursive: true });
      made.add(parent);
    }
    atomicWrite(full, content, suffix);
    result.written.push(rel);
  }
  for (const rel of [...previous.keys()].sort()) {
    if (cs.has(rel)) continue;
    try {
      assertSafePath(rel);
    } catch {
      throw new UserError(`${manifestPath}: lists unsafe path "${rel}"; remove the file and generate again`);
    }
    rmSync(path.join(dir, rel), { force: true });
    removeEmptyParents(dir, path.dirname(rel));
    result.removed.push(rel);
  }
  mkdirSync(dir, { recursive: true });
  atomicWrite(manifestPath, lines.join(''), suffix);
  return result;
}

/**
 * A folder that does not exist yet is written whole under a hidden name beside it, then renamed into place:
 * a reader sees all of it or nothing, and each file costs what a plain write costs (no rename per file).
 */
function writeFresh(dir: string, cs: ChangeSet, suffix: string): WriteResult {
  const staging = path.join(path.dirname(dir), `.${path.basename(dir)}${suffix}`);
  mkdirSync(staging, { recursive: true });
  try {
    const made = new Set<string>([staging]);
    const lines: string[] = [];
    for (const [rel, text] of cs) {
      const content = Buffer.from(text);
      lines.push(`${sha256Hex(content)}  ${rel}\n`);
      const full = path.join(staging, rel);
      const parent = path.dirname(full);
      if (!made.has(parent)) {
        mkdirSync(parent, { recursive: true });
        made.add(parent);
      }
      writeFileSync(full, content);
    }
    writeFileSync(path.join(staging, OWNED_FILES_MANIFEST), lines.join(''));
    renameSync(staging, dir);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  return { written: [...cs.keys()], unchanged: [], removed: [] };
}

/** Lines '<sha256>  <path>' → path → hash; a bare '<path>' line is owned, with no known hash. */
export function readOwned(manifestPath: string): Map<string, string> {
  const out = new Map<string, string>();
  let text: string;
  try {
    text = readFileSync(manifestPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return out;
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

/** stat, or undefined when there is nothing at `file`. */
export function statIfExists(file: string): { size: number; mtimeMs: number } | undefined {
  try {
    const st = statSync(file, { throwIfNoEntry: false });
    return st && { size: st.size, mtimeMs: st.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
}

function atomicWrite(file: string, content: string | Buffer, suffix: string): void {
  const tmp = file + suffix;
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

function removeEmptyParents(root: string, rel: string): void {
  let current = rel;
  while (current !== '.' && current !== '') {
    try {
      rmdirSync(path.join(root, current));
    } catch {
      return; // not empty (or already gone): stop climbing
    }
    current = path.dirname(current);
  }
}
