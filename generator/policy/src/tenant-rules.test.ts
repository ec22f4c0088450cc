/**
 * Policies of tenants: a tenant policy's rules apply only to calls made in that tenant; organisation-wide
 * rules apply to every call, and their denies, approvals and rate limits hold against a tenant's rules.
 */
import { describe, expect, it } from 'vitest';
import type { Loaded, Policy } from '../../config/src/model/types.ts';
import { accessMatrix } from './access.ts';
import { compilePolicies } from './compile.ts';
import { approvalFor, decide, rateLimitFor } from './decide.ts';
import { explainDecision } from './explain.ts';
import { everyRuleIndex, ruleIndex } from './rule-index.ts';
import type { Subject, ToolCall } from './types.ts';
import { toolsVisibleTo } from './visible-tools.ts';

const org: Loaded<Policy> = {
  file: 'policies/org.yaml',
  value: {
    name: 'org',
    roles: [{ name: 'readers', tools: ['*.list_*'] }],
    bindings: [{ role: 'readers', subjects: ['group:staff'] }],
    denies: [{ name: 'no-exports', tools: ['*.export_*'], subjects: ['*'] }],
    approvals: [{ name: 'org-refunds', tools: ['*.refund'], approvers: ['group:finance'] }],
    rateLimits: [{ name: 'org-bots', subjects: ['agent:bot'], limit: 10, windowSeconds: 60 }],
  },
};
// Named 'a-…' so that, by name alone, it would sort before 'org': organisation rules still come first.
const payments: Loaded<Policy> = {
  file: 'policies/payments.yaml',
  value: {
    name: 'a-payments',
    tenant: 'payments',
    roles: [{ name: 'everything', tools: ['*'] }],
    bindings: [{ role: 'everything', subjects: ['group:staff', 'agent:bot'] }],
    denies: [{ name: 'no-crm-deletes', tools: ['crm.delete_*'], subjects: ['*'] }],
    approvals: [{ name: 'own-refunds', tools: ['*.refund', 'crm.close'], approvers: ['user:self'] }],
    rateLimits: [{ name: 'loose-bots', subjects: ['agent:bot'], limit: 1000, windowSeconds: 60 }],
  },
};
const support: Loaded<Policy> = {
  file: 'policies/support.yaml',
  value: {
    name: 'support',
    tenant: 'support',
    roles: [{ name: 'crm', tools: ['crm.*'] }],
    bindings: [{ role: 'crm', subjects: ['group:staff'] }],
  },
};
const compiled = compilePolicies([support, payments, org], 'dev');

const staff: Subject = { id: 'ann', kind: 'user', groups: ['staff'], claims: {} };
const bot: Subject = { id: 'bot', kind: 'agent', groups: [], claims: {} };
const call = (tool: string, tenant: string | undefined, subject: Subject = staff): ToolCall => ({
  tool,
  args: {},
  subject,
  environment: 'dev',
  ...(tenant === undefined ? {} : { tenant }),
  now: new Date('2026-12-04T10:00:00Z'),
});

describe('compilePolicies with tenant policies', () => {
  it('gives every rule of a tenant policy its tenant, and organisation rules none', () => {
    expect(compiled.allows.map((a) => [a.id, a.tenant])).toEqual([
      ['org/bindings[0]', undefined],
      ['a-payments/bindings[0]', 'payments'],
      ['support/bindings[0]', 'support'],
    ]);
    expect(compiled.denies.every((d) => (d.policy === 'org') === !('tenant' in d))).toBe(true);
    expect(compiled.approvals.map((a) => a.tenant)).toEqual([undefined, 'payments']);
    expect(compiled.rateLimits.map((r) => r.tenant)).toEqual([undefined, 'payments']);
  });

  it('puts organisation-wide policies first, then tenant policies by tenant and name', () => {
    const other = { ...payments, value: { ...payments.value, name: 'b-payments', tenant: 'payments' } };
    const before = { ...support, value: { ...support.value, name: 'aa', tenant: 'alpha' } };
    const order = compilePolicies([other, support, before, payments, org], 'dev').allows.map((a) => a.policy);
    expect(order).toEqual(['org', 'aa', 'a-payments', 'b-payments', 'support']);
  });
});

