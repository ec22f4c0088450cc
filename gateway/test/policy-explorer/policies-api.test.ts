/**
 * The policy explorer's endpoints over real HTTP: the admin router as persistence wires it (scratch Postgres),
 * reading a git copy of this repository's config (local config repository) or, without one, the bundle.
 * Checks rules carry their real file:line, the access matrix, decisions with every rule's reason, and that
 * bad input is a 400 naming the field, never a 500 (fast-check).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GitHubCallError } from '../../src/config-repo/github-error.ts';
import { authorize } from '../helpers/admin-callers.ts';
import { call, lineIn, REV, useExplorer } from './explorer-fixture.ts';

const explorer = useExplorer('raku-policies-');
/** The 1-based line of the first line of `file` (in the checkout) containing `text`. */
const lineOf = (file: string, text: string) => lineIn(explorer.checkout, file, text);

const triageBot = { id: 'triage-bot', kind: 'agent' };

describe('GET /v1/policies', () => {
  it('lists every rule of the environment with its file and line', async () => {
    const dev = await call(explorer.withRepo, 'GET', '/v1/policies');
    expect(dev.status).toBe(200);
    expect(dev.body).toMatchObject({ source: 'repository', note: null, environment: 'dev' });
    expect(dev.body.environments).toEqual(['dev', 'staging', 'prod']);
    expect(dev.body.files).toEqual([
      {
        path: 'policies/default.yaml',
        policy: 'default',
        tenant: null,
        content: readFileSync(path.join(explorer.checkout, 'policies/default.yaml'), 'utf8'),
      },
      {
        path: 'policies/local-dev.yaml',
        policy: 'local-dev',
        tenant: null,
        content: readFileSync(path.join(explorer.checkout, 'policies/local-dev.yaml'), 'utf8'),
      },
      {
        path: 'policies/payments.yaml',
        policy: 'payments',
        tenant: 'payments',
        content: readFileSync(path.join(explorer.checkout, 'policies/payments.yaml'), 'utf8'),
      },
      {
        path: 'policies/support.yaml',
        policy: 'support',
        tenant: 'support',
        content: readFileSync(path.join(explorer.checkout, 'policies/support.yaml'), 'utf8'),
      },
    ]);
    const roles = dev.body.roles.map((r) => [r.name, r.file, r.line]);
    expect(roles).toContainEqual([
      'triager',
      'policies/default.yaml',
      lineOf('policies/default.yaml', '- name: triager'),
    ]);
    const triager = dev.body.allows.find((a) => a.id === 'default/bindings[1]');
    expect(triager).toEqual({
      id: 'default/bindings[1]',
      policy: 'default',
      role: 'triager',
      tools: ['github.*'],
      subjects: ['agent:triage-bot'],
      conditions: ['args.owner == "acme"'],
      tenant: null,
      file: 'policies/default.yaml',
      line: lineOf('policies/default.yaml', '- role: triager'),
    });
    // Denies applying in prod only are not part of dev.
    expect(dev.body.denies).toEqual([]);
    expect(dev.body.approvals.map((a) => [a.id, a.line])).toEqual([
      [
        'default/approvals/maintainers-close-issues',
        lineOf('policies/default.yaml', 'name: maintainers-close-issues'),
      ],
      ['default/approvals/pet-deletion', lineOf('policies/default.yaml', 'name: pet-deletion')],
      [
        'support/approvals/customer-visible-notes',
        lineOf('policies/support.yaml', 'name: customer-visible-notes'),
      ],
    ]);
    expect(dev.body.tools).toContain('github.close_issue');

    const prod = await call(explorer.withRepo, 'GET', '/v1/policies?environment=prod');
    expect(prod.body.environment).toBe('prod');
    expect(prod.body.denies.map((d) => [d.id, d.line, d.conditions])).toEqual([
      ['default/denies/no-deletes-in-prod', lineOf('policies/default.yaml', 'name: no-deletes-in-prod'), []],
      [
        'default/denies/office-hours-for-bots',
        lineOf('policies/default.yaml', 'name: office-hours-for-bots'),
        ['time.hour < 7'],
      ],
    ]);
    expect(prod.body.allows.map((a) => a.id)).not.toContain('local-dev/bindings[0]');
  });

  it('reads the repository afresh at each request', async () => {
    const file = path.join(explorer.checkout, 'policies/local-dev.yaml');
    const before = readFileSync(file, 'utf8');
    try {
      writeFileSync(
        file,
        `${before}denies:\n  - name: no-pets\n    tools: ["petstore.*"]\n    subjects: ["user:local-dev"]\n`,
      );
      const dev = await call(explorer.withRepo, 'GET', '/v1/policies');
      expect(dev.body.revision).toBe('working-tree');
      expect(dev.body.denies).toEqual([
        expect.objectContaining({
          id: 'local-dev/denies/no-pets',
          line: lineOf('policies/local-dev.yaml', '- name: no-pets'),
        }),
      ]);
      // The access matrix shows the pair the deny removes entirely as a deny cell naming it.
      const access = await call(explorer.withRepo, 'GET', '/v1/policies/access');
      expect(access.body.cells).toContainEqual(
        expect.objectContaining({
          subject: 'user:local-dev',
          tool: 'petstore.get_pet',
          access: 'deny',
          rule: 'local-dev/denies/no-pets',
        }),
      );
    } finally {
      writeFileSync(file, before);
    }
  });

  it('says which policy files do not load, and still lists them for editing', async () => {
    const file = path.join(explorer.checkout, 'policies/broken.yaml');
    try {
      writeFileSync(file, 'name: broken\nbindings:\n  - role: nobody\n    subjects: "not a list"\n');
      const dev = await call(explorer.withRepo, 'GET', '/v1/policies');
      expect(dev.status).toBe(200);
      expect(dev.body.note).toMatch(
        /^the config repository has \d+ errors? \(raku validate lists them\); not loaded, so neither shown nor applied here: policies\/broken\.yaml; the first: policies\/broken\.yaml:4: /,
      );
      expect(dev.body.files.find((f) => f.path === 'policies/broken.yaml')).toEqual({
        path: 'policies/broken.yaml',
        policy: null,
        tenant: null,
        content: readFileSync(file, 'utf8'),
      });
      // The other policies are shown and applied as before.
      expect(dev.body.allows.map((a) => a.id)).toContain('default/bindings[1]');
      const simulated = await call(explorer.withRepo, 'POST', '/v1/policies/simulate', {
        subject: { id: 'local-dev', kind: 'user' },
        tool: 'petstore.get_pet',
        environment: 'dev',
      });
      expect(simulated.body.note).toBe(dev.body.note);
      expect(simulated.body.decision.rule).toBe('local-dev/bindings[0]');
    } finally {
      rmSync(file, { force: true });
    }
    expect((await call(explorer.withRepo, 'GET', '/v1/policies')).body.note).toBeNull();
  });

  it('falls back to the bundle without a config repository, and says so', async () => {
    const dev = await call(explorer.bundleOnly, 'GET', '/v1/policies');
    expect(dev.status).toBe(200);
    expect(dev.body.source).toBe('bundle');
    expect(dev.body.note).toMatch(/no config repository/);
    expect(dev.body.revision).toBe(REV);
    expect(dev.body.environments).toEqual(['dev']);
    expect(dev.body.files.every((f) => f.content === null)).toBe(true);
    expect(dev.body.allows.length).toBeGreaterThan(0);
    expect(dev.body.allows.every((a) => a.line === null && a.file.startsWith('policies/'))).toBe(true);
    const prod = await call(explorer.bundleOnly, 'GET', '/v1/policies?environment=prod');
    expect(prod.status).toBe(400);
    expect(prod.body.error.message).toMatch(
      /^query parameter environment: environment prod is not available/,
    );
  });

  it('says what the gateway does with a sensitive tool no approval rule covers: denied, whatever policy grants', async () => {
    const file = path.join(explorer.checkout, 'policies/default.yaml');
    const before = readFileSync(file, 'utf8');
    try {
      // petstore.delete_pet is sensitive; without its approval rule the gateway refuses every call to it.
      writeFileSync(
        file,
        before.replace('    tools: ["petstore.delete_pet"]', '    tools: ["petstore.nothing"]'),
      );
      const simulated = await call(explorer.withRepo, 'POST', '/v1/policies/simulate', {
        subject: { id: 'local-dev', kind: 'user' },
        tool: 'petstore.delete_pet',
        environment: 'dev',
      });
      expect(simulated.status).toBe(200);
      expect(simulated.body.decision).toMatchObject({
        allowed: false,
        rule: 'sensitive-without-approval',
        reason: expect.stringContaining('marked sensitive and no approval rule covers it'),
      });
      const access = await call(explorer.withRepo, 'GET', '/v1/policies/access?environment=dev');
      expect(access.body.cells).toContainEqual(
        expect.objectContaining({
          subject: 'user:local-dev',
          tool: 'petstore.delete_pet',
          access: 'deny',
          rule: 'sensitive-without-approval',
        }),
      );
    } finally {
      writeFileSync(file, before);
    }
  });

  it('answers 502 github_error, not 500, when the config repository on GitHub cannot be read', async () => {
    const down = await explorer.serve(
      explorer.persistence.adminRouter({
        authorize,
        routes: () => ({}),
        bundle: () => explorer.bundle,
        configRepository: {
          info: { source: 'github', location: 'acme/config', branch: 'main' },
          snapshot: () =>
            Promise.reject(
              new GitHubCallError('GET /repos/acme/config/git/ref/heads/main', 503, 'GitHub answered 503'),
            ),
        },
      }),
    );
    for (const [method, url, body] of [
      ['GET', '/v1/policies?environment=dev', undefined],
      ['GET', '/v1/policies/access?environment=dev', undefined],
      [
        'POST',
        '/v1/policies/simulate',
        { subject: { id: 'ada', kind: 'user' }, tool: 'x.y', environment: 'dev' },
      ],
    ] as const) {
      const res = await call(down, method, url, body);
      expect(res.status, url).toBe(502);
      expect(res.body.error).toMatchObject({ code: 'github_error', message: 'GitHub answered 503' });
    }
  });

  it('refuses an unknown environment, non-admins and anonymous callers', async () => {
    const bad = await call(explorer.withRepo, 'GET', '/v1/policies?environment=qa');
    expect(bad).toEqual({
      status: 400,
      body: {
        error: {
          code: 'bad_request',
          message: 'query parameter environment: unknown environment "qa"; one of dev, staging, prod',
        },
      },
    });
    expect(
      (await call(explorer.withRepo, 'GET', '/v1/policies?environment=dev&environment=prod')).status,
    ).toBe(400);
    expect((await call(explorer.withRepo, 'GET', '/v1/policies', undefined, 'reader-token')).status).toBe(
      403,
    );
    expect(
      (await call(explorer.withRepo, 'GET', '/v1/policies/access', undefined, 'reader-token')).status,
    ).toBe(403);
    expect((await call(explorer.withRepo, 'POST', '/v1/policies/simulate', {}, 'reader-token')).status).toBe(
      403,
    );
    expect((await call(explorer.withRepo, 'GET', '/v1/policies', undefined, 'nobody')).status).toBe(401);
  });
});

