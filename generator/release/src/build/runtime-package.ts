import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { RAKU_PACKAGE_NAME, UserError } from '@raku/config';
import { registryOf, tarballUrlFromPackument, untar, verifiedTarball } from './package-tarball.ts';
import { PREBUILT_MANIFEST, prebuiltRuntimeParts, type RuntimeParts } from './prebuilt-runtime.ts';

/**
 * The actions carry no runtime: actions/dist/runtime-package.json names Raku's npm package and version whose
 * dist/runtime the build action downloads (from npm_config_registry, else registry.npmjs.org), verifies against
 * the integrity recorded here by `npm run build:actions`, and caches (<cache>/packages/).
 */
export const RUNTIME_PACKAGE_FILE = 'runtime-package.json';

/** What {@link RUNTIME_PACKAGE_FILE} holds. */
export interface RuntimePackage {
  /** The npm package whose tarball holds dist/runtime (package.json's name when the actions were built). */
  name: string;
  version: string;
  /**
   * sha512 over the files of dist/runtime ({@link runtimeIntegrity}), not over the tarball: the tarball also
   * holds the README, the docs and the CLI, and its gzip bytes depend on the machine that packs it.
   */
  runtimeIntegrity: string;
}

/**
 * The integrity of a prebuilt runtime's files (paths relative to the runtime folder): sha512 over one line per
 * file, sorted by path, `<path> NUL <sha512 hex of the content>`, as `sha512-<base64>`.
 */
export function runtimeIntegrity(files: readonly { path: string; content: Uint8Array }[]): string {
  const lines = files
    .map((f) => `${f.path}\0${createHash('sha512').update(f.content).digest('hex')}\n`)
    .sort();
  return `sha512-${createHash('sha512').update(lines.join('')).digest('base64')}`;
}

/** Where the runtime comes from: a prebuilt runtime folder, or the package a runtime-package.json names. */
export type RuntimeLocation = { prebuiltDir: string } | { packageFile: string };

/**
 * Looks up from `from` (this module's URL by default) for the nearest runtime/runtime.json,
 * dist/runtime/runtime.json (the npm package) or runtime-package.json (actions/dist), stopping at the raku
 * package's root; undefined when there is none.
 */
export function findRuntime(from: string | URL = import.meta.url): RuntimeLocation | undefined {
  let dir = path.dirname(typeof from === 'string' && !from.startsWith('file:') ? from : fileURLToPath(from));
  for (;;) {
    for (const candidate of [path.join(dir, 'runtime'), path.join(dir, 'dist', 'runtime')]) {
      if (existsSync(path.join(candidate, PREBUILT_MANIFEST))) return { prebuiltDir: candidate };
    }
    if (existsSync(path.join(dir, RUNTIME_PACKAGE_FILE)))
      return { packageFile: path.join(dir, RUNTIME_PACKAGE_FILE) };
    const parent = path.dirname(dir);
    if (parent === dir || isRakuPackageRoot(dir)) return undefined;
    dir = parent;
  }
}

function isRakuPackageRoot(dir: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
    return pkg.name === RAKU_PACKAGE_NAME;
  } catch {
    return false;
  }
}

/**
 * The runtime parts from the package `packageFile` names: its tarball read from `cacheDir` or downloaded (the
 * packument gives the tarball URL), accepted only when its dist/runtime files match the recorded integrity, so
 * the image layers (and digests) are those of the installed package's runtime. Throws a UserError naming the
 * package, the registry and the remedy when it cannot be had or does not match; nothing unverified is cached.
 */
export async function runtimeFromPackage(
  packageFile: string,
  cacheDir: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<RuntimeParts> {
  const pointer = JSON.parse(await readFile(packageFile, 'utf8')) as RuntimePackage;
  const registry = registryOf(env);
  let runtime = new Map<string, Buffer>();
  await verifiedTarball(
    pointer.name,
    pointer.version,
    () => tarballUrlFromPackument(pointer.name, pointer.version, registry),
    (data) => {
      runtime = runtimeFilesOf(data);
      const files = [...runtime].map(([p, content]) => ({ path: p, content }));
      return runtime.has(PREBUILT_MANIFEST) && runtimeIntegrity(files) === pointer.runtimeIntegrity;
    },
    cacheDir,
  ).catch((err: Error) => {
    throw new UserError(
      `the build needs the prebuilt runtime of ${pointer.name}@${pointer.version} (recorded in ${packageFile}): ${err.message}`,
    );
  });
  return prebuiltRuntimeParts(
    async (rel) => {
      const content = runtime.get(rel);
      if (!content) throw new UserError(`${pointer.name}@${pointer.version} has no dist/runtime/${rel}`);
      return content;
    },
    { where: `${pointer.name}@${pointer.version}` },
    cacheDir,
    env,
  );
}

/** The files under dist/runtime/ of a package tarball, by path relative to it; empty when it is not a tarball. */
function runtimeFilesOf(tgz: Buffer): Map<string, Buffer> {
  let tar: Buffer;
  try {
    tar = gunzipSync(tgz);
  } catch {
    return new Map();
  }
  const out = new Map<string, Buffer>();
  for (const f of untar(tar)) {
    if (f.path.startsWith('dist/runtime/')) out.set(f.path.slice('dist/runtime/'.length), f.content);
  }
  return out;
}
