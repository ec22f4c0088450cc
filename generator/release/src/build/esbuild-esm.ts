import type { BuildOptions } from 'esbuild';

/** The folder beside the entries that holds the shared chunks. */
const CHUNKS_DIR = 'chunks';

/**
 * The esbuild options the CLI, action and runtime builds share: ESM for Node 20 with code splitting, each
 * entry written as `<name>.mjs` beside a `chunks/` folder, so a command, an action or a role of the runtime
 * loads only the chunks it uses. Used by the runtime bundle here, scripts/build.ts and scripts/build-actions.ts.
 */
export const SPLIT_ESM: BuildOptions = {
  entryNames: '[name]',
  chunkNames: `${CHUNKS_DIR}/[name]-[hash]`,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  legalComments: 'none',
};

/**
 * For bundles that take in CommonJS dependencies: those call require() for Node built-ins, which an ES module
 * has not got, so every chunk starts by making one (the CLI and action builds).
 */
export const REQUIRE_BANNER: BuildOptions['banner'] = {
  js: "import { createRequire as __raku_createRequire } from 'node:module';\nconst require = __raku_createRequire(import.meta.url);",
};
