import type { BundleTenant } from '@raku/render';
import { describe, expect, it } from 'vitest';
import type { Caller } from '../auth/caller.ts';
import { callerInTenant, chooseApiTenant, claimsReadByMembership } from './membership.ts';

const tenants: BundleTenant[] = [
  { name: 'acme', members: [{ claim: 'tenant', equals: 'acme' }], admins: [], approvers: [], shared: [] },
  {
    name: 'globex',
    members: [{ group: 'globex-staff', issuer: 'https://idp.globex' }],
    admins: [],
    approvers: [],
    shared: [],
  },
];

const ann: Caller = { subject: 'user:ann', kind: 'user', groups: [], claims: { tenant: 'acme' } };

describe('callerInTenant', () => {
  it('returns the very caller when the bundle has no tenants and the request names none', () => {
    expect(callerInTenant(ann, [], undefined)).toEqual({ ok: true, caller: ann });
    expect((callerInTenant(ann, [], undefined) as { caller: Caller }).caller).toBe(ann);
  });

  it('sets the chosen tenant on a copy, never on the authenticated caller', () => {
    const chosen = callerInTenant(ann, tenants, undefined);
    expect(chosen).toEqual({ ok: true, caller: { ...ann, tenant: 'acme' } });
    expect(ann.tenant).toBeUndefined();
  });

  it('refuses a header naming a tenant in a bundle without tenants, except the implicit one', () => {
    expect(callerInTenant(ann, [], 'acme')).toMatchObject({ ok: false });
    expect(callerInTenant(ann, [], 'default')).toEqual({ ok: true, caller: { ...ann, tenant: 'default' } });
  });

  it('refuses a header naming a tenant the caller is not a member of', () => {
    expect(callerInTenant(ann, tenants, 'globex')).toEqual({
      ok: false,
      message: 'the caller is not a member of tenant "globex" (x-raku-tenant): its tenants are acme',
    });
  });
});

describe('claimsReadByMembership', () => {
  it('names each member claim, and iss when a group member names its issuer', () => {
    expect(claimsReadByMembership(tenants)).toEqual(['iss', 'tenant']);
    expect(claimsReadByMembership([])).toEqual([]);
  });
});

describe('chooseApiTenant', () => {
  it('lets an organisation admin act in any tenant of the bundle it names, and in none it does not define', () => {
    expect(chooseApiTenant(ann, tenants, 'globex', true)).toEqual({ ok: true, tenant: 'globex' });
    expect(chooseApiTenant(ann, tenants, 'initech', true)).toMatchObject({ ok: false });
  });

  it('holds anyone else to their own tenants, as chooseTenant does', () => {
    expect(chooseApiTenant(ann, tenants, 'globex', false)).toMatchObject({ ok: false });
    expect(chooseApiTenant(ann, tenants, undefined, false)).toEqual({ ok: true, tenant: 'acme' });
    expect(chooseApiTenant(ann, tenants, '', true)).toEqual({ ok: true, tenant: 'acme' });
  });
});
