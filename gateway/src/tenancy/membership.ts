/**
 * Which tenants a caller belongs to, and which one a request acts in. Pure: the bundle's tenants and the
 * caller's verified claims in, names out. The MCP endpoint (one tenant per request) and the admin API (the
 * tenants whose rows a caller may read: ./scope.ts) both start here, so they never disagree on membership.
 */
import { IMPLICIT_TENANT, type TenantMember } from '@raku/config';
import type { BundleTenant } from '@raku/render';
import type { Caller } from '../auth/caller.ts';

/** The request header naming the tenant a request acts in, when its caller belongs to several. */
export const TENANT_HEADER = 'x-raku-tenant';

/** True when the caller's verified token matches the member entry. */
export function matchesMember(caller: Pick<Caller, 'groups' | 'claims'>, member: TenantMember): boolean {
  if ('claim' in member) {
    const value = caller.claims[member.claim];
    return value === member.equals || (Array.isArray(value) && value.includes(member.equals));
  }
  if (!caller.groups.includes(member.group)) return false;
  return member.issuer === undefined || caller.claims['iss'] === member.issuer;
}

/** The tenants (by name, in bundle order) whose members include the caller; empty when none. */
export function memberTenants(
  caller: Pick<Caller, 'groups' | 'claims'>,
  tenants: readonly BundleTenant[],
): string[] {
  return tenants.filter((t) => t.members.some((m) => matchesMember(caller, m))).map((t) => t.name);
}

/** The outcome of choosing the tenant a request acts in. */
export type TenantChoice = { ok: true; tenant: string } | { ok: false; message: string };

/**
 * The tenant a request acts in: the caller's only tenant; with several, the one the X-Raku-Tenant header
 * names (it must be one of them); with none, IMPLICIT_TENANT (shared tools only, organisation policies).
 * A header naming a tenant the caller is not a member of is refused, never ignored: a caller cannot act in a
 * tenant by asking.
 */
export function chooseTenant(
  caller: Pick<Caller, 'groups' | 'claims'>,
  tenants: readonly BundleTenant[],
  requested: string | undefined,
): TenantChoice {
  const mine = memberTenants(caller, tenants);
  if (requested !== undefined && requested !== '') {
    if (mine.includes(requested) || (mine.length === 0 && requested === IMPLICIT_TENANT))
      return { ok: true, tenant: requested };
    return {
      ok: false,
      message: `the caller is not a member of tenant "${requested}" (${TENANT_HEADER})${mine.length ? `: its tenants are ${mine.join(', ')}` : ''}`,
    };
  }
  if (mine.length === 0) return { ok: true, tenant: IMPLICIT_TENANT };
  if (mine.length === 1) return { ok: true, tenant: mine[0] as string };
  return {
    ok: false,
    message: `the caller belongs to several tenants (${mine.join(', ')}): name one in the ${TENANT_HEADER} header`,
  };
}

/** The caller of a request with the tenant it acts in, or why it may not act in the one it named. */
export type CallerChoice = { ok: true; caller: Caller } | { ok: false; message: string };

/**
 * The request's caller with `tenant` set by chooseTenant. A bundle without tenants and a request naming none
 * returns the caller as it is (tenant absent, read as IMPLICIT_TENANT): implicit mode does no work per
 * request. The caller object is never changed in place (an authenticator may hand out one object per token).
 */
export function callerInTenant(
  caller: Caller,
  tenants: readonly BundleTenant[],
  requested: string | undefined,
): CallerChoice {
  if (tenants.length === 0 && (requested === undefined || requested === '')) return { ok: true, caller };
  const choice = chooseTenant(caller, tenants, requested);
  if (!choice.ok) return choice;
  return {
    ok: true,
    caller: caller.tenant === choice.tenant ? caller : { ...caller, tenant: choice.tenant },
  };
}

/**
 * The claim names membership reads (each `{claim}` member, and `iss` when a group member names an issuer):
 * what a caller's stored claims must keep for its tenant to be chosen again later (the admin API's caller).
 */
export function claimsReadByMembership(tenants: readonly BundleTenant[]): string[] {
  const names = new Set<string>();
  for (const tenant of tenants) {
    for (const member of tenant.members) {
      if ('claim' in member) names.add(member.claim);
      else if (member.issuer !== undefined) names.add('iss');
    }
  }
  return [...names].sort();
}

/**
 * The tenant an admin API or console request acts in: chooseTenant's, except that an organisation admin (the
 * admin role; it reads every tenant's rows already) may act in any tenant of the bundle by naming it. The one
 * rule for the admin API's authorize, the catalog's try-it and the console's session.
 */
export function chooseApiTenant(
  caller: Pick<Caller, 'groups' | 'claims'>,
  tenants: readonly BundleTenant[],
  requested: string | undefined,
  orgAdmin: boolean,
): TenantChoice {
  const named = requested === '' ? undefined : requested;
  if (orgAdmin && named !== undefined && tenants.some((t) => t.name === named))
    return { ok: true, tenant: named };
  return chooseTenant(caller, tenants, named);
}
