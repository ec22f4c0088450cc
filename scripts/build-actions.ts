/**
 * Bundles every GitHub Action (actions/<name>/src/main.ts) into actions/<name>/dist/index.mjs.
 * The bundles are committed (the runner executes them as they are); CI rebuilds them and fails on any drift.
 * Usage: node --import tsx scripts/build-actions.ts
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const actions = readdirSync(path.join(root, 'actions'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(path.join(root, 'actions', d.name, 'src/main.ts')))
  .map((d) => d.name)
  .sort();

/**
 * Packages an action leaves to the workspace's node_modules. The build action bundles the pack runtime with
 * esbuild, whose JS API needs its native binary next to it: the release workflow runs `npm ci` first and uses
 * the actions from the checkout (uses: ./actions/<name>), so `esbuild` resolves from the workspace.
 */
const EXTERNALS: Record<string, string[]> = {
  build: ['esbuild'],
  rollout: ['esbuild'],
  status: ['esbuild'],
};

for (const name of actions) {
  await build({
    external: EXTERNALS[name] ?? [],
    entryPoints: [path.join(root, 'actions', name, 'src/main.ts')],
    outfile: path.join(root, 'actions', name, 'dist/index.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    legalComments: 'none',
    // Minified (names kept for readable stack traces): the bundles are committed, so their size is repository
    // weight on every change; unminified they were 2-8 MiB each.
    minify: true,
    keepNames: true,
    logLevel: 'warning',
    // Some bundled CommonJS dependencies call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __raku_createRequire } from 'node:module';\nconst require = __raku_createRequire(import.meta.url);",
    },
  });
  console.log(`actions/${name}/dist/index.mjs`);
}
