import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RAKU_PACKAGE_NAME, UserError } from '@raku/config';
import { layerCacheDir } from './layer-cache.ts';
import { type PackageSource, packageFilesFromTarball } from './package-tarball.ts';
import type { LayerFile } from './tar-layer.ts';

/**
 * The prebuilt runtime: `npm run build` writes the runtime bundle (gateway.mjs and its chunks, the SQL
 * migrations) under dist/runtime/ with this manifest, so `raku build` from the installed package needs neither
 * Raku's sources nor esbuild. External packages (PGlite) are not copied: their files are read from the
 * node_modules the raku package is installed in, as the source bundle reads them from the repository's.
 */
export const PREBUILT_MANIFEST = 'runtime.json';

/** What {@link PREBUILT_MANIFEST} holds: the layer paths of each part, in order. */
export interface PrebuiltManifest {
  /** Layer paths every image carries (app/gateway.mjs, app/chunks/… it imports statically). */
  files: string[];
  /** Layer paths only the gateway image carries, except the external packages' files. */
  gatewayFiles: string[];
  /** External packages the bundle imports; their files are copied from node_modules at build time. */
  externalsUsed: string[];
  /**
   * Where each external package comes from when it is not installed beside the runtime (the actions run
   * without `npm ci`): the version and tarball integrity package-lock.json pins.
   */
  sources?: Record<string, PackageSource>;
}

/** The parts of a runtime bundle, as bundleRuntime returns them. */
export interface RuntimeParts {
  files: LayerFile[];
  gatewayFiles: LayerFile[];
  externalsUsed: string[];
}

/**
 * Where the prebuilt runtime is, looking up from `from` (this module's URL by default): the nearest folder
 * holding runtime/runtime.json or dist/runtime/runtime.json (dist/runtime of the raku package, actions/dist/runtime
 * of the action bundles). Stops at the raku package's root; undefined when nothing is built.
 */
export function findPrebuiltRuntime(from: string | URL = import.meta.url): string | undefined {
  let dir = path.dirname(typeof from === 'string' && !from.startsWith('file:') ? from : fileURLToPath(from));
  for (;;) {
    for (const candidate of [path.join(dir, 'runtime'), path.join(dir, 'dist', 'runtime')]) {
      if (existsSync(path.join(candidate, PREBUILT_MANIFEST))) return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir || isRakuPackageRoot(dir)) return undefined;
    dir = parent;
  }
}

function isRakuPackageRoot(dir: string): boolean {
  try {
    return (
      (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name ===
      RAKU_PACKAGE_NAME
    );
  } catch {
    return false;
  }
}

/**
 * Reads the prebuilt runtime in `dir` (see {@link findPrebuiltRuntime}) into the parts bundleRuntime returns.
 * The external packages' files come from the nearest node_modules above `dir` holding them (the installed
 * raku package's dependencies); a UserError names the package when none does.
 */
export async function readPrebuiltRuntime(
  dir: string,
  cacheDir: string | undefined = layerCacheDir(process.env, process.cwd()),
): Promise<RuntimeParts> {
  const manifest = JSON.parse(await readFile(path.join(dir, PREBUILT_MANIFEST), 'utf8')) as PrebuiltManifest;
  const read = async (layerPath: string): Promise<LayerFile> => ({
    path: layerPath,
    content: await readFile(path.join(dir, ...layerPath.split('/'))),
  });
  const files = await Promise.all(manifest.files.map(read));
  const gatewayFiles = await Promise.all(manifest.gatewayFiles.map(read));
  const externals: LayerFile[] = [];
  for (const pkg of manifest.externalsUsed) {
    const pkgDir = findPackageDir(dir, pkg);
    const source = manifest.sources?.[pkg];
    if (!pkgDir && source) {
      externals.push(...(await packageFilesFromTarball(pkg, source, cacheDir)));
      continue;
    }
    if (!pkgDir) {
      throw new UserError(
        `the prebuilt runtime in ${dir} needs the package ${pkg}, which is not installed beside it (npm install raku installs it)`,
      );
    }
    externals.push(...(await packageFiles(pkgDir, pkg)));
  }
  // Same order as a source bundle: chunks, then external packages, then assets (app/prisma/…).
  const chunks = gatewayFiles.filter((f) => f.path.startsWith('app/chunks/'));
  const assets = gatewayFiles.filter((f) => !f.path.startsWith('app/chunks/'));
  return { files, gatewayFiles: [...chunks, ...externals, ...assets], externalsUsed: manifest.externalsUsed };
}

/**
 * Writes runtime parts as a prebuilt runtime into `dir` (emptied first); external packages are left out, with
 * where to get them (`sources`, see {@link lockedSources}) when given.
 */
export async function writePrebuiltRuntime(
  dir: string,
  parts: RuntimeParts,
  sources?: Record<string, PackageSource>,
): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  const isExternal = (p: string) =>
    parts.externalsUsed.some((pkg) => p.startsWith(`app/node_modules/${pkg}/`));
  const own = parts.gatewayFiles.filter((f) => !isExternal(f.path));
  for (const file of [...parts.files, ...own]) {
    const target = path.join(dir, ...file.path.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.content);
  }
  const manifest: PrebuiltManifest = {
    files: parts.files.map((f) => f.path),
    gatewayFiles: own.map((f) => f.path),
    externalsUsed: parts.externalsUsed,
    ...(sources ? { sources } : {}),
  };
  await writeFile(path.join(dir, PREBUILT_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** The version and integrity package-lock.json (under `root`) pins for each package. */
export async function lockedSources(
  root: string,
  packages: readonly string[],
): Promise<Record<string, PackageSource>> {
  const lock = JSON.parse(await readFile(path.join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; integrity?: string }>;
  };
  const out: Record<string, PackageSource> = {};
  for (const pkg of packages) {
    const entry = lock.packages[`node_modules/${pkg}`];
    if (!entry?.version || !entry.integrity)
      throw new Error(`package-lock.json pins no version and integrity for ${pkg}`);
    out[pkg] = { version: entry.version, integrity: entry.integrity };
  }
  return out;
}

/** The folder of an installed package, from the nearest node_modules above `from` that holds it. */
export function findPackageDir(from: string, pkg: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', ...pkg.split('/'));
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** An external package's files as layer files under app/node_modules/<pkg>/ (source maps left out), sorted. */
export async function packageFiles(pkgDir: string, pkg: string): Promise<LayerFile[]> {
  const out: LayerFile[] = [];
  for (const rel of await listFiles(pkgDir)) {
    if (rel.endsWith('.map')) continue;
    out.push({ path: `app/node_modules/${pkg}/${rel}`, content: await readFile(path.join(pkgDir, rel)) });
  }
  return out;
}

/** Every file under `dir`, as sorted '/'-separated relative paths. */
export async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}
