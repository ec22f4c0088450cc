#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so `npx raku` works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../generator/cli/src/main.ts');
process.exitCode = await main(process.argv.slice(2));