describe('decide with tenants', () => {
  it("applies a tenant's allow only to calls made in that tenant", () => {
    expect(decide(compiled, call('crm.get_contact', 'payments')).rule).toBe('a-payments/bindings[0]');
    expect(decide(compiled, call('crm.get_contact', 'support')).rule).toBe('support/bindings[0]');
    expect(decide(compiled, call('billing.charge', 'support')).rule).toBe('default-deny');
    expect(decide(compiled, call('crm.get_contact', 'other')).rule).toBe('default-deny');
  });

  it('treats a call without a tenant as made in the implicit tenant: organisation rules only', () => {
    expect(decide(compiled, call('crm.get_contact', undefined)).rule).toBe('default-deny');
    expect(decide(compiled, call('crm.list_contacts', undefined)).rule).toBe('org/bindings[0]');
    expect(decide(compiled, call('crm.list_contacts', 'default'))).toEqual(
      decide(compiled, call('crm.list_contacts', undefined)),
    );
  });

  it('applies organisation-wide allows in every tenant', () => {
    for (const tenant of [undefined, 'payments', 'support', 'nobody'])
      expect(decide(compiled, call('x.list_things', tenant)).allowed).toBe(true);
  });

  it("never lets a tenant's allow override an organisation-wide deny", () => {
    // a-payments allows '*' to staff; org denies '*.export_*' to everyone.
    const d = decide(compiled, call('crm.export_contacts', 'payments'));
    expect(d).toMatchObject({ allowed: false, rule: 'org/denies/no-exports' });
    expect(d.reason).toContain('denied by org/denies/no-exports');
  });

  it("keeps a tenant's deny inside its tenant", () => {
    expect(decide(compiled, call('crm.delete_contact', 'payments')).rule).toBe(
      'a-payments/denies/no-crm-deletes',
    );
    expect(decide(compiled, call('crm.delete_contact', 'support')).rule).toBe('support/bindings[0]');
  });

  it("holds a call to the organisation's approvers and rate limit before the tenant's own", () => {
    const refund = decide(compiled, call('billing.refund', 'payments', bot));
    expect(refund.approval?.rule).toBe('org/approvals/org-refunds');
    expect(refund.rateLimit?.rule).toBe('org/rateLimits/org-bots');
    expect(approvalFor(compiled, 'billing.refund', 'payments')?.rule).toBe('org/approvals/org-refunds');
    // Where the organisation says nothing, the tenant's rule applies, and only in that tenant.
    expect(approvalFor(compiled, 'crm.close', 'payments')?.rule).toBe('a-payments/approvals/own-refunds');
    expect(approvalFor(compiled, 'crm.close', 'support')).toBeUndefined();
    expect(approvalFor(compiled, 'crm.close')).toBeUndefined();
    expect(rateLimitFor(compiled, bot, 'crm.close', 'support')?.rule).toBe('org/rateLimits/org-bots');
  });
});

describe('the rule index by tenant', () => {
  it("gives each tenant the organisation's rules and its own, in compiled order", () => {
    expect(ruleIndex(compiled, 'payments').allows.all.map((r) => r.rule.id)).toEqual([
      'org/bindings[0]',
      'a-payments/bindings[0]',
    ]);
    expect(ruleIndex(compiled).allows.all.map((r) => r.rule.id)).toEqual(['org/bindings[0]']);
    expect(everyRuleIndex(compiled).allows.all).toHaveLength(3);
  });

  it('shares one organisation-only index among tenants no rule names, so invented names add nothing', () => {
    const implicit = ruleIndex(compiled);
    for (let i = 0; i < 100; i++) expect(ruleIndex(compiled, `made-up-${i}`)).toBe(implicit);
    expect(ruleIndex(compiled, 'payments')).toBe(ruleIndex(compiled, 'payments'));
  });

  it('is one index for every tenant when no policy names a tenant (a repository without tenants)', () => {
    const plain = compilePolicies([org], 'dev');
    expect(ruleIndex(plain, 'payments')).toBe(ruleIndex(plain));
    expect(ruleIndex(plain)).toBe(everyRuleIndex(plain));
  });
});

describe('listing, access and explanations with tenants', () => {
  const tools = ['crm.get_contact', 'crm.list_contacts', 'crm.export_contacts', 'crm.delete_contact'];

  it("lists a tool to a caller only under the organisation's and its tenant's rules", () => {
    expect(toolsVisibleTo(compiled, staff, tools, 'payments')).toEqual([
      'crm.get_contact',
      'crm.list_contacts',
    ]);
    expect(toolsVisibleTo(compiled, staff, tools, 'support')).toEqual([
      'crm.get_contact',
      'crm.list_contacts',
      'crm.delete_contact',
    ]);
    expect(toolsVisibleTo(compiled, staff, tools)).toEqual(['crm.list_contacts']);
  });

  it("builds a tenant's access matrix from the organisation's rules and the tenant's only", () => {
    const subjects = (tenant?: string) => [
      ...new Set(accessMatrix(compiled, tools, tenant).map((e) => e.subject)),
    ];
    expect(subjects('payments')).toEqual(['agent:bot', 'group:staff']);
    expect(subjects('support')).toEqual(['group:staff']);
    const exported = accessMatrix(compiled, tools, 'payments').find((e) => e.tool === 'crm.export_contacts');
    expect(exported).toBeUndefined();
    expect(accessMatrix(compiled, tools).map((e) => `${e.subject} ${e.tool}`)).toEqual([
      'group:staff crm.list_contacts',
    ]);
  });

  it("explains another tenant's rule as not applying, naming both tenants", () => {
    const trace = explainDecision(compiled, call('crm.get_contact', 'support'));
    expect(trace.decision).toEqual(decide(compiled, call('crm.get_contact', 'support')));
    const foreign = trace.rules.find((r) => r.id === 'a-payments/bindings[0]');
    expect(foreign).toMatchObject({
      matched: false,
      reason: 'it applies only to calls in tenant payments; this call is in tenant support',
    });
    const approval = trace.rules.find((r) => r.id === 'a-payments/approvals/own-refunds');
    expect(approval?.matched).toBe(false);
    expect(trace.rules).toHaveLength(
      compiled.allows.length +
        compiled.denies.length +
        compiled.approvals.length +
        compiled.rateLimits.length,
    );
  });
});
