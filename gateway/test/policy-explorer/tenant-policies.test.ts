/**
 * The policy explorer per tenant, over real HTTP against a git copy of this repository's config (tenants
 * payments and support): rules name their tenant, the access matrix of a tenant is `raku policy access
 * --tenant`'s (the CLI run in-process on the same checkout), the simulator decides as `raku policy check
 * --tenant` and says why another tenant's rules do not apply, an unknown tenant or another tenant's tool is a
 * 400, the bundle fallback knows the tenants too, a tenant admin sees the organisation's policies and its own
 * tenant's only, and a repository without tenants/ answers as before tenancy.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessEntry } from '../../../generator/policy/src/access.ts';
import type { Decision } from '../../../generator/policy/src/types.ts';
import { runCli } from '../../../generator/test/helpers/run-cli.ts';
import type { ApiCaller, AuthorizeResult } from '../../src/admin/types.ts';
import { localConfigRepository } from '../../src/config-repo/local-config-repository.ts';
import { tenantScope } from '../../src/tenancy/scope.ts';
import { configCopy } from '../config-repo/config-copy.ts';
import { ADMIN, authorize } from '../helpers/admin-callers.ts';
import { call, useExplorer } from './explorer-fixture.ts';

const explorer = useExplorer('raku-tenant-policies-');

/** `raku policy <args> --format json` on the explorer's checkout, parsed. */
async function raku<T>(args: string[]): Promise<T> {
  const run = await runCli(['policy', ...args, '--format', 'json'], {}, explorer.checkout);
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as T;
}

const billingBot = { id: 'billing-bot', kind: 'agent' };

