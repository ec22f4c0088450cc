import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
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
  /** External packages the bundle imports; their files are copied from node_modules at build time (pinned version). */
  externalsUsed: string[];
  /**
   * Where each external package comes from when it is not installed beside the runtime at this version (the
   * actions run without `npm ci`; npm install may resolve another): the version and integrity package-lock.json pins.
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
 * Reads the prebuilt runtime in `dir` (dist/runtime, see findRuntime in runtime-package.ts) into the parts bundleRuntime returns.
 * The external packages' files come from the nearest node_modules above `dir` holding them (the installed
 * raku package's dependencies) at the version runtime.json pins, else from that version's npm tarball, so the
 * image is the same whatever version npm install resolved; a UserError names the package when neither.
 */
export async function readPrebuiltRuntime(
  dir: string,
  cacheDir: string | undefined = layerCacheDir(process.env, process.cwd()),
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<RuntimeParts> {
  return prebuiltRuntimeParts(
    (rel) => readFile(path.join(dir, ...rel.split('/'))),
    { nodeModulesFrom: dir, where: dir },
    cacheDir,
    env,
  );
}

/**
 * The parts of a prebuilt runtime whose files `read` gives by their path relative to the runtime folder
 * (runtime.json, app/…): from a folder or from a package tarball. External packages come from node_modules
 * above `nodeModulesFrom` when given and installed there, else from the tarball `sources` pins.
 */
export async function prebuiltRuntimeParts(
  read: (rel: string) => Promise<Uint8Array>,
  at: { nodeModulesFrom?: string; where: string },
  cacheDir: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<RuntimeParts> {
  const manifest = JSON.parse(
    Buffer.from(await read(PREBUILT_MANIFEST)).toString('utf8'),
  ) as PrebuiltManifest;
  const layerFile = async (layerPath: string): Promise<LayerFile> => ({
    path: layerPath,
    content: await read(layerPath),
  });
  const files = await Promise.all(manifest.files.map(layerFile));
  const gatewayFiles = await Promise.all(manifest.gatewayFiles.map(layerFile));
  const externals: LayerFile[] = [];
  for (const pkg of manifest.externalsUsed) {
    const source = manifest.sources?.[pkg];
    const pkgDir = at.nodeModulesFrom ? findPackageDir(at.nodeModulesFrom, pkg) : undefined;
    // An installed version other than the pinned one (npm install resolves ranges) would change the image.
    if (source && (!pkgDir || (await installedVersion(pkgDir)) !== source.version)) {
      externals.push(...(await packageFilesFromTarball(pkg, source, cacheDir, env)));
      continue;
    }
    if (!pkgDir) {
      throw new UserError(
        `the prebuilt runtime in ${at.where} needs the package ${pkg}, which is not installed beside it (npm install ${RAKU_PACKAGE_NAME} installs it)`,
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

async function installedVersion(pkgDir: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(path.join(pkgDir, 'package.json'), 'utf8')) as { version?: string })
      .version;
  } catch {
    return undefined;
  }
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
