import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { validateRepo } from '@raku/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { scaffoldConfigRepo } from '../release/src/init/scaffold-config-repo.ts';
import type { ScaffoldOptions } from '../release/src/init/scaffold-options.ts';
import { REPO_ROOT, raku } from './helpers/release-repo.ts';

const run = promisify(execFile);

const OPTIONS: ScaffoldOptions = {
  name: 'platform-config',
  org: 'acme',
  actionsOwner: 'raku-dev',
  rakuPackage: { name: 'raku-mcp', version: '1.4.2' },
};

/** The scaffold's config files as the loader sees them. */
function configFiles(files: Map<string, string>) {
  return [...files]
    .filter(([p]) => /^(packs|zones|policies)\//.test(p))
    .map(([p, content]) => ({ path: p, bytes: Buffer.from(content) }));
}

/** Every `uses:` of every step of a workflow. */
function stepUses(workflow: string): string[] {
  const doc = parse(workflow) as { jobs: Record<string, { steps: { uses?: string }[] }> };
  return Object.values(doc.jobs).flatMap((j) => j.steps.flatMap((s) => (s.uses ? [s.uses] : [])));
}

describe('the config repository scaffold', () => {
  it('validates with no error and no warning as written', () => {
    const files = scaffoldConfigRepo(OPTIONS);
    const result = validateRepo(configFiles(files));
    expect(result.diagnostics).toEqual([]);
    expect(result.fileCount).toBe(5);
  });

  it('holds a pack, three zones, a policy, three workflows, a README, package.json and .gitignore', () => {
    expect([...scaffoldConfigRepo(OPTIONS).keys()]).toEqual([
      '.github/workflows/plan-comment.yml',
      '.github/workflows/release.yml',
      '.github/workflows/validate.yml',
      '.gitignore',
      'README.md',
      'package.json',
      'packs/weather/pack.yaml',
      'policies/default.yaml',
      'zones/dev.yaml',
      'zones/prod.yaml',
      'zones/staging.yaml',
    ]);
  });

  it('is the same byte for byte for the same options', () => {
    expect(scaffoldConfigRepo({ ...OPTIONS })).toEqual(scaffoldConfigRepo(OPTIONS));
  });

  it("calls Raku's actions at @v1 of the owner given and pins every other action by commit", () => {
    const files = scaffoldConfigRepo(OPTIONS);
    const uses = [...files]
      .filter(([p]) => p.startsWith('.github/workflows/'))
      .flatMap(([, text]) => stepUses(text));
    const rakuActions = uses.filter((u) => u.includes('/raku/actions/'));
    expect(new Set(rakuActions)).toEqual(
      new Set(
        ['validate', 'plan', 'generate', 'build', 'rollout'].map((a) => `raku-dev/raku/actions/${a}@v1`),
      ),
    );
    for (const other of uses.filter((u) => !rakuActions.includes(u)))
      expect(other, other).toMatch(/^actions\/[a-z-]+@[0-9a-f]{40}$/);
    expect(files.get('.github/workflows/release.yml')).toMatch(/actions\/checkout@[0-9a-f]{40} # v\d/);
  });

  it("passes each of Raku's actions only inputs its action.yml declares, and every required one", () => {
    for (const [file, text] of scaffoldConfigRepo(OPTIONS)) {
      if (!file.startsWith('.github/workflows/')) continue;
      const doc = parse(text) as { jobs: Record<string, { steps: { uses?: string; with?: object }[] }> };
      for (const step of Object.values(doc.jobs).flatMap((j) => j.steps)) {
        const name = /^raku-dev\/raku\/actions\/([a-z-]+)@v1$/.exec(step.uses ?? '')?.[1];
        if (!name) continue;
        const action = parse(readFileSync(path.join(REPO_ROOT, 'actions', name, 'action.yml'), 'utf8')) as {
          inputs: Record<string, { required?: boolean }>;
        };
        const given = Object.keys(step.with ?? {});
        expect(
          given.filter((k) => !(k in action.inputs)),
          `${file} ${name}`,
        ).toEqual([]);
        const required = Object.entries(action.inputs).filter(([, v]) => v.required === true);
        expect(
          required.map(([k]) => k).filter((k) => !given.includes(k)),
          `${file} ${name}`,
        ).toEqual([]);
      }
    }
  });

  it('gives every workflow job least-privilege permissions', () => {
    for (const [file, text] of scaffoldConfigRepo(OPTIONS)) {
      if (!file.startsWith('.github/workflows/')) continue;
      const doc = parse(text) as { permissions?: object; jobs: Record<string, { permissions?: object }> };
      expect(doc.permissions, file).toBeDefined();
      const writes = Object.values(doc.jobs).flatMap((j) =>
        Object.entries(j.permissions ?? {}).filter(([, v]) => v === 'write'),
      );
      expect(
        writes.every(([scope]) => ['pull-requests', 'packages', 'id-token'].includes(scope)),
        file,
      ).toBe(true);
    }
  });

  it('pins Raku to the exact version in package.json and points editors at its schemas', () => {
    const files = scaffoldConfigRepo(OPTIONS);
    const pkg = JSON.parse(files.get('package.json') ?? '') as { devDependencies: Record<string, string> };
    expect(pkg.devDependencies).toEqual({ 'raku-mcp': '1.4.2' });
    expect(files.get('zones/dev.yaml')).toMatch(
      /^# yaml-language-server: \$schema=\.\.\/node_modules\/raku-mcp\/schema\/zone\.schema\.json\n/,
    );
    expect(files.get('packs/weather/pack.yaml')).toContain(
      '$schema=../../node_modules/raku-mcp/schema/pack.schema.json',
    );
  });

  it('leaves a placeholder owner no GitHub account can have, and the README explains it', () => {
    const placeholder = scaffoldConfigRepo({ ...OPTIONS, actionsOwner: 'your_org' }).get('README.md') ?? '';
    expect(placeholder).toContain('Replace `your_org` with the GitHub owner of the Raku repository');
    // GitHub account names are letters, digits and hyphens: nobody can own the placeholder's actions.
    expect('your_org').not.toMatch(/^[A-Za-z0-9-]+$/);
    const workflow = scaffoldConfigRepo({ ...OPTIONS, actionsOwner: 'your_org' }).get(
      '.github/workflows/validate.yml',
    );
    expect(workflow).toContain('uses: your_org/raku/actions/validate@v1');
    expect(scaffoldConfigRepo(OPTIONS).get('README.md')).not.toContain('your_org');
  });

  it('rejects bad options, naming each of them at once', () => {
    expect(() =>
      scaffoldConfigRepo({ ...OPTIONS, org: 'acme_corp', actionsOwner: '-raku', name: 'My Config' }),
    ).toThrow(
      /--org "acme_corp" is not a GitHub organisation name.*--actions-owner "-raku" is not a GitHub owner name.*--name "My Config" is not a package name/,
    );
    expect(() =>
      scaffoldConfigRepo({ ...OPTIONS, rakuPackage: { name: 'raku-mcp', version: '^1.0.0' } }),
    ).toThrow('the raku version "^1.0.0" is not an exact version');
  });
});

describe('raku init', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'raku-init-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('scaffolds a git repository that raku validate accepts, and prints the next steps', async () => {
    const dir = path.join(work, 'Team Config');
    const r = await raku(['init', dir, '--org', 'acme']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Created a Raku config repository in ${dir}: 11 files.`);
    expect(r.stdout).toContain('Initialised a git repository (branch main).');
    expect(r.stdout).toContain('replace "your_org" in .github/workflows/*.yml');
    const { stdout } = await run('git', ['-C', dir, 'rev-parse', '--is-inside-work-tree']);
    expect(stdout.trim()).toBe('true');
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { name: string };
    expect(pkg.name).toBe('team-config');
    const validated = await raku(['-C', dir, 'validate']);
    expect(validated).toMatchObject({ code: 0, stderr: '' });
    expect(validated.stdout).toContain('5 files checked: 0 errors, 0 warnings');
  });

  it('refuses a folder that is not empty and writes nothing there', async () => {
    const dir = path.join(work, 'busy');
    await mkdir(dir);
    await writeFile(path.join(dir, 'notes.txt'), 'mine\n');
    const r = await raku(['init', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: ${dir} is not empty (notes.txt): raku init writes into an empty folder`,
    );
    expect(await readdir(dir)).toEqual(['notes.txt']);
  });

  it('takes a folder that holds only a git repository (a fresh clone) as empty, and does not git init it again', async () => {
    const dir = path.join(work, 'clone');
    await run('git', ['init', '-q', dir]);
    const r = await raku(['init', dir]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).not.toContain('Initialised a git repository');
    expect(await readdir(path.join(dir, 'zones'))).toEqual(['dev.yaml', 'prod.yaml', 'staging.yaml']);
  });

  it('with --force writes beside existing files and keeps, and names, the ones it would have replaced', async () => {
    const dir = path.join(work, 'forced');
    await mkdir(dir);
    await writeFile(path.join(dir, 'README.md'), '# Ours\n');
    const r = await raku(['init', dir, '--force', '--no-git']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('Kept (already there, not overwritten): README.md');
    expect(await readFile(path.join(dir, 'README.md'), 'utf8')).toBe('# Ours\n');
    expect(await readdir(path.join(dir, 'zones'))).toEqual(['dev.yaml', 'prod.yaml', 'staging.yaml']);
  });

  it('does not run git init with --no-git, nor inside an existing work tree', async () => {
    const plain = path.join(work, 'plain');
    expect((await raku(['init', plain, '--no-git'])).code).toBe(0);
    expect(await readdir(plain)).not.toContain('.git');
    const outer = path.join(work, 'outer');
    await run('git', ['init', '-q', outer]);
    const r = await raku(['init', path.join(outer, 'config')]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('Initialised a git repository');
    expect(await readdir(path.join(outer, 'config'))).not.toContain('.git');
  });

  it('reports a bad option as a user error and writes nothing', async () => {
    const dir = path.join(work, 'bad-option');
    const r = await raku(['init', dir, '--actions-owner', 'no/slashes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: --actions-owner "no/slashes" is not a GitHub owner name');
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
  });

  it('requires the folder argument', async () => {
    const r = await raku(['init']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("missing required argument 'dir'");
  });
});
