import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExampleRepo, runRaku } from './repo-fixture.ts';

/** A string that must never reach the output: it lives only outside the repository. */
const CANARY = 'ghp_CANARYsecret0123456789abcdefghijklmnop';
const secretYaml = `name: petstore\n${CANARY}: 1\nowner: '${CANARY}'\n`;

let outside: string;
beforeAll(() => {
  // Outside the repository: folders shaped like config folders, and loose files, all holding the canary.
  outside = mkdtempSync(path.join(tmpdir(), 'raku-outside-'));
  for (const dir of ['packs/petstore', 'zones', 'policies', 'tenants', 'pack'])
    mkdirSync(path.join(outside, dir), { recursive: true });
  writeFileSync(path.join(outside, 'packs/petstore/pack.yaml'), secretYaml);
  writeFileSync(path.join(outside, 'pack/pack.yaml'), secretYaml);
  writeFileSync(path.join(outside, 'zones/dev.yaml'), secretYaml);
  writeFileSync(path.join(outside, 'policies/default.yaml'), secretYaml);
  writeFileSync(path.join(outside, 'tenants/support.yaml'), secretYaml);
  writeFileSync(path.join(outside, 'secret.yaml'), secretYaml);
});
afterAll(() => rmSync(outside, { recursive: true, force: true }));

/** Each case replaces one entry of a copy of the example repository by a link to `outside`. */
const CASES: { name: string; link: string; target: string }[] = [
  { name: 'the packs/ folder', link: 'packs', target: 'packs' },
  { name: 'the zones/ folder', link: 'zones', target: 'zones' },
  { name: 'the policies/ folder', link: 'policies', target: 'policies' },
  { name: 'the tenants/ folder', link: 'tenants', target: 'tenants' },
  { name: 'a pack folder', link: 'packs/petstore', target: 'pack' },
  { name: 'a pack file', link: 'packs/petstore/pack.yaml', target: 'secret.yaml' },
  { name: 'a zone file', link: 'zones/dev.yaml', target: 'secret.yaml' },
  { name: 'a policy file', link: 'policies/extra.yml', target: 'secret.yaml' },
  { name: 'a tenant file', link: 'tenants/support.yaml', target: 'secret.yaml' },
];

describe('raku validate never follows a symbolic link where config is expected', () => {
  const repos: string[] = [];
  afterAll(() => {
    for (const r of repos) rmSync(r, { recursive: true, force: true });
  });

  it.each(CASES)(
    'refuses a link as $name, names it and quotes nothing it points to',
    async ({ link, target }) => {
      const repo = copyExampleRepo('raku-links-');
      repos.push(repo);
      rmSync(path.join(repo, link), { recursive: true, force: true });
      symlinkSync(path.join(outside, target), path.join(repo, link));
      for (const format of ['text', 'json', 'github']) {
        const r = await runRaku(['validate', '-C', repo, '--format', format]);
        expect(r.code).toBe(1);
        expect(r.out + r.err).not.toContain('CANARY');
        if (format === 'text') {
          expect(r.out).toContain(`${link}: error is a symbolic link; links are not followed`);
          expect(r.out).toContain('[symlink]');
        }
      }
    },
  );

  it('refuses a linked config folder in every command that loads the repository', async () => {
    const repo = copyExampleRepo('raku-links-');
    repos.push(repo);
    rmSync(path.join(repo, 'zones'), { recursive: true, force: true });
    symlinkSync(path.join(outside, 'zones'), path.join(repo, 'zones'));
    const r = await runRaku(['generate', '-C', repo, '--out', path.join(repo, 'out')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('zones: error is a symbolic link');
    expect(r.out + r.err).not.toContain('CANARY');
  });

  it('refuses a linked pack file in raku pack test', async () => {
    const repo = copyExampleRepo('raku-links-');
    repos.push(repo);
    rmSync(path.join(repo, 'packs/petstore/pack.yaml'));
    symlinkSync(path.join(outside, 'secret.yaml'), path.join(repo, 'packs/petstore/pack.yaml'));
    const r = await runRaku(['pack', 'test', 'petstore', '-C', repo]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('packs/petstore/pack.yaml is a symbolic link');
    expect(r.out + r.err).not.toContain('CANARY');
  });
});
