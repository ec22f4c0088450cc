/**
 * The config repository and changes endpoints over real HTTP: a local-mode gateway on a git copy of this
 * repository's config, opening pull requests on the fake GitHub (GitHub settings from the environment, as
 * main.ts passes them); one without GitHub settings (409, the patch only); and the gateway role, whose config
 * repository is the GitHub one.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateConfig } from '@raku/config';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayRole } from '../../src/server/gateway-roles.ts';
import { type LocalGateway, startLocal } from '../../src/server/local-mode.ts';
import { parseRuntimeOptions } from '../../src/server/options.ts';
import type { RunningServer } from '../../src/server/pack-server.ts';
import { type FakeGitHub, fakeGitHub } from '../helpers/fake-github.ts';
import { type JwtGatewayParts, startJwtGatewayParts } from '../helpers/jwt-gateway-parts.ts';
import { configCopy } from './config-copy.ts';

const TOKEN = 'ghs_changes_api';

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely in assertions (their shapes are the schemas')
type Json = any;
type Api = (
  method: string,
  apiPath: string,
  body?: unknown,
  token?: string | null,
) => Promise<{ status: number; json: Json }>;

function apiOf(base: string, bearer: string): Api {
  return async (method, apiPath, body, token) => {
    const auth: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token ?? bearer}` };
    const res = await fetch(`${base}${apiPath}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  };
}

async function startLocalOn(
  dir: string,
  env: Record<string, string> = {},
): Promise<{ local: LocalGateway; api: Api }> {
  const options = parseRuntimeOptions(
    { RAKU_ROOT: dir, RAKU_DATA_DIR: 'memory://', PORT: '0', HOST: '127.0.0.1', ...env },
    ['local'],
    dir,
  );
  const local = await startLocal(options, { log: () => {} });
  return { local, api: apiOf(local.url.replace(/\/mcp$/, ''), local.token as string) };
}

/** `raku validate`'s use case on a branch of the fake, written to a folder. */
async function validateBranch(fake: FakeGitHub, branch: string) {
  const out = mkdtempSync(path.join(tmpdir(), 'raku-pr-'));
  try {
    for (const [file, content] of fake.filesOf(branch)) {
      mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
      writeFileSync(path.join(out, file), content);
    }
    return await validateConfig({ root: out });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

let dir: string;
let policy: string;
let fake: FakeGitHub;
let withGitHub: { local: LocalGateway; api: Api };
let withoutGitHub: { local: LocalGateway; api: Api };

beforeAll(async () => {
  dir = configCopy();
  policy = readFileSync(path.join(dir, 'policies/default.yaml'), 'utf8');
  fake = fakeGitHub({ repository: 'acme/config', folder: dir, token: TOKEN });
  withGitHub = await startLocalOn(dir, { RAKU_CONFIG_REPOSITORY: 'acme/config', RAKU_GITHUB_TOKEN: TOKEN });
  withoutGitHub = await startLocalOn(dir);
}, 60_000);

afterAll(async () => {
  await withGitHub?.local.close();
  await withoutGitHub?.local.close();
  fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

const grantAda = (title = 'Let Ada manage pets') => ({
  title,
  description: 'Ada joins the pet admins.',
  files: [
    {
      path: 'policies/default.yaml',
      content: policy.replace('subjects: ["group:pet-admins"]', 'subjects: ["group:pet-admins", "user:ada"]'),
    },
  ],
});
const pushes = () => fake.requests.filter((r) => r.startsWith('POST') || r.startsWith('PATCH'));

describe('GET /v1/config-repository', () => {
  it('local mode with GitHub settings: the checkout, its revision, pull requests enabled', async () => {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir }).toString().trim();
    const { status, json } = await withGitHub.api('GET', '/v1/config-repository');
    expect(status).toBe(200);
    expect(json).toEqual({
      source: 'local',
      location: dir,
      branch: '',
      revision: head,
      pullRequests: { enabled: true, reason: null, repository: 'acme/config', branch: 'main' },
    });
  });

  it('without GitHub settings: pull requests disabled, the reason names the variables', async () => {
    const { json } = await withoutGitHub.api('GET', '/v1/config-repository');
    expect(json.pullRequests.enabled).toBe(false);
    expect(json.pullRequests.reason).toContain('RAKU_CONFIG_REPOSITORY');
    expect(json.pullRequests.reason).toContain('RAKU_GITHUB_TOKEN');
    expect(json.pullRequests.reason).toContain('RAKU_GITHUB_APP_ID');
  });

  it('401 without a token', async () => {
    const { status, json } = await withGitHub.api('GET', '/v1/config-repository', undefined, null);
    expect(status).toBe(401);
    expect(json.error.code).toBe('unauthorized');
  });
});

describe('POST /v1/changes/preview', () => {
  it('previews a change: statuses, a patch git applies to the checkout, diagnostics, access gained', async () => {
    const { status, json } = await withGitHub.api('POST', '/v1/changes/preview', grantAda());
    expect(status).toBe(200);
    expect(json.files.map((f: { path: string; status: string }) => [f.path, f.status])).toEqual([
      ['policies/default.yaml', 'modified'],
    ]);
    expect(json.valid).toBe(true);
    expect(json.access.length).toBeGreaterThan(0);
    expect(
      json.access.every(
        (a: { subject: string; change: string }) => a.subject === 'user:ada' && a.change === 'gained',
      ),
    ).toBe(true);
    const patch = path.join(tmpdir(), `raku-preview-${process.pid}.patch`);
    writeFileSync(patch, json.patch);
    try {
      execFileSync('git', ['apply', '--check', patch], { cwd: dir, stdio: 'pipe' });
    } finally {
      rmSync(patch, { force: true });
    }
    expect(pushes()).toEqual([]);
  });

  it('answers 400 naming the field for a body that is not a ChangeRequest', async () => {
    const cases: [unknown, string][] = [
      [{ files: grantAda().files }, 'title: required'],
      [{ title: '', files: grantAda().files }, 'title'],
      [{ title: 'x'.repeat(201), files: grantAda().files }, 'title'],
      [{ title: 't', files: [] }, 'files'],
      [{ title: 't', files: [{ path: 'policies/a.yaml' }] }, 'content: required'],
      [{ title: 't', files: grantAda().files, extra: 1 }, 'extra: unknown field'],
      [
        {
          title: 't',
          files: Array.from({ length: 201 }, (_, i) => ({ path: `policies/p${i}.yaml`, content: '' })),
        },
        'files',
      ],
    ];
    for (const [body, message] of cases) {
      const { status, json } = await withGitHub.api('POST', '/v1/changes/preview', body);
      expect(status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(json.error.code).toBe('bad_request');
      expect(json.error.message).toContain(message);
    }
  });

  it('answers 400 naming the file for a path outside the config files, whatever the path (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom(
            '../x.yaml',
            '/etc/passwd',
            '.github/workflows/a.yml',
            'packs/a/b/pack.yaml',
            'zones/../x.yaml',
          ),
          fc
            .string({ minLength: 1, maxLength: 30 })
            .filter((s) => !/^(packs|zones|policies|tenants)\//.test(s)),
        ),
        async (bad) => {
          const { status, json } = await withGitHub.api('POST', '/v1/changes/preview', {
            title: 't',
            files: [{ path: bad, content: 'x: 1\n' }],
          });
          expect(status).toBe(400);
          expect(json.error.code).toBe('bad_request');
          expect(json.error.message).toContain(`files[0].path ${JSON.stringify(bad)}`);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('never answers 500 to a generated body: 200 or 400 (fast-check)', async () => {
    const file = fc.record({
      path: fc.oneof(
        fc.constantFrom(
          'policies/default.yaml',
          'zones/dev.yaml',
          'packs/petstore/pack.yaml',
          'policies/new.yaml',
        ),
        fc.string({ maxLength: 20 }),
      ),
      content: fc.oneof(fc.constant(null), fc.string({ maxLength: 200 }), fc.constant(policy), fc.integer()),
    });
    const bodyArb = fc.oneof(
      fc.record(
        { title: fc.string({ maxLength: 210 }), files: fc.array(file, { maxLength: 4 }) },
        { requiredKeys: [] },
      ),
      fc.jsonValue({ maxDepth: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(bodyArb, async (body) => {
        const { status, json } = await withGitHub.api('POST', '/v1/changes/preview', JSON.stringify(body));
        expect([200, 400]).toContain(status);
        if (status === 400) expect(json.error.message).toMatch(/^request body: /);
      }),
      { numRuns: 60 },
    );
  });

  it('401 before reading the body without a token; 413 naming the limit past 32 MiB', async () => {
    const unauthenticated = await withGitHub.api('POST', '/v1/changes/preview', grantAda(), null);
    expect(unauthenticated.status).toBe(401);
    const huge = {
      title: 'huge',
      files: [{ path: 'policies/a.yaml', content: 'x'.repeat(33 * 1024 * 1024) }],
    };
    const { status, json } = await withGitHub.api('POST', '/v1/changes', huge);
    expect(status).toBe(413);
    expect(json.error).toEqual({
      code: 'payload_too_large',
      message:
        'request body: over the 33554432-byte (32 MiB) limit of the change routes; propose fewer or smaller files',
    });
  });

  it('takes a file of nearly 1 MiB (over the 1 MB body limit of other routes) and refuses one over 1 MiB', async () => {
    const big = `# ${'x'.repeat(1024 * 1024 - 3 - policy.length - 100)}\n${policy}`;
    const ok = await withGitHub.api('POST', '/v1/changes/preview', {
      title: 'big',
      files: [{ path: 'policies/default.yaml', content: big }],
    });
    expect(ok.status).toBe(200);
    const tooBig = await withGitHub.api('POST', '/v1/changes/preview', {
      title: 'big',
      files: [{ path: 'policies/default.yaml', content: `${big}${'y'.repeat(200)}` }],
    });
    expect(tooBig.status).toBe(400);
    expect(tooBig.json.error.message).toMatch(
      /files\[0\]\.content \(policies\/default\.yaml\): \d+ bytes; a file holds at most 1048576/,
    );
  });
});

describe('POST /v1/changes', () => {
  it('opens a pull request (201), the same change again is the same one (200); its branch validates', async () => {
    const first = await withGitHub.api('POST', '/v1/changes', grantAda());
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({
      number: 1,
      url: 'https://github.com/acme/config/pull/1',
      created: true,
    });
    expect(first.json.branch).toMatch(/^raku\/console\/let-ada-manage-pets-[0-9a-f]{12}$/);
    expect(first.json.headSha).toBe(fake.headOf(first.json.branch));
    expect(fake.pulls[0]?.body).toContain('by `user:local-dev`');

    const again = await withGitHub.api('POST', '/v1/changes', grantAda());
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ ...first.json, created: false });
    expect(fake.pulls).toHaveLength(1);

    const validation = await validateBranch(fake, first.json.branch);
    expect(validation.errors).toBe(0);
    expect(fake.filesOf(first.json.branch).get('policies/default.yaml')).toContain('"user:ada"');
  });

  it('400 invalid_change with every diagnostic when the change breaks the config; nothing pushed', async () => {
    const before = pushes().length;
    const { status, json } = await withGitHub.api('POST', '/v1/changes', {
      title: 'Broken',
      files: [
        { path: 'policies/default.yaml', content: policy.replace('role: pet-admin\n', 'role: nobody\n') },
        { path: 'zones/broken.yaml', content: 'name: [\n' },
      ],
    });
    expect(status).toBe(400);
    expect(json.error.code).toBe('invalid_change');
    expect(json.error.message).toMatch(/^the changed config has \d+ errors \(first: /);
    expect(json.error.message).toContain('nothing was pushed');
    const files = new Set(
      json.error.diagnostics
        .filter((d: { severity: string }) => d.severity === 'error')
        .map((d: { file: string }) => d.file),
    );
    expect(files).toEqual(new Set(['policies/default.yaml', 'zones/broken.yaml']));
    expect(pushes().length).toBe(before);
  });

  it('400 invalid_change for a change that changes nothing', async () => {
    const { status, json } = await withGitHub.api('POST', '/v1/changes', {
      title: 'Nothing',
      files: [{ path: 'policies/default.yaml', content: policy }],
    });
    expect(status).toBe(400);
    expect(json.error).toEqual({
      code: 'invalid_change',
      message: 'the change leaves acme/config@main as it is',
      diagnostics: [],
    });
  });

  it('502 github_error naming the call when GitHub fails', async () => {
    fake.failNext(
      { method: 'POST', path: /^\/git\/trees$/ },
      { status: 500, body: { message: 'Server Error' } },
    );
    const { status, json } = await withGitHub.api('POST', '/v1/changes', grantAda('Another title'));
    expect(status).toBe(502);
    expect(json.error).toEqual({
      code: 'github_error',
      message:
        'GitHub POST /repos/acme/config/git/trees answered 500 (Server Error): GitHub failed; try again',
    });
  });

  it('with the preview’s base: 201; a file changed on main since the preview: 409 base_changed naming it, nothing pushed', async () => {
    const change = grantAda('Ada with a base');
    const preview = await withGitHub.api('POST', '/v1/changes/preview', change);
    expect(preview.status).toBe(200);
    const seen = preview.json.files[0];
    expect(seen.beforeSha256).toBe(createHash('sha256').update(policy, 'utf8').digest('hex'));
    const base = { [seen.path]: seen.beforeSha256, 'zones/not-there.yaml': null };

    // Someone edits the same file on GitHub's main after the preview.
    const moved = fake.commit('main', { 'policies/default.yaml': `${policy}# reviewed by Bo\n` });
    try {
      const before = pushes().length;
      const stale = await withGitHub.api('POST', '/v1/changes', { ...change, base });
      expect(stale.status).toBe(409);
      expect(stale.json.error).toEqual({
        code: 'base_changed',
        message:
          'policies/default.yaml changed on acme/config@main since the preview: preview again (in local mode, update the checkout first); nothing was pushed',
      });
      expect(pushes().length).toBe(before);
      // Without base (a script): the whole file is written over main, Bo's line is gone (as documented).
      const blind = await withGitHub.api('POST', '/v1/changes', change);
      expect(blind.status).toBe(201);
      expect(fake.filesOf(blind.json.branch).get('policies/default.yaml')).not.toContain('reviewed by Bo');
      expect(fake.headOf('main')).toBe(moved);
    } finally {
      fake.commit('main', { 'policies/default.yaml': policy });
    }
    // On the base the preview showed, the same base is accepted.
    const fresh = await withGitHub.api('POST', '/v1/changes', { ...grantAda('Ada with a fresh base'), base });
    expect(fresh.status).toBe(201);
    // A base that is not a sha-256: 400 naming it.
    const bad = await withGitHub.api('POST', '/v1/changes', { ...change, base: { [seen.path]: 'abc' } });
    expect(bad.status).toBe(400);
    // (the path is a JSON pointer's: '/' written '~1')
    expect(bad.json.error.message).toMatch(
      /^request body: base\.policies~1default\.yaml: must match pattern/,
    );
  });

  it('400 naming title for a title of more than one line, in the preview and the pull request', async () => {
    for (const route of ['/v1/changes/preview', '/v1/changes']) {
      const { status, json } = await withGitHub.api(
        'POST',
        route,
        grantAda('Fine\n\nRaku-Change: 0123456789ab'),
      );
      expect(status).toBe(400);
      expect(json.error.code).toBe('bad_request');
      expect(json.error.message).toBe(
        'request body: title: one line of text; it holds U+000A (a line break or control character)',
      );
    }
  });

  it('409 pull_requests_unavailable without GitHub settings, naming them', async () => {
    const { status, json } = await withoutGitHub.api('POST', '/v1/changes', grantAda());
    expect(status).toBe(409);
    expect(json.error.code).toBe('pull_requests_unavailable');
    expect(json.error.message).toContain('RAKU_CONFIG_REPOSITORY');
    // The preview still works: the console offers the patch.
    expect((await withoutGitHub.api('POST', '/v1/changes/preview', grantAda())).status).toBe(200);
  });
});

describe('the gateway role with GitHub settings', () => {
  let parts: JwtGatewayParts;
  let gateway: RunningServer;
  let bundleDir: string;

  beforeAll(async () => {
    parts = await startJwtGatewayParts();
    bundleDir = mkdtempSync(path.join(tmpdir(), 'raku-changes-role-'));
    writeFileSync(path.join(bundleDir, 'bundle.json'), JSON.stringify(parts.bundle));
    const options = parseRuntimeOptions(
      {
        RAKU_ROLE: 'gateway',
        RAKU_BUNDLE: path.join(bundleDir, 'bundle.json'),
        RAKU_DATA_DIR: 'memory://',
        PORT: '0',
        RAKU_CONFIG_REPOSITORY: 'acme/config',
        RAKU_CONFIG_BRANCH: 'main',
        RAKU_GITHUB_TOKEN: TOKEN,
      },
      [],
      bundleDir,
    );
    gateway = await startGatewayRole(options, () => {});
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await parts?.close();
    rmSync(bundleDir, { recursive: true, force: true });
  });

  it('reads the config repository on GitHub and opens pull requests there', async () => {
    const api = apiOf(
      gateway.url.replace(/\/mcp$/, ''),
      await parts.issuer.sign({ sub: 'ada', groups: ['raku-admins'] }),
    );
    const status = await api('GET', '/v1/config-repository');
    expect(status.status).toBe(200);
    expect(status.json).toEqual({
      source: 'github',
      location: 'acme/config',
      branch: 'main',
      revision: fake.headOf('main'),
      pullRequests: { enabled: true, reason: null, repository: 'acme/config', branch: 'main' },
    });
    // Someone pushed to main: the preview reads GitHub's main, not a checkout.
    fake.commit('main', { 'policies/extra.yaml': 'name: extra\n' });
    const preview = await api('POST', '/v1/changes/preview', {
      title: 'Drop extra',
      files: [{ path: 'policies/extra.yaml', content: null }],
    });
    expect(preview.json.files[0]).toMatchObject({ status: 'deleted', before: 'name: extra\n' });
    expect(preview.json.baseRevision).toBe(fake.headOf('main'));
    const pr = await api('POST', '/v1/changes', grantAda('Ada from the gateway'));
    expect(pr.status).toBe(201);
    expect(fake.pulls.find((p) => p.number === pr.json.number)?.body).toContain('by `user:ada`');
    // A non-admin caller may not.
    const reader = apiOf(
      gateway.url.replace(/\/mcp$/, ''),
      await parts.issuer.sign({ sub: 'bob', groups: [] }),
    );
    expect((await reader('POST', '/v1/changes/preview', grantAda())).status).toBe(403);
  });
});
