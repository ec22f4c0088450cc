import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_ENTRY_DEFAULT } from '../cli/src/build-command.ts';
import { MAX_TOOLS_DEFAULT } from '../cli/src/import-command.ts';
import { PLAN_FORMAT_NAMES } from '../cli/src/plan-command.ts';
import { DEFAULT_MAX_TOOLS } from '../import/src/build-pack.ts';
import { RUNTIME_ENTRY } from '../release/src/build/runtime-bundle.ts';
import { PLAN_FORMATS } from '../render/src/plan/format-plan.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * The CLI registers every command cheaply and imports a command's module only when it runs: these runs record
 * every module Node loads (a module-loader hook) while the sources run through tsx.
 */
describe('raku starts without loading the commands it does not run', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'raku-lazy-'));
    await writeFile(
      path.join(dir, 'hooks.mjs'),
      "import { appendFileSync } from 'node:fs';\nexport async function load(url, ctx, next) { appendFileSync(process.env.RAKU_TRACE, url + '\\n'); return next(url, ctx); }\n",
    );
    await writeFile(
      path.join(dir, 'start.mjs'),
      [
        "import { register } from 'node:module';",
        `register(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});`,
        `const { register: tsx } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/esm/api/index.mjs')).href)});`,
        'tsx();',
        `const { main } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'generator/cli/src/main.ts')).href)});`,
        'process.exitCode = await main(process.argv.slice(2));',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function loaded(name: string, args: string[]): Promise<string[]> {
    const trace = path.join(dir, `${name}.txt`);
    await run(process.execPath, [path.join(dir, 'start.mjs'), ...args], {
      env: { ...process.env, RAKU_TRACE: trace },
      cwd: ROOT,
    });
    return (await readFile(trace, 'utf8')).split('\n').filter(Boolean);
  }

  const heavy = /node_modules\/(@kubernetes|openai|@octokit)\/|generator\/(release|import)\/src\//;

  it('prints the help loading no Kubernetes, OpenAI, Octokit, release, import, render or policy module', async () => {
    const urls = await loaded('help', ['--help']);
    expect(urls.some((u) => u.endsWith('generator/cli/src/main.ts'))).toBe(true);
    expect(urls.filter((u) => heavy.test(u) || /generator\/(render|policy)\/src\//.test(u))).toEqual([]);
  });

  it('prints the help of one command loading none of its handler', async () => {
    const urls = await loaded('status-help', ['status', '--help']);
    expect(urls.filter((u) => heavy.test(u) || u.endsWith('status-run.ts'))).toEqual([]);
  });

  it('validates loading its own module and none of release, import, Kubernetes, OpenAI or Octokit', async () => {
    const urls = await loaded('validate', ['-C', ROOT, 'validate']);
    expect(urls.some((u) => u.endsWith('generator/cli/src/validate-run.ts'))).toBe(true);
    expect(urls.filter((u) => heavy.test(u))).toEqual([]);
  });

  it('answers raku policy loading config and policy, and none of release, import or render', async () => {
    const urls = await loaded('policy', ['-C', ROOT, 'policy', 'access', '--env', 'dev']);
    expect(urls.some((u) => u.endsWith('generator/cli/src/policy-run.ts'))).toBe(true);
    expect(urls.some((u) => u.includes('generator/policy/src/'))).toBe(true);
    expect(urls.filter((u) => heavy.test(u) || u.includes('generator/render/src/'))).toEqual([]);
  });

  it('shows the same defaults in the help as the use cases take', () => {
    expect(RUNTIME_ENTRY_DEFAULT).toBe(RUNTIME_ENTRY);
    expect(MAX_TOOLS_DEFAULT).toBe(DEFAULT_MAX_TOOLS);
    expect(PLAN_FORMAT_NAMES).toEqual(PLAN_FORMATS);
  });
});
