#!/usr/bin/env node
// Runs the built CLI (dist/cli/main.mjs, made by `npm run build` and shipped in the npm package). In Raku's own
// repository before any build there is no dist/: it then runs the TypeScript sources through tsx (a development
// dependency), so `npm ci && node bin/raku.js` keeps working without a build step.
let entry;
try {
  entry = await import('../dist/cli/main.mjs');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/cli/main.mjs')) throw err;
  const { register } = await import('tsx/esm/api');
  register();
  entry = await import('../generator/cli/src/main.ts');
}
process.exitCode = await entry.main(process.argv.slice(2));