describe('GET /v1/policies/access', () => {
  it('is the access matrix of raku policy access, with a level per cell', async () => {
    const prod = await call(explorer.withRepo, 'GET', '/v1/policies/access?environment=prod');
    expect(prod.status).toBe(200);
    // Callers of no tenant by default: the subjects of the organisation's policies, no tenant's own.
    expect(prod.body).toMatchObject({ tenant: 'default', tenants: ['default', 'payments', 'support'] });
    expect(prod.body.subjects).toEqual(['agent:support-bot', 'agent:triage-bot', 'group:engineering']);
    const cell = (subject: string, tool: string) =>
      prod.body.cells.find((c) => c.subject === subject && c.tool === tool);
    expect(cell('group:engineering', 'petstore.get_pet')).toMatchObject({
      access: 'allow',
      summary: 'allowed',
      rule: 'default/bindings[0]',
    });
    expect(cell('agent:triage-bot', 'github.close_issue')).toMatchObject({
      access: 'conditional',
      summary:
        'allowed if args.owner == "acme"; denied by default/denies/office-hours-for-bots if time.hour < 7; approval default/approvals/maintainers-close-issues by group:maintainers',
    });
    // pet-admin's binding applies in dev and staging only: group:pet-admins is no row in prod.
    expect(prod.body.cells.filter((c) => c.subject === 'group:pet-admins')).toEqual([]);
    const dev = await call(explorer.withRepo, 'GET', '/v1/policies/access?environment=dev');
    expect(
      dev.body.cells.find((c) => c.subject === 'group:pet-admins' && c.tool === 'petstore.delete_pet'),
    ).toMatchObject({ access: 'approval', approval: 'default/approvals/pet-deletion by group:pet-admins' });
  });
});

