#!/usr/bin/env node
// The installed package runs the built CLI (dist/cli/main.mjs, made by `npm run build`, which `npm pack` runs).
// In Raku's own repository the sources are next to this file: they run through tsx (a development dependency),
// so `npm ci && node bin/raku.js` works without a build and never runs a dist/ left behind by an earlier build.
import { existsSync } from 'node:fs';

const sources = new URL('../generator/cli/src/main.ts', import.meta.url);
let entry;
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = await import(sources.href);
} else {
  entry = await import('../dist/cli/main.mjs');
}
process.exitCode = await entry.main(process.argv.slice(2));
