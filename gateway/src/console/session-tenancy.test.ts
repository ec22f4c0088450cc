import type { BundleTenant } from '@raku/render';
import { describe, expect, it } from 'vitest';
import type { Caller } from '../auth/caller.ts';
import { sessionTenancy } from './session-tenancy.ts';

const tenant = (name: string, extra: Partial<BundleTenant> = {}): BundleTenant => ({
  name,
  members: [{ group: name }],
  admins: [`group:${name}-leads`],
  approvers: [`group:${name}-oncall`],
  shared: [],
  ...extra,
});
const TENANTS = [tenant('payments'), tenant('support')];
const user = (groups: string[]): Caller => ({ subject: 'user:pat', kind: 'user', groups, claims: {} });

describe('the console session’s tenancy', () => {
  it('is absent on a gateway without tenants, so the console looks as it always did', () => {
    expect(sessionTenancy(user(['payments']), [], false, undefined)).toBeUndefined();
    expect(sessionTenancy(user([]), [], true, 'payments')).toBeUndefined();
  });

  it('gives a member of one tenant that tenant, to read and (as its admin) to administer', () => {
    expect(sessionTenancy(user(['payments', 'payments-leads']), TENANTS, false, undefined)).toEqual({
      tenant: 'payments',
      memberOf: ['payments'],
      allTenants: false,
      reads: ['payments'],
      administers: ['payments'],
    });
  });

  it('gives a plain member nothing to administer', () => {
    expect(sessionTenancy(user(['support']), TENANTS, false, undefined)).toMatchObject({
      tenant: 'support',
      reads: ['support'],
      administers: [],
    });
  });

  it('asks a member of several tenants to name one, and acts in the one X-Raku-Tenant names', () => {
    const both = user(['payments', 'support']);
    const unnamed = sessionTenancy(both, TENANTS, false, undefined);
    expect(unnamed).not.toHaveProperty('tenant');
    expect(unnamed?.problem).toMatch(/several tenants \(payments, support\)/);
    expect(unnamed?.memberOf).toEqual(['payments', 'support']);
    expect(sessionTenancy(both, TENANTS, false, 'support')).toMatchObject({
      tenant: 'support',
      reads: ['payments', 'support'],
    });
  });

  it('refuses a header naming a tenant the caller is not in, without granting it anything', () => {
    const got = sessionTenancy(user(['payments']), TENANTS, false, 'support');
    expect(got).not.toHaveProperty('tenant');
    expect(got?.problem).toMatch(/not a member of tenant "support"/);
    expect(got?.reads).toEqual(['payments']);
  });

  it('reads a tenant an approver of it is not a member of, besides the default tenant it acts in', () => {
    expect(sessionTenancy(user(['support-oncall']), TENANTS, false, undefined)).toEqual({
      tenant: 'default',
      memberOf: [],
      allTenants: false,
      reads: ['default', 'support'],
      administers: [],
    });
  });

  it('gives an organisation admin every tenant, and lets it act in any tenant it names', () => {
    const admin = user([]);
    expect(sessionTenancy(admin, TENANTS, true, undefined)).toEqual({
      tenant: 'default',
      memberOf: [],
      allTenants: true,
      reads: ['default', 'payments', 'support'],
      administers: ['default', 'payments', 'support'],
    });
    expect(sessionTenancy(admin, TENANTS, true, 'support')?.tenant).toBe('support');
    expect(sessionTenancy(admin, TENANTS, true, 'nowhere')?.problem).toMatch(/not a member of tenant/);
  });
});
