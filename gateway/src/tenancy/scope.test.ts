import type { BundleTenant } from '@raku/render';
import { describe, expect, it } from 'vitest';
import { administers, canSeeApproval, ownsJob, readScope } from '../admin/visibility.ts';
import { ALL_TENANTS, apiScopes, tenantCondition, tenantScope } from './scope.ts';

const TENANTS: BundleTenant[] = [
  { name: 'payments', members: [{ group: 'payments' }], admins: ['user:pam'], approvers: [], shared: [] },
  {
    name: 'support',
    members: [{ claim: 'team', equals: 'support' }],
    admins: ['group:support-leads'],
    approvers: ['user:fin'],
    shared: [],
  },
];

const who = (groups: string[], claims: Record<string, unknown>, principals: string[]) => ({
  groups,
  claims,
  principals,
});

describe('apiScopes', () => {
  it('gives an organisation admin every tenant, explicitly', () => {
    expect(apiScopes(who([], {}, ['user:ada']), TENANTS, true)).toEqual({
      scope: ALL_TENANTS,
      adminOf: ALL_TENANTS,
    });
  });

  it('reads a member its tenants and administers none of them', () => {
    expect(apiScopes(who(['payments'], { team: 'support' }, ['user:max']), TENANTS, false)).toEqual({
      scope: tenantScope(['payments', 'support']),
      adminOf: tenantScope([]),
    });
  });

  it('reads a caller of no tenant the implicit one only', () => {
    expect(apiScopes(who([], {}, ['user:nobody']), TENANTS, false)).toEqual({
      scope: tenantScope(['default']),
      adminOf: tenantScope([]),
    });
  });

  it("adds the tenants whose admins or approvers name the caller, and administers the admins' ones", () => {
    const lead = apiScopes(who(['support-leads'], {}, ['user:sue', 'group:support-leads']), TENANTS, false);
    expect(lead).toEqual({ scope: tenantScope(['default', 'support']), adminOf: tenantScope(['support']) });
    const approver = apiScopes(who(['payments'], {}, ['user:fin']), TENANTS, false);
    expect(approver).toEqual({ scope: tenantScope(['payments', 'support']), adminOf: tenantScope([]) });
  });
});

describe('tenantCondition', () => {
  it('names the scope, narrows by a tenant inside it, and matches nothing outside it', () => {
    expect(tenantCondition(ALL_TENANTS, undefined)).toBeNull();
    expect(tenantCondition(ALL_TENANTS, 'support')).toEqual(['support']);
    expect(tenantCondition(tenantScope(['payments']), undefined)).toEqual(['payments']);
    expect(tenantCondition(tenantScope(['payments']), 'support')).toEqual([]);
  });
});

describe('visibility within the scope', () => {
  const pam = {
    subject: 'user:pam',
    principals: ['user:pam'],
    admin: false,
    ...apiScopes(who(['payments'], {}, ['user:pam']), TENANTS, false),
  };

  it("shows a tenant admin all of its tenant's jobs and requests, and nothing of another's", () => {
    expect(administers(pam, 'payments')).toBe(true);
    expect(ownsJob(pam, { subject: 'agent:bot', tenant: 'payments' })).toBe(true);
    expect(ownsJob(pam, { subject: 'user:pam', tenant: 'support' })).toBe(false);
    expect(canSeeApproval(pam, { subject: 'agent:bot', approvers: ['group:x'], tenant: 'payments' })).toBe(
      true,
    );
    expect(canSeeApproval(pam, { subject: 'agent:bot', approvers: ['*'], tenant: 'support' })).toBe(false);
  });

  it('reads an ApiCaller built without a scope as the implicit tenant only, admin role or not', () => {
    const legacy: { subject: string; principals: string[]; admin: boolean; scope?: undefined } = {
      subject: 'user:ada',
      principals: ['user:ada'],
      admin: true,
    };
    expect(readScope(legacy)).toEqual(tenantScope(['default']));
    expect(administers(legacy, 'default')).toBe(true);
    expect(administers(legacy, 'payments')).toBe(false);
  });
});
