import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../cli/src/context.ts';
import { main } from '../cli/src/main.ts';
import { copyExampleRepo, REPO_ROOT, runRaku } from './repo-fixture.ts';

const run = (args: string[], cwd = REPO_ROOT) => runRaku(args, cwd);

let broken: string;
beforeAll(() => {
  broken = copyExampleRepo('raku-cli-');
  writeFileSync(path.join(broken, 'zones/dev.yaml'), 'name: dev\nenvironment: test\n');
});
afterAll(() => rmSync(broken, { recursive: true, force: true }));

describe('raku validate', () => {
  it('exits 0 on the example repository and prints a summary', async () => {
    const r = await run(['validate']);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/^15 files checked: 0 errors, 0 warnings$/m);
  });

  it('exits 1 with file:line:column, path, message and rule on errors', async () => {
    const r = await run(['validate', '-C', broken]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      'zones/dev.yaml:2:14: error environment: must be one of: "dev", "staging", "prod" [schema]',
    );
    expect(r.out).toContain('zones/dev.yaml:1:1: error missing required property "cluster" [schema]');
    expect(r.err).toMatch(/^error: configuration has \d+ errors\n$/);
  });

  it('prints a JSON array of diagnostics with --format json', async () => {
    const r = await run(['validate', '--format', 'json', '-C', broken]);
    expect(r.code).toBe(1);
    const list = JSON.parse(r.out) as Record<string, unknown>[];
    expect(list.length).toBeGreaterThan(3);
    expect(Object.keys(list[0] ?? {}).sort()).toEqual([
      'column',
      'file',
      'line',
      'message',
      'path',
      'rule',
      'severity',
    ]);
  });

  it('prints workflow commands with --format github', async () => {
    const r = await run(['validate', '-f', 'github', '-C', broken]);
    expect(r.out.split('\n')[0]).toMatch(
      /^::error file=zones\/dev\.yaml,line=\d+,col=\d+,title=schema.*::.+/,
    );
  });

  it('reports only on the paths given, while still loading everything', async () => {
    const r = await run(['validate', '-C', broken, path.join(broken, 'packs')]);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('zones/dev.yaml');
  });

  it('resolves paths against the repository root (-C), not the current directory', async () => {
    const r = await run(['validate', '-C', broken, 'zones'], tmpdir());
    expect(r.code).toBe(1);
    expect(r.out).toContain('zones/dev.yaml:2:14: error environment');
    const packs = await run(['validate', '-C', broken, 'packs/petstore'], tmpdir());
    expect(packs).toMatchObject({ code: 0, err: '' });
  });

  it('exits 1 and names every path that matches no config file', async () => {
    const r = await run(['validate', 'packs/nope', 'zones/dev.yaml', 'README.md', '../elsewhere']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      `error: packs/nope: no pack, zone or policy file there; README.md: no pack, zone or policy file there; ../elsewhere: outside the repository (paths are relative to the repository root ${REPO_ROOT})\n`,
    );
  });

  it.each([
    ['empty', ''],
    ['only comments', '# this pack was emptied\n# by mistake\n'],
    ['null', 'null\n'],
    ['a tilde', '~\n'],
  ])('refuses a pack, zone or policy file that is %s', async (_what, text) => {
    const repo = copyExampleRepo('raku-empty-');
    try {
      for (const file of ['packs/petstore/pack.yaml', 'zones/staging.yaml', 'policies/local-dev.yaml'])
        writeFileSync(path.join(repo, file), text);
      const r = await run(['validate', '-C', repo]);
      expect(r.code).toBe(1);
      expect(r.out).toContain(
        'packs/petstore/pack.yaml:1:1: error holds no pack: the file is empty, only comments or null (delete it to remove the pack) [empty-document]',
      );
      expect(r.out).toContain('zones/staging.yaml:1:1: error holds no zone');
      expect(r.out).toContain('policies/local-dev.yaml:1:1: error holds no policy');
      // The zones that deploy the emptied pack are not also told it does not exist.
      expect(r.out).not.toContain('does not exist');
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it('exits 1 on an unknown format, an unknown option and a folder that is no repository', async () => {
    expect((await run(['validate', '--format', 'xml'])).code).toBe(1);
    expect((await run(['validate', '--nope'])).code).toBe(1);
    // A folder of its own: the machine's tmpdir itself may hold a packs/ folder left by anything.
    const empty = mkdtempSync(path.join(tmpdir(), 'raku-no-repo-'));
    try {
      const r = await run(['validate', '-C', empty]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/has no packs\/, zones\/ or policies\/ folder/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('prints the version of package.json with --version and -V, exit 0', async () => {
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(await run(['--version'])).toEqual({ code: 0, out: `${version}\n`, err: '' });
    expect(await run(['-V'])).toEqual({ code: 0, out: `${version}\n`, err: '' });
  });

  it('shows help for the program and the command with exit 0', async () => {
    expect(await run(['--help'])).toMatchObject({ code: 0 });
    const r = await run(['validate', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--format <format>');
  });
});

describe('internal faults', () => {
  const failing = (debug: string[]): Promise<[number, string]> => {
    let err = '';
    const ctx: CliContext = {
      stdout: () => {
        throw new Error('EPIPE: stdout closed');
      },
      stderr: (t) => {
        err += t;
      },
      cwd: REPO_ROOT,
      env: {},
      debug: false,
    };
    return main(['validate', ...debug], ctx).then((code) => [code, err]);
  };

  it('exit 2 with a one-line message and no stack by default', async () => {
    const [code, err] = await failing([]);
    expect(code).toBe(2);
    expect(err).toBe('internal error: EPIPE: stdout closed\nrun again with --debug for the stack trace\n');
  });

  it('show the stack with --debug', async () => {
    const [code, err] = await failing(['--debug']);
    expect(code).toBe(2);
    expect(err).toMatch(/Error: EPIPE: stdout closed\n\s+at /);
  });
});

describe('the raku binary', () => {
  it('runs through npx-style bin/raku.js with the documented exit codes', async () => {
    const exec = promisify(execFile);
    const ok = await exec(process.execPath, [path.join(REPO_ROOT, 'bin/raku.js'), 'validate'], {
      cwd: REPO_ROOT,
    });
    expect(ok.stdout).toContain('0 errors');
    const bad = await exec(process.execPath, [
      path.join(REPO_ROOT, 'bin/raku.js'),
      'validate',
      '-C',
      broken,
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 1 });
    expect((bad as { stderr: string }).stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('ends quietly when the reader of its output goes away (raku policy access | head -1)', async () => {
    const child = spawn(
      process.execPath,
      [path.join(REPO_ROOT, 'bin/raku.js'), 'policy', 'access', '-e', 'dev'],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    // Read the first line, then close the pipe as `head -1` does: every later write meets EPIPE.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(err).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
  });
});
