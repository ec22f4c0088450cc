/**
 * `npm run build:console`: builds the console (gateway/console, Vite) into gateway/console/dist, which the
 * gateway serves under /console/. `npm start` runs it first (prestart) and `npm run build` too, so the build is
 * skipped when nothing it depends on changed: a sha256 over the console's and the client's sources, the Vite
 * config and the lockfile is kept in dist/.build-hash and compared first.
 *
 * Usage: node --import tsx scripts/build-console.ts [--force]
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONSOLE = path.join(ROOT, 'gateway/console');
const DIST = path.join(CONSOLE, 'dist');
const HASH_FILE = path.join(DIST, '.build-hash');

/** What the built console depends on, relative to the repository root: files, and folders read recursively. */
const INPUTS = [
  'gateway/console/index.html',
  'gateway/console/vite.config.ts',
  'gateway/console/tsconfig.json',
  'gateway/console/package.json',
  'gateway/console/src/app',
  'gateway/client/package.json',
  'gateway/client/src',
  'package-lock.json',
  // How it is built is part of what is built.
  'scripts/build-console.ts',
];

function filesOf(rel: string): string[] {
  const abs = path.join(ROOT, rel);
  if (!existsSync(abs)) return [];
  if (!readdirSafe(abs)) return [rel];
  return readdirSync(abs, { withFileTypes: true })
    .flatMap((e) => filesOf(`${rel}/${e.name}`))
    .sort();
}

function readdirSafe(abs: string): boolean {
  try {
    readdirSync(abs);
    return true;
  } catch {
    return false;
  }
}

/** sha256 over the names and contents of every input file, in a stable order. */
export function consoleSourceHash(): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap(filesOf)) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(path.join(ROOT, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

export interface ConsoleBuild {
  /** False when the existing dist/ was built from the same sources and kept. */
  built: boolean;
  hash: string;
  dist: string;
}

/**
 * Builds the console. With `ifStale` (default true) an existing build of the same sources is kept; with
 * `ifStale: false` it always rebuilds.
 */
export async function buildConsole(options: { ifStale?: boolean } = {}): Promise<ConsoleBuild> {
  const hash = consoleSourceHash();
  const ifStale = options.ifStale ?? true;
  if (ifStale && existsSync(path.join(DIST, 'index.html')) && readHash() === hash) {
    return { built: false, hash, dist: DIST };
  }
  // Vite is loaded only when a build is needed: `npm start` with a fresh build pays nothing for it.
  const { build } = await import('vite');
  // Build beside dist/ and swap it in: a gateway serving dist/ meanwhile (another terminal, a test) never
  // sees it half-written or empty.
  const staging = path.join(CONSOLE, `.dist-build-${process.pid}-${Date.now()}`);
  // Vite takes NODE_ENV from the environment over `mode`: under vitest (NODE_ENV=test) it built React's
  // development bundle (443 KB against 243 KB), which `npm start` then served as up to date. The console is
  // always built for production, whoever builds it.
  const nodeEnv = process.env['NODE_ENV'];
  process.env['NODE_ENV'] = 'production';
  try {
    await build({
      configFile: path.join(CONSOLE, 'vite.config.ts'),
      mode: 'production',
      build: { outDir: staging, emptyOutDir: true },
    });
    writeFileSync(path.join(staging, path.basename(HASH_FILE)), `${hash}\n`);
    swapInto(staging, DIST);
  } finally {
    if (nodeEnv === undefined) delete process.env['NODE_ENV'];
    else process.env['NODE_ENV'] = nodeEnv;
    rmSync(staging, { recursive: true, force: true });
  }
  return { built: true, hash, dist: DIST };
}

/** Replaces `target` by `staging` with two renames; a concurrent build's swap in between is retried. */
function swapInto(staging: string, target: string): void {
  const olds: string[] = [];
  try {
    for (let attempt = 0; ; attempt++) {
      const old = `${staging}-old-${attempt}`;
      try {
        renameSync(target, old);
        olds.push(old);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      try {
        renameSync(staging, target);
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (attempt >= 5 || (code !== 'ENOTEMPTY' && code !== 'EEXIST')) throw err;
      }
    }
  } finally {
    for (const old of olds) rmSync(old, { recursive: true, force: true });
  }
}
function readHash(): string | undefined {
  try {
    return readFileSync(HASH_FILE, 'utf8').trim();
  } catch {
    return undefined;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await buildConsole({ ifStale: !process.argv.includes('--force') });
  const where = path.relative(ROOT, result.dist);
  console.log(
    result.built
      ? `console built into ${where}`
      : `console is up to date in ${where} (sources unchanged; --force rebuilds)`,
  );
}