describe('the policy explorer per tenant', () => {
  it("names each rule's tenant, lists the tenants, and gives the chosen tenant's view of the tools", async () => {
    const payments = await call(explorer.withRepo, 'GET', '/v1/policies?environment=dev&tenant=payments');
    expect(payments.status).toBe(200);
    expect(payments.body).toMatchObject({ tenant: 'payments', tenants: ['default', 'payments', 'support'] });
    // Every rule is listed, whichever tenant is chosen; each says where it applies.
    const approvals = payments.body.approvals.map((a) => [a.id, a.tenant]);
    expect(approvals).toContainEqual(['default/approvals/pet-deletion', null]);
    expect(approvals).toContainEqual(['support/approvals/customer-visible-notes', 'support']);
    expect(
      payments.body.allows.filter((a) => a.policy === 'payments').every((a) => a.tenant === 'payments'),
    ).toBe(true);
    expect(payments.body.roles.find((r) => r.name === 'crm-reader')?.tenant).toBe('payments');
    // payments' own crm tools and the weather pack it is granted; not the petstore, which it is not.
    expect(payments.body.tools).toContain('crm.find_customers');
    expect(payments.body.tools).toContain('weather.get_forecast');
    expect(payments.body.tools.filter((t) => t.startsWith('petstore.'))).toEqual([]);
    expect(payments.body.tools).not.toContain('crm.add_note');

    const none = await call(explorer.withRepo, 'GET', '/v1/policies?environment=dev');
    expect(none.body.tenant).toBe('default');
    expect(none.body.tools.filter((t) => t.startsWith('crm.'))).toEqual([]);
    expect(none.body.tools).toContain('petstore.delete_pet');
  });

  it("is raku policy access --tenant's matrix: the organisation's rules and the tenant's own, over its view", async () => {
    for (const [environment, tenant] of [
      ['prod', 'support'],
      ['dev', 'payments'],
      ['dev', 'default'],
    ] as const) {
      const matrix = await call(
        explorer.withRepo,
        'GET',
        `/v1/policies/access?environment=${environment}&tenant=${tenant}`,
      );
      expect(matrix.status).toBe(200);
      expect(matrix.body.tenant).toBe(tenant);
      const cli = await raku<AccessEntry[]>(['access', '-e', environment, '--tenant', tenant]);
      expect(cli.length).toBeGreaterThan(0);
      const cells = new Map(matrix.body.cells.map((c) => [`${c.subject} ${c.tool}`, c]));
      for (const entry of cli) {
        const cell = cells.get(`${entry.subject} ${entry.tool}`);
        expect(cell, `${tenant} ${entry.subject} ${entry.tool}`).toMatchObject({
          grants: entry.grants,
          denies: entry.denies,
        });
        if (cell?.rule !== 'sensitive-without-approval') expect(cell?.approval).toBe(entry.approval ?? null);
      }
      // Beyond the CLI's entries, only pairs a deny removes entirely.
      const listed = new Set(cli.map((e) => `${e.subject} ${e.tool}`));
      const extra = matrix.body.cells.filter((c) => !listed.has(`${c.subject} ${c.tool}`));
      expect(extra.every((c) => c.access === 'deny')).toBe(true);
    }

    const support = await call(
      explorer.withRepo,
      'GET',
      '/v1/policies/access?environment=prod&tenant=support',
    );
    expect(support.body.subjects).toEqual([
      'agent:support-bot',
      'agent:triage-bot',
      'group:engineering',
      'group:support',
    ]);
    expect(support.body.tools).toContain('crm.add_note');
    expect(
      support.body.cells.find((c) => c.subject === 'group:support' && c.tool === 'crm.add_note'),
    ).toMatchObject({
      access: 'approval',
      rule: 'support/bindings[0]',
      approval: 'support/approvals/customer-visible-notes by group:support-oncall',
    });
    // payments' bot is nobody in support.
    expect(support.body.cells.filter((c) => c.subject === 'agent:billing-bot')).toEqual([]);
  });

  it('decides a call made in the chosen tenant as raku policy check --tenant, and says why another tenant’s rules do not apply', async () => {
    const body = { subject: billingBot, tool: 'crm.find_customers', environment: 'dev' };
    const inPayments = await call(explorer.withRepo, 'POST', '/v1/policies/simulate', {
      ...body,
      tenant: 'payments',
    });
    expect(inPayments.status).toBe(200);
    expect(inPayments.body.tenant).toBe('payments');
    expect(inPayments.body.decision).toMatchObject({ allowed: true, rule: 'payments/bindings[0]' });
    expect(inPayments.body.decision).toEqual(
      await raku<Decision>([
        'check',
        '-e',
        'dev',
        '-s',
        'agent:billing-bot',
        '-t',
        'crm.find_customers',
        '--tenant',
        'payments',
        '--at',
        inPayments.body.time,
      ]),
    );

    // The same name in support is support's own crm pack; payments' binding does not reach the call.
    const inSupport = await call(explorer.withRepo, 'POST', '/v1/policies/simulate', {
      ...body,
      tenant: 'support',
    });
    expect(inSupport.status).toBe(200);
    expect(inSupport.body.decision).toMatchObject({ allowed: false, rule: 'default-deny' });
    expect(inSupport.body.rules.find((r) => r.id === 'payments/bindings[0]')).toMatchObject({
      kind: 'allow',
      tenant: 'payments',
      file: 'policies/payments.yaml',
      matched: false,
      reason: 'it applies only to calls in tenant payments; this call is in tenant support',
    });
    expect(inSupport.body.rules.find((r) => r.id === 'support/bindings[0]')?.tenant).toBe('support');
    expect(inSupport.body.rules.find((r) => r.id === 'default/bindings[0]')?.tenant).toBeNull();
  });

  it("refuses an unknown tenant and another tenant's tool, naming them", async () => {
    const unknown = await call(explorer.withRepo, 'GET', '/v1/policies/access?tenant=nope');
    expect(unknown).toEqual({
      status: 400,
      body: {
        error: {
          code: 'bad_request',
          message: 'query parameter tenant: unknown tenant "nope"; one of default, payments, support',
        },
      },
    });
    expect((await call(explorer.withRepo, 'GET', '/v1/policies?tenant=nope')).status).toBe(400);
    expect((await call(explorer.withRepo, 'GET', '/v1/policies?tenant=a&tenant=b')).status).toBe(400);
    const simulate = (body: Record<string, unknown>) =>
      call(explorer.withRepo, 'POST', '/v1/policies/simulate', {
        subject: billingBot,
        tool: 'crm.find_customers',
        environment: 'dev',
        ...body,
      });
    const nope = await simulate({ tenant: 'nope' });
    expect(nope.status).toBe(400);
    expect(nope.body.error.message).toBe(
      'request body: tenant: unknown tenant "nope"; one of default, payments, support',
    );
    // Callers of no tenant do not see the tenants' crm packs: as unknown to them as no tool at all.
    const implicit = await simulate({});
    expect(implicit.status).toBe(400);
    expect(implicit.body.error.message).toMatch(
      /^request body: tool: "crm.find_customers" is not a tool of tenant default in dev \(\d+ tools;/,
    );
    const notGranted = await simulate({ tool: 'petstore.get_pet', tenant: 'payments' });
    expect(notGranted.body.error.message).toMatch(/is not a tool of tenant payments in dev/);
    expect((await simulate({ tenant: '' })).status).toBe(400);
  });

  it('knows the tenants from the bundle when there is no config repository', async () => {
    const payments = await call(explorer.bundleOnly, 'GET', '/v1/policies/access?tenant=payments');
    expect(payments.status).toBe(200);
    expect(payments.body).toMatchObject({ source: 'bundle', tenant: 'payments' });
    expect(payments.body.tenants).toEqual(['default', 'payments', 'support']);
    expect(payments.body.tools).toContain('crm.find_customers');
    expect(payments.body.tools.filter((t) => t.startsWith('petstore.'))).toEqual([]);
    expect(
      payments.body.cells.find((c) => c.subject === 'agent:billing-bot' && c.tool === 'crm.get_customer'),
    ).toMatchObject({ access: 'allow', rule: 'payments/bindings[0]' });
    const rules = await call(explorer.bundleOnly, 'GET', '/v1/policies');
    expect(rules.body.roles.find((r) => r.name === 'crm-reader')?.tenant).toBe('payments');
  });
});

describe("a tenant admin's policy explorer", () => {
  /** `payments-admin` administers payments (listed in its admins); `payments-member` is only a member of it. */
  const PAYMENTS_ADMIN: ApiCaller = {
    ...ADMIN,
    subject: 'user:pia',
    principals: ['user:pia', 'group:payments-leads'],
    admin: false,
    scope: tenantScope(['payments']),
    adminOf: tenantScope(['payments']),
  };
  const PAYMENTS_MEMBER: ApiCaller = { ...PAYMENTS_ADMIN, subject: 'user:max', adminOf: tenantScope([]) };
  /** An admin of a tenant the config does not define (tenants/ changed since its token was issued). */
  const GHOST_ADMIN: ApiCaller = { ...PAYMENTS_ADMIN, subject: 'user:gus', adminOf: tenantScope(['ghost']) };
  async function tenantAuthorize(req: IncomingMessage): Promise<AuthorizeResult> {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (token === 'payments-admin') return { ok: true, caller: PAYMENTS_ADMIN };
    if (token === 'payments-member') return { ok: true, caller: PAYMENTS_MEMBER };
    if (token === 'ghost-admin') return { ok: true, caller: GHOST_ADMIN };
    return authorize(req);
  }
  let base: string;
  beforeAll(async () => {
    base = await explorer.serve(
      explorer.persistence.adminRouter({
        authorize: tenantAuthorize,
        routes: () => ({}),
        bundle: () => explorer.bundle,
        configRepository: localConfigRepository(explorer.checkout),
      }),
    );
  });

  it("sees the organisation's policies and its own tenant's, in its tenant by default", async () => {
    const overview = await call(base, 'GET', '/v1/policies?environment=dev', undefined, 'payments-admin');
    expect(overview.status).toBe(200);
    expect(overview.body).toMatchObject({ tenant: 'payments', tenants: ['payments'] });
    expect(overview.body.files.map((f) => [f.path, f.tenant])).toEqual([
      ['policies/default.yaml', null],
      ['policies/local-dev.yaml', null],
      ['policies/payments.yaml', 'payments'],
    ]);
    const rules = [
      ...overview.body.allows,
      ...overview.body.denies,
      ...overview.body.approvals,
      ...overview.body.rateLimits,
      ...overview.body.roles,
    ];
    expect(rules.some((r) => r.tenant === 'payments')).toBe(true);
    expect(rules.every((r) => r.tenant === null || r.tenant === 'payments')).toBe(true);
    expect(overview.body.tools).toContain('crm.find_customers');

    // The same matrix as an organisation admin's of payments.
    const mine = await call(base, 'GET', '/v1/policies/access?environment=dev', undefined, 'payments-admin');
    const org = await call(base, 'GET', '/v1/policies/access?environment=dev&tenant=payments');
    expect(mine.body.cells).toEqual(org.body.cells);

    const simulated = await call(
      base,
      'POST',
      '/v1/policies/simulate',
      { subject: billingBot, tool: 'crm.find_customers', environment: 'dev' },
      'payments-admin',
    );
    expect(simulated.body.decision).toMatchObject({ allowed: true, rule: 'payments/bindings[0]' });
    // Support's rules are not listed to payments' admin, not even as not applying.
    expect(simulated.body.rules.filter((r) => r.id.startsWith('support/'))).toEqual([]);
  });

  it('is told the repository has errors without the name of a file it cannot see', async () => {
    const file = path.join(explorer.checkout, 'policies/broken.yaml');
    try {
      writeFileSync(file, 'name: broken\nbindings:\n  - role: nobody\n    subjects: "not a list"\n');
      const overview = await call(base, 'GET', '/v1/policies?environment=dev', undefined, 'payments-admin');
      expect(overview.body.note).toBe(
        'the config repository has errors (raku validate lists them); policy files that do not load are neither shown nor applied here',
      );
      expect(overview.body.files.map((f) => f.path)).not.toContain('policies/broken.yaml');
      const org = await call(base, 'GET', '/v1/policies?environment=dev');
      expect(org.body.note).toContain('policies/broken.yaml');
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('is refused another tenant, and a member who administers nothing is refused the explorer', async () => {
    for (const url of ['/v1/policies?tenant=support', '/v1/policies/access?tenant=default']) {
      const other = await call(base, 'GET', url, undefined, 'payments-admin');
      expect(other.status, url).toBe(400);
      expect(other.body.error.message, url).toMatch(/: unknown tenant "(support|default)"; one of payments$/);
    }
    const simulated = await call(
      base,
      'POST',
      '/v1/policies/simulate',
      { subject: billingBot, tool: 'crm.add_note', environment: 'dev', tenant: 'support' },
      'payments-admin',
    );
    expect(simulated.status).toBe(400);
    const ghost = await call(base, 'GET', '/v1/policies/access', undefined, 'ghost-admin');
    expect(ghost).toEqual({
      status: 404,
      body: {
        error: {
          code: 'not_found',
          message: 'none of the tenants you administer is defined in this config (tenants/)',
        },
      },
    });
    for (const [method, url] of [
      ['GET', '/v1/policies'],
      ['GET', '/v1/policies/access'],
      ['POST', '/v1/policies/simulate'],
    ] as const) {
      const member = await call(base, method, url, method === 'POST' ? {} : undefined, 'payments-member');
      expect(member, url).toEqual({
        status: 403,
        body: { error: { code: 'forbidden', message: 'user:max does not hold the admin role' } },
      });
    }
  });
});

describe('the policy explorer of a repository without tenants', () => {
  let checkout: string;
  let base: string;
  beforeAll(async () => {
    checkout = configCopy('raku-no-tenants-');
    for (const gone of [
      'tenants',
      'policies/payments.yaml',
      'policies/support.yaml',
      'packs/payments-crm',
      'packs/support-crm',
    ])
      rmSync(path.join(checkout, gone), { recursive: true, force: true });
    const zone = path.join(checkout, 'zones/dev.yaml');
    writeFileSync(
      zone,
      readFileSync(zone, 'utf8').replace(
        / {2}# Tenant-owned packs.*\n {2}- name: payments-crm\n {2}- name: support-crm\n/,
        '',
      ),
    );
    base = await explorer.serve(
      explorer.persistence.adminRouter({
        authorize,
        routes: () => ({}),
        configRepository: localConfigRepository(checkout),
      }),
    );
  });
  afterAll(() => rmSync(checkout, { recursive: true, force: true }));

  it('answers as before tenancy: one tenant, no rule of a tenant, every tool', async () => {
    const overview = await call(base, 'GET', '/v1/policies?environment=dev');
    expect(overview.status).toBe(200);
    expect(overview.body.note).toBeNull();
    expect(overview.body.tenants).toEqual(['default']);
    expect(overview.body.tenant).toBe('default');
    const rules = [...overview.body.allows, ...overview.body.denies, ...overview.body.approvals];
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.every((r) => r.tenant === null)).toBe(true);
    expect(overview.body.tools).toContain('petstore.delete_pet');
    const access = await call(base, 'GET', '/v1/policies/access?environment=prod');
    expect(access.body.subjects).toEqual(['agent:support-bot', 'agent:triage-bot', 'group:engineering']);
    const missing = await call(base, 'POST', '/v1/policies/simulate', {
      subject: billingBot,
      tool: 'crm.find_customers',
      environment: 'dev',
    });
    expect(missing.body.error.message).toMatch(
      /^request body: tool: "crm.find_customers" is not a tool of dev \(/,
    );
  });
});
