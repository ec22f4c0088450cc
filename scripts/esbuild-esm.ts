import type { BuildOptions } from 'esbuild';

/**
 * The esbuild options the CLI and action builds share: ESM for Node 20 with code splitting, each entry written
 * as `<name>.mjs` beside a `chunks/` folder, so a command or an action loads only the chunks it uses.
 * (The runtime bundle in @raku/release sets the same shape itself, with its own chunk folder.)
 */
export const SPLIT_ESM: BuildOptions = {
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  legalComments: 'none',
};
