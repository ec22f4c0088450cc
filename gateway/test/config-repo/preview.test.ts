/**
 * previewChange over a copy of this repository's own config (packs, zones, policies): statuses, a patch that
 * `git apply` takes in a real git checkout of the copy, the validation of the result, and the access diff
 * `raku plan` would show. Paths of a change: fast-check on generated paths.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changePathProblem, InvalidChangeFileError } from '../../src/config-repo/change-files.ts';
import { localConfigRepository } from '../../src/config-repo/local-config-repository.ts';
import { changedSincePreview, previewChange } from '../../src/config-repo/preview.ts';
import type { ChangeRequest, ConfigSnapshot } from '../../src/config-repo/types.ts';
import { configCopy } from './config-copy.ts';

let dir: string;
let snapshot: ConfigSnapshot;
let policy: string;

beforeAll(async () => {
  dir = configCopy();
  snapshot = await localConfigRepository(dir).snapshot();
  policy = readFileSync(path.join(dir, 'policies/default.yaml'), 'utf8');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function change(files: ChangeRequest['files']): ChangeRequest {
  return { title: 'test change', files };
}

/** `git apply --check` of the patch in the copy: throws with git's message when it does not apply. */
function gitApply(patch: string, check = true): void {
  const file = path.join(dir, '..', `${path.basename(dir)}.patch`);
  writeFileSync(file, patch);
  try {
    execFileSync('git', ['apply', ...(check ? ['--check'] : []), file], { cwd: dir, stdio: 'pipe' });
  } finally {
    rmSync(file, { force: true });
  }
}

