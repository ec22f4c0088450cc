/**
 * Refreshes the base-image digests of the zones: every `baseImages.<name>` entry with a tag is resolved to the
 * digest its tag points at now (the sha256 of the raw manifest, i.e. the multi-platform index for official
 * images), and only the digest values are rewritten: comments, quoting and layout stay byte for byte.
 *
 *   node --import tsx scripts/refresh-base-images.ts [--root <dir>] [--check] [--insecure-registry <host>]…
 *
 * --check writes nothing and exits 1 when a digest is stale (for a scheduled CI job). --insecure-registry talks
 * plain HTTP to that host only (a local test registry). Resolving uses `skopeo inspect --raw`, which reads the
 * same credentials as podman/skopeo (`skopeo login`, $REGISTRY_AUTH_FILE, ~/.docker/config.json).
 * Exit codes: 0 done, 1 stale digests under --check or a user error (bad zone file, unknown tag), 2 a fault.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';

/** One `baseImages.<name>` entry of a zone file, with where its digest is (or would go). */
export interface BaseImageEntry {
  file: string;
  name: string;
  image: string;
  tag?: string;
  digest?: string;
  /** 'line:column' of the entry, for messages. */
  at: string;
}

/** What a refresh changes in one zone file: the new text and one line per entry. */
export interface ZoneRefresh {
  text: string;
  changes: { entry: BaseImageEntry; digest: string }[];
}

/** Lists the base images of one zone file. Throws with file:line:column on YAML the loader would refuse too. */
export function listBaseImages(file: string, text: string): BaseImageEntry[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const problem = doc.errors[0];
  if (problem) {
    const { line, col } = lines.linePos(problem.pos[0]);
    throw new UserError(`${file}:${line}:${col}: ${problem.message.split('\n')[0]}`);
  }
  const images = doc.get('baseImages', true);
  if (!isMap(images)) return [];
  return images.items.flatMap((pair) => {
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    const entry = pair.value;
    if (!isMap(entry)) return [];
    const { line, col } = lines.linePos(entry.range?.[0] ?? 0);
    const field = (key: string) => {
      const v = entry.get(key);
      return typeof v === 'string' ? v : undefined;
    };
    const image = field('image');
    if (!image) return [];
    const tag = field('tag');
    const digest = field('digest');
    return [
      { file, name, image, at: `${line}:${col}`, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) },
    ];
  });
}

/**
 * Sets `baseImages.<name>.digest` for each entry in `digests` (name → sha256:…). An existing digest is replaced
 * in place (same quoting), so nothing else in the file moves; a missing one is added through the Document API.
 */
