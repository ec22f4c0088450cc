import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '@raku/config';
import { SPLIT_ESM } from './esbuild-esm.ts';
import { layerCacheDir } from './layer-cache.ts';
import { RUNTIME_FILE } from './plan-images.ts';
import { listFiles, packageFiles, readPrebuiltRuntime } from './prebuilt-runtime.ts';
import { findRuntime, runtimeFromPackage } from './runtime-package.ts';
import type { LayerFile } from './tar-layer.ts';

/** Default entry of the runtime: one program, two roles (see docs/design.md). */
export const RUNTIME_ENTRY = 'gateway/src/main.ts';

/**
 * Packages left out of the bundle and copied into the image under /app/node_modules instead, when the bundle
 * imports them. PGlite loads its WebAssembly and data files relative to its own module URL, which a bundle
 * would break; it is only used by the gateway when DATABASE_URL is unset.
 */
export const DEFAULT_EXTERNALS = ['@electric-sql/pglite'];

/**
 * Folders of the repository copied next to the bundle when they exist: the gateway applies its SQL migrations
 * at start and looks for them at prisma/migrations beside gateway.mjs (/app/prisma/migrations); it serves the
 * console built by `npm run build:console` from console/ beside it (/app/console, see CONSOLE_FROM_CHUNKS).
 */
export const DEFAULT_ASSETS: readonly { from: string; to: string }[] = [
  { from: 'gateway/prisma/migrations', to: 'app/prisma/migrations' },
  { from: 'gateway/console/dist', to: 'app/console' },
];

/** The console's folder (app/console) relative to the chunks (app/chunks/…): gateway/src/console/console-dist.ts. */
const CONSOLE_FROM_CHUNKS = '../console/';

export interface RuntimeBundleOptions {
  /** Repository root: esbuild resolves from here and writes paths relative to it, so output is machine-independent. */
  root: string;
  /** Entry file relative to root. Default gateway/src/main.ts. */
  entry?: string;
  /** Packages kept external and copied next to the bundle. Default {@link DEFAULT_EXTERNALS}. */
  externals?: readonly string[];
  /** Folders copied into the layer as they are. Default {@link DEFAULT_ASSETS}. */
  assets?: readonly { from: string; to: string }[];
  /**
   * Bundle the entry from source, never the prebuilt runtime (what `npm run build` does to make it). Default
   * false: the default entry is taken from the prebuilt runtime when `root` does not hold its source.
   */
  fromSource?: boolean;
  /** Where the prebuilt runtime is looked for. Default: found up from this module (findRuntime). */
  prebuiltDir?: string;
  /** Environment for the runtime package's registry and the cache. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface RuntimeBundle {
  /**
   * What every image runs: /app/gateway.mjs and the chunks it imports statically (app/chunks/…). This is all a
   * pack server loads, and the same bytes in every image of every zone while the runtime is unchanged.
   */
  files: LayerFile[];
  /**
   * Files only the gateway role needs, so only the gateway image gets them: the chunks behind the entry's
   * dynamic import of the gateway and local roles (the database client with Prisma's query compiler, pg-boss,
   * Redis, the policy engine), the external packages the bundle imports (app/node_modules/<package>/…, PGlite
   * for the embedded database) and the assets (SQL migrations).
   */
  gatewayFiles: LayerFile[];
  /** The external packages actually imported. */
  externalsUsed: string[];
}

/**
 * The runtime every image carries, found in one place: the entry bundled from source when the repository holds it
 * (Raku's own repository, whose sources are the truth even when an earlier build left dist/ behind, and test
 * repositories with a stand-in runtime), else the prebuilt runtime of the raku package (dist/runtime, made by
 * `npm run build`), which the actions download from the npm registry (actions/dist/runtime-package.json names the
 * version and its integrity): a configuration repository needs neither Raku's sources nor esbuild. Same bytes either way for the same sources, so image digests do not depend on the path.
 * Throws a UserError when neither is there.
 */
export async function bundleRuntime(options: RuntimeBundleOptions): Promise<RuntimeBundle> {
  const entry = options.entry ?? RUNTIME_ENTRY;
  const isDefault = entry === RUNTIME_ENTRY && !options.externals && !options.assets;
  if (isDefault && !options.fromSource && !existsSync(path.resolve(options.root, entry))) {
    const env = options.env ?? process.env;
    const cacheDir = layerCacheDir(env, process.cwd());
    const found = options.prebuiltDir ? { prebuiltDir: options.prebuiltDir } : findRuntime();
    if (found && 'prebuiltDir' in found) return readPrebuiltRuntime(found.prebuiltDir, cacheDir, env);
    if (found) return runtimeFromPackage(found.packageFile, cacheDir, env);
  }
  return bundleFromSource(options);
}

