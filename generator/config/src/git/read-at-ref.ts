import { spawn } from 'node:child_process';
import { UserError } from '../errors.ts';
import { CONFIG_DIRS } from '../fs/read-repo.ts';
import { documentKind } from '../load/load-repo.ts';
import type { SourceFile } from '../load/yaml-source.ts';

/** Runs git in `root` and returns stdout as bytes; a non-zero exit becomes an Error carrying stderr. */
export function git(root: string, args: readonly string[], input?: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', root, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else
        reject(new Error(`git ${args.join(' ')}: ${Buffer.concat(err).toString().trim() || `exit ${code}`}`));
    });
    child.stdin.end(input);
  });
}

/** The commit a ref names (branch, tag, sha, HEAD~1 …), or a UserError naming the ref. */
export async function resolveCommit(root: string, ref: string): Promise<string> {
  if (ref.startsWith('-')) throw new UserError(`--base ${ref}: not a git ref`);
  try {
    return (await git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).toString().trim();
  } catch {
    throw new UserError(
      `--base ${ref}: no such commit in ${root} (fetch it first, e.g. git fetch origin ${ref})`,
    );
  }
}

/**
 * The config files (packs/, zones/, policies/) of a commit, read from the object store with one
 * `git ls-tree` and one `git cat-file --batch`: the working tree is never touched. Symbolic links are skipped,
 * as readRepoFiles does on disk.
 */
export async function readRepoFilesAtCommit(root: string, commit: string): Promise<SourceFile[]> {
  const listing = (
    await git(root, ['ls-tree', '-r', '-z', '--full-tree', commit, '--', ...CONFIG_DIRS])
  ).toString();
  const blobs: { path: string; sha: string }[] = [];
  for (const entry of listing.split('\0')) {
    if (entry === '') continue;
    const m = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(entry);
    if (m?.[2] !== 'blob' || m[1] === '120000') continue;
    const path = m[4] as string;
    if (documentKind(path)) blobs.push({ path, sha: m[3] as string });
  }
  if (blobs.length === 0) return [];
  const batch = await git(
    root,
    ['cat-file', '--batch'],
    Buffer.from(blobs.map((b) => `${b.sha}\n`).join('')),
  );
  const files: SourceFile[] = [];
  let pos = 0;
  for (const blob of blobs) {
    const eol = batch.indexOf(0x0a, pos);
    const header = batch.subarray(pos, eol).toString();
    const size = Number(header.split(' ')[2]);
    if (!header.startsWith(blob.sha) || !Number.isInteger(size)) {
      throw new Error(`git cat-file: unexpected header "${header}" for ${blob.path}`);
    }
    files.push({ path: blob.path, bytes: new Uint8Array(batch.subarray(eol + 1, eol + 1 + size)) });
    pos = eol + 1 + size + 1;
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