describe('previewChange', () => {
  it('reads the base revision of a clean checkout', () => {
    expect(snapshot.revision).toMatch(/^[0-9a-f]{40}$/);
  });

  it('grants a tool: modified policy, a patch git applies, valid, the access gained in every environment', () => {
    const granted = policy.replace(
      'subjects: ["group:pet-admins"]\n    environments: [dev, staging]',
      'subjects: ["group:pet-admins", "user:ada@example.com"]\n    environments: [dev, staging]',
    );
    expect(granted).not.toBe(policy);
    const preview = previewChange(snapshot, change([{ path: 'policies/default.yaml', content: granted }]));
    expect(preview.baseRevision).toBe(snapshot.revision);
    expect(preview.files).toEqual([
      {
        path: 'policies/default.yaml',
        status: 'modified',
        before: policy,
        after: granted,
        beforeSha256: createHash('sha256').update(policy, 'utf8').digest('hex'),
      },
    ]);
    expect(preview.valid).toBe(true);
    expect(preview.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(preview.patch).toMatch(/^diff --git a\/policies\/default\.yaml b\/policies\/default\.yaml\n/);
    expect(preview.patch).toContain('+    subjects: ["group:pet-admins", "user:ada@example.com"]');
    gitApply(preview.patch);

    const gained = preview.access.filter((a) => a.subject === 'user:ada@example.com');
    expect(gained.length).toBeGreaterThan(0);
    expect(gained.every((a) => a.change === 'gained' && a.tool.startsWith('petstore.'))).toBe(true);
    // pet-admin is bound in dev and staging only: nothing changes in prod.
    expect(new Set(gained.map((a) => a.environment))).toEqual(new Set(['dev', 'staging']));
    expect(gained.find((a) => a.environment === 'dev')?.zones).toEqual(['dev']);
    expect(preview.access.every((a) => a.subject === 'user:ada@example.com')).toBe(true);
  });

  it('adds and deletes files: statuses, /dev/null sides, and the patch applies (then the result validates)', () => {
    const extra = [
      'name: extra',
      'roles:',
      '  - name: weather',
      '    tools: ["weather.*"]',
      'bindings:',
      '  - role: weather',
      '    subjects: ["group:everyone"]',
      '',
    ].join('\n');
    const preview = previewChange(
      snapshot,
      change([
        { path: 'policies/extra.yaml', content: extra },
        { path: 'policies/local-dev.yaml', content: null },
        { path: 'zones/dev.yaml', content: readFileSync(path.join(dir, 'zones/dev.yaml'), 'utf8') },
        { path: 'zones/nowhere.yaml', content: null },
      ]),
    );
    expect(preview.files.map((f) => [f.path, f.status])).toEqual([
      ['policies/extra.yaml', 'added'],
      ['policies/local-dev.yaml', 'deleted'],
      ['zones/dev.yaml', 'unchanged'],
      ['zones/nowhere.yaml', 'unchanged'],
    ]);
    expect(preview.files[0]?.before).toBeNull();
    expect(preview.files[1]?.after).toBeNull();
    expect(preview.patch).toContain('--- /dev/null\n+++ b/policies/extra.yaml');
    expect(preview.patch).toContain('deleted file mode 100644\n--- a/policies/local-dev.yaml\n+++ /dev/null');
    expect(preview.patch).not.toContain('zones/');
    gitApply(preview.patch);
    expect(preview.valid).toBe(true);
    const everyone = preview.access.filter((a) => a.subject === 'group:everyone');
    // An organisation-wide policy: gained in every tenant that sees the weather pack (the implicit tenant, and
    // payments, which is granted open-meteo; support is not).
    expect(everyone.map((a) => [a.tenant, a.environment, a.tool, a.change])).toEqual([
      ['default', 'prod', 'weather.get_forecast', 'gained'],
      ['default', 'staging', 'weather.get_forecast', 'gained'],
      ['default', 'dev', 'weather.get_forecast', 'gained'],
      ['payments', 'prod', 'weather.get_forecast', 'gained'],
      ['payments', 'staging', 'weather.get_forecast', 'gained'],
      ['payments', 'dev', 'weather.get_forecast', 'gained'],
    ]);
    // local-dev.yaml granted user:local-dev every tool in dev: deleting it takes them away.
    const lost = preview.access.filter((a) => a.subject === 'user:local-dev');
    expect(lost.length).toBeGreaterThan(5);
    expect(lost.every((a) => a.change === 'lost' && a.environment === 'dev' && a.after === undefined)).toBe(
      true,
    );
  });

  it('a change that breaks the config: every diagnostic, not valid, no access diff, still a patch', () => {
    const broken = policy.replace('role: pet-admin\n', 'role: no-such-role\n');
    const preview = previewChange(
      snapshot,
      change([
        { path: 'policies/default.yaml', content: broken },
        { path: 'zones/bad.yaml', content: 'name: [unclosed\n' },
      ]),
    );
    expect(preview.valid).toBe(false);
    const files = new Set(preview.diagnostics.filter((d) => d.severity === 'error').map((d) => d.file));
    expect(files).toEqual(new Set(['policies/default.yaml', 'zones/bad.yaml']));
    expect(preview.diagnostics.find((d) => d.file === 'zones/bad.yaml')?.rule).toBe('yaml-syntax');
    expect(preview.access).toEqual([]);
    gitApply(preview.patch);
  });

  it('a file without a final newline diffs as git does', () => {
    const preview = previewChange(
      snapshot,
      change([{ path: 'policies/default.yaml', content: policy.trimEnd() }]),
    );
    expect(preview.patch).toContain('\\ No newline at end of file');
    gitApply(preview.patch);
  });

  it('is pure: the same inputs give the same preview, and the snapshot is not altered', () => {
    const before = snapshot.files.map((f) => [f.path, Buffer.from(f.bytes).toString('base64')]);
    const c = change([{ path: 'policies/default.yaml', content: null }]);
    expect(previewChange(snapshot, c)).toEqual(previewChange(snapshot, c));
    expect(snapshot.files.map((f) => [f.path, Buffer.from(f.bytes).toString('base64')])).toEqual(before);
  });

  it.each([
    ['../etc/passwd', "'..'"],
    ['/policies/a.yaml', 'absolute'],
    ['policies/../zones/a.yaml', "'..'"],
    ['policies/./a.yaml', "'.'"],
    ['policies\\a.yaml', "'\\'"],
    ['policies/a\u0000.yaml', 'NUL'],
    ['.github/workflows/ci.yml', 'outside packs/'],
    ['packs/x/README.md', 'not a config file'],
    ['packs/x/y/pack.yaml', 'not a config file'],
    ['zones/.hidden.yaml', 'not a config file'],
    ['policies/a b.yaml', 'not a config file'],
  ])('refuses the path %j, naming the file (%s)', (bad, reason) => {
    const run = () => previewChange(snapshot, change([{ path: bad, content: 'x: 1\n' }]));
    expect(run).toThrow(InvalidChangeFileError);
    expect(run).toThrow(`files[0].path ${JSON.stringify(bad)}: `);
    expect(run).toThrow(reason);
  });

  it('refuses sizes and counts: no file, more than 200, a file over 1 MiB, the same path twice, NUL content', () => {
    const p = (i: number) => ({ path: `policies/p${i}.yaml`, content: `name: p${i}\n` });
    expect(() => previewChange(snapshot, change([]))).toThrow('files: give at least one file');
    expect(() => previewChange(snapshot, change(Array.from({ length: 201 }, (_, i) => p(i))))).toThrow(
      'files: 201 files; a change holds at most 200',
    );
    expect(previewChange(snapshot, change(Array.from({ length: 200 }, (_, i) => p(i)))).files).toHaveLength(
      200,
    );
    // 'é' is two bytes: 600,000 characters are 1.2 MB.
    expect(() =>
      previewChange(snapshot, change([{ path: 'policies/big.yaml', content: `# ${'é'.repeat(600_000)}\n` }])),
    ).toThrow(/files\[0\]\.content \(policies\/big\.yaml\): 1200003 bytes; a file holds at most 1048576/);
    expect(() => previewChange(snapshot, change([p(1), p(2), p(1)]))).toThrow(
      'files[2].path "policies/p1.yaml": also given as files[0]',
    );
    expect(() => previewChange(snapshot, change([{ path: 'policies/n.yaml', content: 'a\u0000' }]))).toThrow(
      'files[0].content (policies/n.yaml): holds NUL',
    );
  });
});

describe('changedSincePreview', () => {
  it('names the files of base whose text differs now (null: absent), none without base', () => {
    const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
    const files = [{ path: 'policies/default.yaml', content: `${policy}# x\n` }];
    expect(changedSincePreview(snapshot, change(files))).toEqual([]);
    const seen = previewChange(snapshot, change(files)).files[0]?.beforeSha256 as string;
    expect(seen).toBe(sha(policy));
    const base = { 'policies/default.yaml': seen, 'policies/new.yaml': null };
    expect(changedSincePreview(snapshot, { ...change(files), base })).toEqual([]);
    // Someone edited default.yaml and created new.yaml since the preview.
    const moved: ConfigSnapshot = {
      revision: 'later',
      files: [
        ...snapshot.files.filter((f) => f.path !== 'policies/default.yaml'),
        { path: 'policies/default.yaml', bytes: new TextEncoder().encode(`${policy}# theirs\n`) },
        { path: 'policies/new.yaml', bytes: new TextEncoder().encode('bindings: []\n') },
      ],
    };
    expect(changedSincePreview(moved, { ...change(files), base })).toEqual([
      'policies/default.yaml',
      'policies/new.yaml',
    ]);
  });
});

describe('changePathProblem on generated paths', () => {
  const segment = fc.oneof(
    fc.constantFrom(
      '..',
      '.',
      '',
      'packs',
      'zones',
      'policies',
      'tenants',
      'pack.yaml',
      'a.yaml',
      '.git',
      'x.yml',
    ),
    fc.string({ maxLength: 8 }),
  );
  const paths = fc.oneof(
    fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('/')),
    fc.string({ maxLength: 40 }),
  );

  it('accepts only config files: never a way out of packs/, zones/, policies/, tenants/', () => {
    fc.assert(
      fc.property(paths, (p) => {
        if (changePathProblem(p) !== undefined) return;
        const parts = p.split('/');
        expect(['packs', 'zones', 'policies', 'tenants']).toContain(parts[0]);
        expect(parts.some((s) => s === '..' || s === '.' || s === '' || s.startsWith('.'))).toBe(false);
        expect(p).not.toMatch(/[\u0000-\u001f\\ "]/);
        expect(path.posix.normalize(p)).toBe(p);
        expect(parts.length).toBe(parts[0] === 'packs' ? 3 : 2);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts every well-formed config path', () => {
    const name = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);
    const ext = fc.constantFrom('yaml', 'yml');
    fc.assert(
      fc.property(fc.constantFrom('packs', 'zones', 'policies', 'tenants'), name, ext, (folder, n, e) => {
        const p = folder === 'packs' ? `packs/${n}/pack.${e}` : `${folder}/${n}.${e}`;
        expect(changePathProblem(p)).toBeUndefined();
      }),
    );
  });
});
