/**
 * The console is built for production whoever builds it: `npm start`'s prestart, `npm run build`, or a test
 * (vitest sets NODE_ENV=test, which Vite would otherwise follow over its `mode` and emit React's development
 * build — which `npm start` then kept as up to date and served). Production React ships its errors as
 * react.dev/errors links and has no jsxDEV.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../helpers/browser.ts';

it('builds the console for production, also when run under vitest (NODE_ENV=test)', async () => {
  expect(process.env['NODE_ENV']).toBe('test');
  const dist = await ensureConsoleBuilt();
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
  const entry = /<script type="module" crossorigin src="\/console\/(assets\/index-[\w-]+\.js)"/.exec(
    html,
  )?.[1];
  expect(entry, 'index.html names its entry script').toBeDefined();
  const code = readFileSync(path.join(dist, entry ?? ''), 'utf8');
  expect(code).toContain('react.dev/errors/');
  expect(code).not.toContain('jsxDEV');
  expect(process.env['NODE_ENV']).toBe('test');
});