describe('POST /v1/policies/simulate', () => {
  it('explains a denied call: the deciding rule and why every other rule did not match', async () => {
    const denied = await call(explorer.withRepo, 'POST', '/v1/policies/simulate', {
      subject: triageBot,
      tool: 'github.close_issue',
      arguments: { owner: 'evil' },
      environment: 'prod',
      time: '2026-12-04T12:00:00Z',
    });
    expect(denied.status).toBe(200);
    expect(denied.body.decision).toEqual({
      allowed: false,
      effect: 'deny',
      rule: 'default-deny',
      reason:
        'agent:triage-bot may not call github.close_issue in prod: no rule allows it; default/bindings[1] (role triager) needs args.owner == "acme", which does not hold',
    });
    const rule = (id: string) => denied.body.rules.find((r) => r.id === id);
    expect(rule('default/bindings[1]')).toEqual({
      id: 'default/bindings[1]',
      kind: 'allow',
      file: 'policies/default.yaml',
      line: lineOf('policies/default.yaml', '- role: triager'),
      tenant: null,
      matched: false,
      reason: 'its condition args.owner == "acme" (args.owner is "evil") does not hold',
    });
    expect(rule('default/denies/office-hours-for-bots')).toMatchObject({
      matched: false,
      reason: 'its condition time.hour < 7 (time.hour is 12) does not hold',
    });
    expect(rule('default/bindings[0]')).toMatchObject({
      matched: false,
      reason: 'github.close_issue matches none of its tool patterns (*.list_*, *.get_*, *.find_*)',
    });
  });

  it('explains an allowed call with its approval and rate limit, and a deny at night', async () => {
    const allowed = await call(explorer.withRepo, 'POST', '/v1/policies/simulate', {
      subject: triageBot,
      tool: 'github.close_issue',
      arguments: { owner: 'acme' },
      environment: 'prod',
      time: '2026-12-04T12:00:00Z',
    });
    expect(allowed.body.decision).toEqual({
      allowed: true,
      effect: 'allow',
      rule: 'default/bindings[1]',
      reason:
        'agent:triage-bot may call github.close_issue in prod: allowed by default/bindings[1] (role triager)',
      approval: {
        rule: 'default/approvals/maintainers-close-issues',
        approvers: ['group:maintainers'],
        timeoutSeconds: 3600,
      },
      rateLimit: { rule: 'default/rateLimits/bots-per-minute', limit: 60, windowSeconds: 60 },
    });
    expect(allowed.body.time).toBe('2026-12-04T12:00:00.000Z');
    const night = await call(explorer.withRepo, 'POST', '/v1/policies/simulate', {
      subject: triageBot,
      tool: 'github.close_issue',
      arguments: { owner: 'acme' },
      environment: 'prod',
      time: '2026-12-04T03:00:00Z',
    });
    expect(night.body.decision.rule).toBe('default/denies/office-hours-for-bots');
    expect(night.body.rules.find((r) => r.id === 'default/bindings[1]')?.reason).toBe(
      'would allow (role triager), but default/denies/office-hours-for-bots denies the call',
    );
  });

  it('answers 400 naming the field for bad input', async () => {
    const simulate = (body: unknown) => call(explorer.withRepo, 'POST', '/v1/policies/simulate', body);
    const base = { subject: triageBot, tool: 'github.close_issue', environment: 'dev' };
    const cases: [unknown, RegExp][] = [
      [
        { ...base, tool: 'github.nope' },
        /^request body: tool: "github.nope" is not a tool of tenant default in dev/,
      ],
      [{ ...base, environment: 'qa' }, /^request body: environment: one of "dev", "staging", "prod"/],
      [{ ...base, subject: { id: 'x', kind: 'robot' } }, /^request body: subject\.kind: one of/],
      [{ ...base, subject: { kind: 'user' } }, /^request body: subject\.id: required/],
      [{ ...base, time: 'yesterday' }, /^request body: time: must be an RFC 3339 date-time/],
      [{ ...base, time: '2026-02-30T09:00:00Z' }, /^request body: time: must be an RFC 3339 date-time/],
      [{ ...base, arguments: [] }, /^request body: arguments: /],
      [{ ...base, extra: 1 }, /extra/],
    ];
    for (const [body, message] of cases) {
      const answer = await simulate(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.message, JSON.stringify(body)).toMatch(message);
    }
    expect((await simulate('{not json')).status).toBe(400);
    const bundled = await call(explorer.bundleOnly, 'POST', '/v1/policies/simulate', {
      ...base,
      environment: 'prod',
    });
    expect(bundled.status).toBe(400);
    expect(bundled.body.error.message).toMatch(
      /^request body: environment: environment prod is not available/,
    );
  });

  it('never answers 500 on generated bodies', async () => {
    const body = fc.record(
      {
        subject: fc.oneof(
          fc.record(
            {
              id: fc.string({ maxLength: 300 }),
              kind: fc.constantFrom('user', 'agent', 'service', 'anonymous', 'robot'),
              groups: fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
              claims: fc.jsonValue(),
            },
            { requiredKeys: ['id', 'kind'] },
          ),
          fc.jsonValue(),
        ),
        tool: fc.oneof(
          fc.constantFrom('github.close_issue', 'petstore.get_pet'),
          fc.string({ maxLength: 250 }),
        ),
        arguments: fc.jsonValue(),
        environment: fc.oneof(fc.constantFrom('dev', 'staging', 'prod'), fc.string()),
        time: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.string(),
        ),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const answer = await call(explorer.withRepo, 'POST', '/v1/policies/simulate', b);
        expect([200, 400], JSON.stringify(answer.body)).toContain(answer.status);
        if (answer.status === 200) expect(answer.body.rules.length).toBeGreaterThan(0);
        else expect(answer.body.error.code).toBe('bad_request');
      }),
      { numRuns: 150 },
    );
  });
});