export function setDigests(text: string, digests: ReadonlyMap<string, string>): string {
  const doc = parseDocument(text);
  const splices: { start: number; end: number; value: string }[] = [];
  let added = false;
  for (const [name, digest] of digests) {
    const node = doc.getIn(['baseImages', name, 'digest'], true);
    if (isScalar(node) && node.range) {
      const [start, end] = node.range;
      const quote = /^["']/.exec(text.slice(start, end))?.[0] ?? '';
      splices.push({ start, end, value: `${quote}${digest}${quote}` });
    } else {
      doc.setIn(['baseImages', name, 'digest'], digest);
      added = true;
    }
  }
  if (added) return setDigests(doc.toString(), digests);
  let out = text;
  for (const s of splices.sort((a, b) => b.start - a.start)) {
    out = out.slice(0, s.start) + s.value + out.slice(s.end);
  }
  return out;
}

/** Resolves `image:tag` to a digest; the adapter below asks skopeo, tests may pass another. */
export type ResolveDigest = (image: string, tag: string) => Promise<string>;

/** The digest of what `image:tag` points at: sha256 of the raw manifest (an index for multi-platform images). */
export function skopeoResolver(insecureHosts: readonly string[] = []): ResolveDigest {
  const run = promisify(execFile);
  return async (image, tag) => {
    const host = image.split('/')[0] ?? '';
    const args = ['inspect', '--raw', '--retry-times', '2'];
    if (insecureHosts.includes(host)) args.push('--tls-verify=false');
    try {
      const { stdout } = await run('skopeo', [...args, `docker://${image}:${tag}`], {
        encoding: 'buffer',
        maxBuffer: 4 * 1024 * 1024,
      });
      return `sha256:${createHash('sha256').update(stdout).digest('hex')}`;
    } catch (err) {
      const e = err as { code?: unknown; stderr?: Buffer };
      if (e.code === 'ENOENT')
        throw new UserError('skopeo is not installed (Debian/Ubuntu: apt-get install skopeo)');
      const last = e.stderr?.toString().trim().split('\n').pop() ?? String(err);
      // skopeo logs `time=… level=fatal msg="…"`: keep the message.
      const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(last)?.[1]?.replace(/\\"/g, '"');
      throw new UserError(`${image}:${tag}: ${msg ?? last}`);
    }
  };
}

/** Refreshes every zone file under `<root>/zones`; writes only when `write` and something changed. */
export async function refreshZones(
  root: string,
  resolve: ResolveDigest,
  options: { write: boolean },
): Promise<{ zones: { file: string; refresh: ZoneRefresh }[]; skipped: string[] }> {
  const dir = path.join(root, 'zones');
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new UserError(`no zones/ folder in ${root}`);
    throw err;
  });
  const files = names.filter((f) => /\.ya?ml$/.test(f)).sort();
  const resolved = new Map<string, Promise<string>>();
  const out: { file: string; refresh: ZoneRefresh }[] = [];
  const skipped: string[] = [];
  for (const name of files) {
    const full = path.join(dir, name);
    const rel = `zones/${name}`;
    // Never write through a link: the loader refuses them too.
    if (!(await lstat(full)).isFile()) {
      skipped.push(rel);
      continue;
    }
    const text = await readFile(full, 'utf8');
    const changes: ZoneRefresh['changes'] = [];
    for (const entry of listBaseImages(rel, text)) {
      if (!entry.tag) continue;
      const ref = `${entry.image}:${entry.tag}`;
      if (!resolved.has(ref)) resolved.set(ref, resolve(entry.image, entry.tag));
      const digest = await (resolved.get(ref) as Promise<string>).catch((err: Error) => {
        throw new UserError(`${rel}:${entry.at}: baseImages.${entry.name}: ${err.message}`);
      });
      if (digest !== entry.digest) changes.push({ entry, digest });
    }
    const next = setDigests(text, new Map(changes.map((c) => [c.entry.name, c.digest])));
    if (options.write && next !== text) await writeFile(full, next);
    out.push({ file: rel, refresh: { text: next, changes } });
  }
  return { zones: out, skipped };
}

/** A problem the user can fix: printed without a stack, exit 1. */
export class UserError extends Error {
  override readonly name = 'UserError';
}

async function main(argv: string[]): Promise<number> {
  let root = process.cwd();
  let check = false;
  const insecure: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--check') check = true;
    else if (arg === '--root' && argv[i + 1]) root = path.resolve(argv[++i] as string);
    else if (arg === '--insecure-registry' && argv[i + 1]) insecure.push(argv[++i] as string);
    else
      throw new UserError(
        `unknown argument ${JSON.stringify(arg)} (usage: [--root <dir>] [--check] [--insecure-registry <host>])`,
      );
  }
  const { zones, skipped } = await refreshZones(root, skopeoResolver(insecure), { write: !check });
  for (const file of skipped) console.log(`${file}: skipped (not a regular file; raku refuses it too)`);
  let stale = 0;
  for (const { file, refresh } of zones) {
    for (const { entry, digest } of refresh.changes) {
      stale++;
      const was = entry.digest ?? '(no digest)';
      console.log(`${file} baseImages.${entry.name} ${entry.image}:${entry.tag}: ${was} → ${digest}`);
    }
  }
  if (stale === 0) console.log('every base image digest is current');
  else if (check) console.log(`${stale} base image digest(s) are stale; run without --check to update them`);
  return check && stale > 0 ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: Error) => {
      console.error(err instanceof UserError ? `error: ${err.message}` : err.stack);
      process.exitCode = err instanceof UserError ? 1 : 2;
    },
  );
}
