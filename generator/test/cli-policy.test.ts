import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AccessEntry } from '../policy/src/access.ts';
import type { Decision } from '../policy/src/types.ts';
import { copyExampleRepo, REPO_ROOT, runRaku } from './repo-fixture.ts';

const run = (args: string[], cwd = REPO_ROOT) => runRaku(args, cwd);

/** A copy of the repository with one more policy granting the weather tools on two claims. */
let withClaimsPolicy: string;
beforeAll(() => {
  withClaimsPolicy = copyExampleRepo('raku-policy-cli-');
  const policy = {
    name: 'claims',
    roles: [{ name: 'weather', tools: ['weather.*'] }],
    bindings: [
      {
        role: 'weather',
        subjects: ['*'],
        when: [
          { field: 'claims.level', gte: 3 },
          { field: 'claims.team', equals: 'pets' },
        ],
      },
    ],
  };
  writeFileSync(path.join(withClaimsPolicy, 'policies/claims.yaml'), stringify(policy));
});
afterAll(() => rmSync(withClaimsPolicy, { recursive: true, force: true }));

const close = ['policy', 'check', '-e', 'prod', '-s', 'agent:triage-bot', '-t', 'github.close_issue'];

describe('raku policy check', () => {
  it('allows triage-bot to close an acme issue at 10:30 UTC, with approval and rate limit', async () => {
    const r = await run([
      ...close,
      '-a',
      '{"owner":"acme","issue_number":7}',
      '--at',
      '2026-11-23T10:30:00Z',
    ]);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toBe(
      [
        'allow  default/bindings[1]',
        'agent:triage-bot may call github.close_issue in prod: allowed by default/bindings[1] (role triager)',
        'approval: default/approvals/maintainers-close-issues by group:maintainers, refused after 3600s',
        'rate limit: default/rateLimits/bots-per-minute, 60 calls per 60s',
        '',
      ].join('\n'),
    );
  });

  it('denies the same call at 06:30 UTC by the office-hours rule, as JSON', async () => {
    const r = await run([...close, '-a', '{"owner":"acme"}', '--at', '2026-11-23T06:30:00Z', '-f', 'json']);
    expect(r).toMatchObject({ code: 3, err: '' });
    const decision = JSON.parse(r.out) as Decision;
    expect(decision).toMatchObject({ allowed: false, rule: 'default/denies/office-hours-for-bots' });
  });

  it('exits 3 on a denied call in text format too, and 0 on an allowed one', async () => {
    const denied = await run([...close, '-a', '{"owner":"evil"}', '--at', '2026-11-23T10:30:00Z']);
    expect(denied).toMatchObject({ code: 3, err: '' });
    expect(denied.out).toMatch(/^deny {2}default-deny\n/);
    const allowed = await run([...close, '-a', '{"owner":"acme"}', '--at', '2026-11-23T10:30:00Z']);
    expect(allowed.code).toBe(0);
  });

  it('reads groups', async () => {
    const r = await run([
      ...['policy', 'check', '-e', 'dev', '-s', 'user:ann', '-t', 'petstore.add_pet'],
      ...['-g', 'pet-admins', '-f', 'json'],
    ]);
    expect((JSON.parse(r.out) as Decision).rule).toBe('default/bindings[2]');
  });

  it.each([
    [['level=3', 'team=pets'], 'claims/bindings[0]'],
    [['level=3', 'team="pets"'], 'claims/bindings[0]'],
    [['level="3"', 'team=pets'], 'default-deny'],
    [['team=pets'], 'default-deny'],
  ])('reads claims %j, as JSON when they parse', async (claims, rule) => {
    const r = await run(
      [
        ...['policy', 'check', '-e', 'prod', '-s', 'user:ann', '-t', 'weather.get_forecast', '-f', 'json'],
        ...claims.flatMap((c) => ['--claim', c]),
      ],
      withClaimsPolicy,
    );
    expect(r.err).toBe('');
    expect((JSON.parse(r.out) as Decision).rule).toBe(rule);
  });

  it.each([
    [['-e', 'qa', '-s', 'user:a', '-t', 'x.y'], '--env must be one of dev, staging, prod, not "qa"'],
    [['-e', 'dev', '-s', 'bot', '-t', 'x.y'], `--subject must be 'user:<id>' or 'agent:<id>', not "bot"`],
    [['-e', 'dev', '-s', 'group:x', '-t', 'x.y'], `--subject must be 'user:<id>' or 'agent:<id>'`],
    [['-e', 'dev', '-s', 'user:a', '-t', 'x.y', '-a', '{owner'], '--args is not valid JSON'],
    [
      ['-e', 'dev', '-s', 'user:a', '-t', 'x.y', '--at', 'tomorrow'],
      '--at must be an ISO 8601 time, not "tomorrow"',
    ],
    [
      ['-e', 'dev', '-s', 'user:a', '-t', 'x.y', '--claim', 'novalue'],
      '--claim must be name=value, not "novalue"',
    ],
    [['-e', 'dev', '-s', 'user:a', '-t', 'x.y', '-f', 'yaml'], '--format must be text or json, not "yaml"'],
  ])('refuses bad input %j', async (args, message) => {
    const r = await run(['policy', 'check', ...args]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(message);
  });

  it('refuses a missing required option', async () => {
    const r = await run(['policy', 'check', '-e', 'dev', '-s', 'user:a']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--tool/);
  });
});

describe('raku policy access', () => {
  it('lists triage-bot in prod with its condition and the denies that cut in', async () => {
    const r = await run(['policy', 'access', '-e', 'prod', '-s', 'agent:triage-bot', '--tenant', 'default']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines[0]).toMatch(
      /^agent:triage-bot {2}github\.add_comment +allowed if args\.owner == "acme"; denied by default\/denies\/office-hours-for-bots if time\.hour < 7$/,
    );
  });

  it('gives user:local-dev every tool in dev and nothing in prod, as JSON', async () => {
    const dev = JSON.parse(
      (
        await run([
          'policy',
          'access',
          '-e',
          'dev',
          '-s',
          'user:local-dev',
          '--tenant',
          'default',
          '-f',
          'json',
        ])
      ).out,
    ) as AccessEntry[];
    expect(dev.map((e) => e.tool)).toEqual([
      'currency-agent.convert_currency',
      'currency-agent.exchange_rate_history',
      'github.add_comment',
      'github.close_issue',
      'github.create_issue',
      'github.get_issue',
      'github.list_issues',
      'petstore.add_pet',
      'petstore.delete_pet',
      'petstore.find_pets_by_status',
      'petstore.get_pet',
      'weather.get_forecast',
    ]);
    const prod = await run(['policy', 'access', '-e', 'prod', '-s', 'user:local-dev', '--tenant', 'default']);
    expect(prod.out).toBe('no subject may call any tool in prod\n');
  });
});

describe('raku policy check and access in a tenant', () => {
  /** A copy of the repository with one more tenant, qa, granted the shared weather pack, and its policy. */
  let withTenant: string;
  beforeAll(() => {
    withTenant = copyExampleRepo('raku-policy-tenant-');
    mkdirSync(path.join(withTenant, 'tenants'), { recursive: true });
    writeFileSync(
      path.join(withTenant, 'tenants/qa.yaml'),
      stringify({
        name: 'qa',
        owners: ['group:qa'],
        members: [{ group: 'qa' }],
        shared: ['open-meteo', 'petstore'],
      }),
    );
    writeFileSync(
      path.join(withTenant, 'policies/qa.yaml'),
      stringify({
        name: 'qa',
        tenant: 'qa',
        roles: [{ name: 'all', tools: ['*'] }],
        bindings: [{ role: 'all', subjects: ['agent:qa-bot'] }],
      }),
    );
  });
  afterAll(() => rmSync(withTenant, { recursive: true, force: true }));
  const weather = ['policy', 'check', '-e', 'dev', '-s', 'agent:qa-bot', '-t', 'weather.get_forecast'];

  it("allows a call under the tenant's policy only when made in that tenant", async () => {
    const inQa = await run([...weather, '--tenant', 'qa'], withTenant);
    expect(inQa).toMatchObject({ code: 0, err: '' });
    expect(inQa.out).toMatch(/^allow {2}qa\/bindings\[0\]\n/);
    const outside = await run(weather, withTenant);
    expect(outside.code).toBe(3);
    expect(outside.out).toMatch(/^deny {2}default-deny\n/);
  });

  it("holds the organisation's deny against the tenant's allow of everything", async () => {
    const remove = ['policy', 'check', '-s', 'agent:qa-bot', '-t', 'petstore.delete_pet', '--tenant', 'qa'];
    const dev = await run([...remove, '-e', 'dev', '-f', 'json'], withTenant);
    expect(dev).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(dev.out)).toMatchObject({
      rule: 'qa/bindings[0]',
      approval: { rule: 'default/approvals/pet-deletion' },
    });
    const prod = await run([...remove, '-e', 'prod'], withTenant);
    expect(prod).toMatchObject({ code: 3, err: '' });
    expect(prod.out).toMatch(/^deny {2}default\/denies\/no-deletes-in-prod\n/);
  });

  it("notes a tool the tenant's view does not hold, which the gateway would not route", async () => {
    const r = await run(
      ['policy', 'check', '-e', 'dev', '-s', 'agent:qa-bot', '-t', 'github.list_issues', '--tenant', 'qa'],
      withTenant,
    );
    expect(r.code).toBe(0);
    expect(r.err).toBe(
      'note: github.list_issues is not a tool of tenant qa in dev; the gateway would not list or route it\n',
    );
  });

  it('refuses a tenant the repository does not define, naming those it does', async () => {
    const r = await run([...weather, '--tenant', 'nope'], withTenant);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--tenant must be one of default, .*qa.*, not "nope"/);
  });

  it("lists a tenant's access over its own view of the tools only", async () => {
    const r = await run(
      ['policy', 'access', '-e', 'dev', '-s', 'agent:qa-bot', '--tenant', 'qa'],
      withTenant,
    );
    expect(r).toMatchObject({ code: 0, err: '' });
    const tools = r.out
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/ +/)[1]);
    expect(tools).toEqual([
      'petstore.add_pet',
      'petstore.delete_pet',
      'petstore.find_pets_by_status',
      'petstore.get_pet',
      'weather.get_forecast',
    ]);
  });

  it('names the tenant of each entry when listing every tenant', async () => {
    const r = await run(['policy', 'access', '-e', 'dev', '-s', 'agent:qa-bot', '-f', 'json'], withTenant);
    const entries = JSON.parse(r.out) as (AccessEntry & { tenant: string })[];
    expect(entries.map((e) => [e.tenant, e.subject, e.tool])).toContainEqual([
      'qa',
      'agent:qa-bot',
      'weather.get_forecast',
    ]);
    expect(new Set(entries.map((e) => e.tenant))).toEqual(new Set(['qa']));
    const text = await run(['policy', 'access', '-e', 'dev', '-s', 'group:engineering'], withTenant);
    const tenants = new Set(
      text.out
        .trimEnd()
        .split('\n')
        .map((l) => l.split(' ')[0]),
    );
    expect(tenants.has('default')).toBe(true);
    expect(tenants.has('qa')).toBe(true);
  });
});
