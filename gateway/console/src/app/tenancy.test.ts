import { describe, expect, it } from 'vitest';
import type { Session } from './api.ts';
import {
  actingChoices,
  administersAny,
  headerTenant,
  listTenants,
  readsOwnTraces,
  rowTenant,
  type SessionTenancy,
  tenantFilterChoices,
  tenantLabel,
  tenantQuery,
} from './tenancy.ts';

const tenancy = (over: Partial<SessionTenancy> = {}): SessionTenancy => ({
  tenant: 'payments',
  memberOf: ['payments'],
  allTenants: false,
  reads: ['payments'],
  administers: [],
  ...over,
});
const session = (admin: boolean, t?: SessionTenancy): Pick<Session, 'admin' | 'tenancy'> =>
  t ? { admin, tenancy: t } : { admin };

const ORG = tenancy({
  tenant: 'default',
  memberOf: [],
  allTenants: true,
  reads: ['default', 'payments', 'support'],
  administers: ['default', 'payments', 'support'],
});
const BOTH = tenancy({
  tenant: 'support',
  memberOf: ['payments', 'support'],
  reads: ['payments', 'support'],
  administers: ['support'],
});

describe('the console’s tenancy', () => {
  it('labels the header with the tenant acted in, or All tenants for an organisation admin', () => {
    expect(tenantLabel(tenancy())).toBe('payments');
    expect(tenantLabel(ORG)).toBe('All tenants');
    expect(tenantLabel(tenancy({ tenant: undefined, memberOf: ['support', 'payments'] }))).toBe('support');
  });

  it('names a tenant in X-Raku-Tenant only for a caller in several, keeping a choice that is still its own', () => {
    expect(headerTenant(undefined, 'payments')).toBeUndefined();
    expect(headerTenant(tenancy(), 'payments')).toBeUndefined();
    expect(headerTenant(BOTH, null)).toBe('payments');
    expect(headerTenant(BOTH, 'support')).toBe('support');
    expect(headerTenant(BOTH, 'elsewhere')).toBe('payments');
  });

  it('lets an organisation admin act in any tenant, naming none until it picks one', () => {
    expect(actingChoices(ORG)).toEqual(['default', 'payments', 'support']);
    expect(actingChoices(BOTH)).toEqual(['payments', 'support']);
    expect(headerTenant(ORG, null)).toBeUndefined();
    expect(headerTenant(ORG, 'support')).toBe('support');
    expect(headerTenant(ORG, 'gone')).toBeUndefined();
    expect(headerTenant({ ...ORG, memberOf: ['support', 'payments'] }, null)).toBe('support');
  });

  it('opens the traces to admins and tenant admins, and try-it’s trace link to admins of the tenant acted in', () => {
    expect(administersAny(session(false))).toBe(false);
    expect(administersAny(session(false, tenancy()))).toBe(false);
    expect(administersAny(session(false, BOTH))).toBe(true);
    expect(administersAny(session(true))).toBe(true);
    expect(readsOwnTraces(session(false, BOTH))).toBe(true);
    expect(readsOwnTraces(session(false, { ...BOTH, tenant: 'payments' }))).toBe(false);
    expect(readsOwnTraces(session(true, ORG))).toBe(true);
  });

  it('offers each list the tenants the admin API reads it from, and no filter of one choice', () => {
    expect(listTenants(session(false, BOTH), 'traces')).toEqual(['support']);
    expect(listTenants(session(false, BOTH), 'approvals')).toEqual(['payments', 'support']);
    expect(listTenants(session(false, BOTH), 'jobs')).toEqual(['support']);
    expect(listTenants(session(false, { ...BOTH, administers: [] }), 'jobs')).toEqual([
      'payments',
      'support',
    ]);
    expect(tenantFilterChoices(session(false, BOTH), 'traces')).toEqual([]);
    expect(tenantFilterChoices(session(true, ORG), 'traces')).toEqual(['default', 'payments', 'support']);
    expect(tenantFilterChoices(session(true), 'traces')).toEqual([]);
  });

  it('sends a tenant filter only when it is one of the list’s choices', () => {
    expect(tenantQuery(session(true, ORG), 'traces', 'support')).toEqual({ tenant: 'support' });
    expect(tenantQuery(session(true, ORG), 'traces', 'gone')).toEqual({});
    expect(tenantQuery(session(false, BOTH), 'approvals', 'payments')).toEqual({ tenant: 'payments' });
    expect(tenantQuery(session(false, BOTH), 'traces', 'payments')).toEqual({});
    expect(tenantQuery(session(true, ORG), 'traces', null)).toEqual({});
  });

  it('reads a row without a tenant as the default tenant', () => {
    expect(rowTenant({})).toBe('default');
    expect(rowTenant({ tenant: null })).toBe('default');
    expect(rowTenant({ tenant: 'support' })).toBe('support');
  });
});