/**
 * Bundles the runtime entry with esbuild into ESM for Node 20: /app/gateway.mjs plus chunks under
 * /app/chunks, split into what every image needs and what only the gateway does (see {@link RuntimeBundle}).
 * Deterministic for the same sources: no source maps, paths relative to `root`, content-hashed chunk names.
 * Throws a UserError when the entry does not exist or esbuild is not installed.
 */
async function bundleFromSource(options: RuntimeBundleOptions): Promise<RuntimeBundle> {
  const entry = options.entry ?? RUNTIME_ENTRY;
  const externals = options.externals ?? DEFAULT_EXTERNALS;
  const entryPath = path.resolve(options.root, entry);
  try {
    await stat(entryPath);
  } catch {
    throw new UserError(
      `runtime entry ${entry} not found under ${options.root} and no prebuilt runtime (dist/runtime) beside raku; the image needs the gateway runtime`,
    );
  }
  // esbuild is a development dependency: only a build from source loads it, never the installed CLI.
  const { build } = await import('esbuild').catch(() => {
    throw new UserError(`bundling ${entry} needs esbuild, which is not installed (npm install -D esbuild)`);
  });
  const outdir = path.join(options.root, '.raku-runtime'); // never written (write: false); names outputs
  /** An output's name relative to outdir ('gateway.mjs', 'chunks/…'), from an absolute or root-relative path. */
  const outName = (p: string) =>
    path.relative(outdir, path.resolve(options.root, p)).split(path.sep).join('/');
  const result = await build({
    absWorkingDir: options.root,
    entryPoints: { gateway: entryPath }, // written as gateway.mjs (RUNTIME_FILE): see outExtension
    outdir,
    // Split at dynamic imports: the gateway and local roles (main.ts imports them on demand) become chunks
    // (chunks/ next to gateway.mjs, /app/chunks in the image) that only the gateway image carries, so a pack
    // server's runtime is a tenth of the size.
    ...SPLIT_ESM,
    write: false,
    metafile: true,
    sourcemap: false,
    // Minified (names kept for readable errors): a smaller layer is faster to compress and to pull.
    minify: true,
    keepNames: true,
    logLevel: 'silent',
    define: { RAKU_BUNDLED_CONSOLE: JSON.stringify(CONSOLE_FROM_CHUNKS) },
    external: [...externals, ...externals.map((e) => `${e}/*`)],
    // Bundled CommonJS dependencies call require() for Node built-ins; give them one in ESM (every chunk).
    banner: {
      js: "import { createRequire as __rakuCreateRequire } from 'node:module'; const require = __rakuCreateRequire(import.meta.url);",
    },
  }).catch((err: unknown) => {
    throw new UserError(`bundling ${entry} failed: ${(err as Error).message}`);
  });
  // Output files carry absolute paths, the metafile paths relative to root: both are named by outName.
  const outputs = new Map(result.outputFiles.map((f) => [outName(f.path), f.contents]));
  if (!outputs.has(RUNTIME_FILE)) throw new Error(`esbuild produced no ${RUNTIME_FILE} for ${entry}`);
  const meta = new Map(Object.entries(result.metafile.outputs).map(([key, value]) => [outName(key), value]));
  // The entry and what it imports statically: what starts before any role is chosen (the pack server).
  const eager = new Set<string>();
  const visit = (out: string) => {
    if (eager.has(out)) return;
    eager.add(out);
    for (const imp of meta.get(out)?.imports ?? []) {
      if (imp.kind !== 'import-statement' || imp.external) continue;
      visit(outName(imp.path));
    }
  };
  visit(RUNTIME_FILE);
  const imported = new Set<string>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imp of output.imports) {
      if (!imp.external) continue;
      const pkg = externals.find((e) => imp.path === e || imp.path.startsWith(`${e}/`));
      if (pkg) imported.add(pkg);
    }
  }
  const runtimeFiles: LayerFile[] = [];
  const files: LayerFile[] = [];
  for (const [rel, content] of [...outputs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    (eager.has(rel) ? runtimeFiles : files).push({ path: `app/${rel}`, content });
  }
  for (const pkg of [...imported].sort()) {
    files.push(...(await packageFiles(path.join(options.root, 'node_modules', pkg), pkg)));
  }
  for (const asset of options.assets ?? DEFAULT_ASSETS) {
    const dir = path.join(options.root, asset.from);
    let rels: string[];
    try {
      rels = await listFiles(dir);
    } catch {
      continue; // not in this repository
    }
    for (const rel of rels)
      files.push({ path: `${asset.to}/${rel}`, content: await readFile(path.join(dir, rel)) });
  }
  return { files: runtimeFiles, gatewayFiles: files, externalsUsed: [...imported].sort() };
}
