import {
  closeSync,
  constants,
  type Dirent,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  type Stats,
} from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { documentKind } from '../load/load-repo.ts';
import type { SourceFile } from '../load/yaml-source.ts';

/** The config folders of a repository; everything else is ignored by the loader. */
export const CONFIG_DIRS = ['packs', 'zones', 'policies', 'tenants'] as const;

/**
 * Reads every config file of the repository at `root` (packs/*\/pack.yaml, zones/*.yaml, policies/*.yaml,
 * tenants/*.yaml).
 * Symbolic links are never followed, at any level this walk goes through — the config folders themselves, a
 * pack folder, a config file — so a config tree cannot pull in files from outside the repository, nor have
 * their content quoted in diagnostics. Each link found where config is expected is returned as an entry with
 * `refused: 'symlink'` and no bytes (its target is not even read), and the loader reports it by name.
 */
export async function readRepoFiles(root: string): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  for (const dir of CONFIG_DIRS) {
    const top = entryType(path.join(root, dir));
    if (top === undefined) continue;
    if (top !== 'directory') {
      out.push(refused(dir, top === 'symlink' ? 'symlink' : 'not-a-folder'));
      continue;
    }
    for (const found of listCandidates(root, dir)) {
      if (found.refused) out.push(refused(found.rel, found.refused));
      // Synchronous on purpose: a thousand small files read one after another beat as many queued promises.
      else out.push({ path: found.rel, bytes: found.bytes ?? readFileSync(path.join(root, found.rel)) });
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** True when `root` looks like a Raku repository (has at least one config folder, or a link in its place). */
export async function isRepoRoot(root: string): Promise<boolean> {
  return CONFIG_DIRS.some((dir) => entryType(path.join(root, dir)) !== undefined);
}

function refused(rel: string, why: 'symlink' | 'not-a-folder'): SourceFile {
  return { path: rel, bytes: new Uint8Array(0), refused: why };
}

/** What is at `full` without following a link there; undefined when nothing is. */
function entryType(full: string): 'directory' | 'file' | 'symlink' | 'other' | undefined {
  // Without an exception for a missing entry: most pack folders have a pack.yaml and no pack.yml.
  const info = lstatSync(full, { throwIfNoEntry: false });
  return info === undefined ? undefined : typeOf(info);
}

function typeOf(info: Stats | Dirent): 'directory' | 'file' | 'symlink' | 'other' {
  if (info.isSymbolicLink()) return 'symlink';
  if (info.isDirectory()) return 'directory';
  return info.isFile() ? 'file' : 'other';
}

/**
 * The config files under one config folder (repository-relative), and the links found where they would be.
 * A pack's pack.yaml comes with its bytes when it could be read without following a link (readNoFollow).
 */
function listCandidates(root: string, dir: string): { rel: string; refused?: 'symlink'; bytes?: Buffer }[] {
  const out: { rel: string; refused?: 'symlink'; bytes?: Buffer }[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    const type = typeOf(entry);
    if (dir === 'packs') {
      if (type === 'symlink') out.push({ rel, refused: 'symlink' });
      if (type !== 'directory') continue;
      for (const name of ['pack.yaml', 'pack.yml']) {
        const full = path.join(root, rel, name);
        // Nearly every pack has a pack.yaml: read it straight away. pack.yml is rarer, so it is looked for first.
        const bytes = name === 'pack.yaml' ? readNoFollow(full) : undefined;
        if (bytes) {
          out.push({ rel: `${rel}/${name}`, bytes });
          continue;
        }
        const file = entryType(full);
        if (file === 'file') out.push({ rel: `${rel}/${name}` });
        else if (file === 'symlink') out.push({ rel: `${rel}/${name}`, refused: 'symlink' });
        // nothing there: this pack folder uses the other extension, or is not a pack
      }
    } else if (documentKind(rel)) {
      if (type === 'file') out.push({ rel });
      else if (type === 'symlink') out.push({ rel, refused: 'symlink' });
    }
  }
  return out;
}

/** O_NOFOLLOW where the platform has it (not Windows): an open that refuses a link at the last step. */
const OPEN_NO_FOLLOW =
  constants.O_NOFOLLOW === undefined
    ? undefined
    : constants.O_RDONLY | constants.O_NOFOLLOW | (constants.O_NONBLOCK ?? 0);

/**
 * The bytes of the regular file at `full`, read with one open that refuses a symbolic link (O_NOFOLLOW) instead
 * of an lstat before the read: a syscall less per pack. Undefined for anything else — no such entry, a link, not
 * a regular file, a platform without O_NOFOLLOW, any error — and the caller looks with lstat as before, so what
 * is refused or reported does not change. O_NONBLOCK: opening a FIFO found there must not wait for a writer.
 */
function readNoFollow(full: string): Buffer | undefined {
  if (OPEN_NO_FOLLOW === undefined) return undefined;
  let fd: number;
  try {
    fd = openSync(full, OPEN_NO_FOLLOW);
  } catch {
    return undefined;
  }
  try {
    const info = fstatSync(fd);
    // Size 0 (empty, or a file whose size is not known in advance): leave it to readFileSync.
    if (!info.isFile() || info.size === 0) return undefined;
    const bytes = Buffer.allocUnsafeSlow(info.size);
    let at = 0;
    while (at < bytes.length) {
      const n = readSync(fd, bytes, at, bytes.length - at, null);
      if (n === 0) break;
      at += n;
    }
    return at === bytes.length ? bytes : bytes.subarray(0, at);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the file `rel` under `base` without following a symbolic link at any step of `rel` (`base` itself is
 * the folder the user named). A link is refused with a UserError that names it and never reads its target.
 */
export async function readFileNoFollow(base: string, rel: string): Promise<Buffer> {
  const steps = rel.split(/[\\/]+/).filter(Boolean);
  for (let i = 1; i <= steps.length; i++) {
    const at = path.join(base, ...steps.slice(0, i));
    const type = entryType(at);
    if (type === 'symlink') {
      throw new UserError(
        `${steps.slice(0, i).join('/')} is a symbolic link; Raku does not follow links in config folders (commit the file itself)`,
      );
    }
    if (type === undefined) throw Object.assign(new Error(`${at}: no such file`), { code: 'ENOENT' });
  }
  return readFileSync(path.join(base, ...steps));
}
