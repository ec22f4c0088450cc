/**
 * `npm run build`: what the published package runs, under dist/ (never committed).
 *  - dist/cli/main.mjs: the raku CLI as ESM with code splitting (dist/cli/chunks/…), so a command's code loads
 *    only when that command runs. Raku's own packages (@raku/*) are bundled; third-party packages stay external
 *    and resolve from the node_modules the package is installed in (they are the root package's dependencies).
 *  - dist/runtime/: the prebuilt runtime every image carries (see generator/release/src/build/prebuilt-runtime.ts),
 *    so `raku build` in a configuration repository needs neither Raku's sources nor esbuild.
 * Usage: node --import tsx scripts/build.ts [--cli-only]
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { REQUIRE_BANNER, SPLIT_ESM } from '../generator/release/src/build/esbuild-esm.ts';
import { lockedSources, writePrebuiltRuntime } from '../generator/release/src/build/prebuilt-runtime.ts';
import { bundleRuntime } from '../generator/release/src/build/runtime-bundle.ts';
import { renderingSourcesDigest } from '../generator/release/src/generate/renderer-fingerprint.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
};

/**
 * Small pure dependencies every command loads at start-up, bundled into the CLI: loading them from node_modules
 * (dozens of CommonJS files each, resolved one by one) was a quarter of `raku validate`'s start-up; bundled,
 * they cost about 50 ms less CPU per run (docs/performance.md, Validate). They stay dependencies of the package.
 */
const CLI_BUNDLED = new Set(['commander', 'semver', 'yaml']);

/** Every other runtime dependency of the package, and its subpaths: resolved at run time, never bundled. */
export const CLI_EXTERNALS = [...Object.keys(pkg.dependencies), 'esbuild']
  .filter((name) => !CLI_BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

const cliDir = path.join(root, 'dist/cli');
await rm(cliDir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: path.join(root, 'generator/cli/src/main.ts') },
  outdir: cliDir,
  ...SPLIT_ESM,
  external: CLI_EXTERNALS,
  banner: REQUIRE_BANNER,
  define: {
    RAKU_BUILD_VERSION: JSON.stringify(pkg.version),
    RAKU_RENDERER_FINGERPRINT: JSON.stringify(
      `raku@${pkg.version}+${renderingSourcesDigest(path.join(root, 'generator'))}`,
    ),
  },
  // Not minified: the CLI is small without its dependencies, and readable stack traces help users report bugs.
  logLevel: 'warning',
});
console.log('dist/cli/main.mjs');

if (!process.argv.includes('--cli-only')) {
  const runtime = await bundleRuntime({ root, fromSource: true });
  await writePrebuiltRuntime(
    path.join(root, 'dist/runtime'),
    runtime,
    await lockedSources(root, runtime.externalsUsed),
  );
  console.log(
    `dist/runtime/ (${runtime.files.length} runtime files, ${runtime.gatewayFiles.length} gateway files)`,
  );
}
