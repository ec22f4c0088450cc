/**
 * What the console's session says about tenancy (GET /v1/session's `tenancy`): the tenants the caller belongs
 * to, the one the console acts in, and what the admin API lets it read and administer. Pure: the verified
 * caller, the bundle's tenants and the X-Raku-Tenant header in, a view out. The scopes are the admin API's own
 * (../tenancy/scope.ts: apiScopes) and the tenant is chooseTenant's (../tenancy/membership.ts), so the console
 * never offers a view the API would refuse, nor hides one it would serve.
 */
import { IMPLICIT_TENANT } from '@raku/config';
import type { BundleTenant } from '@raku/render';
import { type Caller, principalsOf } from '../auth/caller.ts';
import { chooseApiTenant, memberTenants } from '../tenancy/membership.ts';
import { apiScopes } from '../tenancy/scope.ts';

/** GET /v1/session's `tenancy`: present only when the gateway has tenants. */
export interface SessionTenancy {
  /**
   * The tenant the console's requests act in (catalog, try-it, submitted jobs): the caller's only tenant, the
   * one X-Raku-Tenant names, or IMPLICIT_TENANT for a caller in none. Absent when none could be chosen
   * (`problem` says why: several tenants and no header, or a header naming one the caller may not act in).
   */
  tenant?: string;
  /** Why no tenant could be chosen. */
  problem?: string;
  /** The tenants whose members include the caller, in the bundle's order (the switcher's choices). */
  memberOf: string[];
  /** An organisation admin (the admin role): reads and administers every tenant's rows. */
  allTenants: boolean;
  /**
   * The tenants whose traces, approvals and jobs the admin API reads for this caller (sorted): every tenant of
   * the gateway and IMPLICIT_TENANT for an organisation admin.
   */
  reads: string[];
  /** The tenants the caller administers (sees all their traces, approvals and jobs); every one for org admins. */
  administers: string[];
}

/**
 * The session's tenancy, or undefined for a gateway without tenants (the console then looks as it always did).
 * An organisation admin may act in any tenant of the bundle by naming it, as on the admin API and try-it.
 */
export function sessionTenancy(
  caller: Caller,
  tenants: readonly BundleTenant[],
  orgAdmin: boolean,
  requested: string | undefined,
): SessionTenancy | undefined {
  if (tenants.length === 0) return undefined;
  const choice = chooseApiTenant(caller, tenants, requested, orgAdmin);
  const scopes = apiScopes({ ...caller, principals: principalsOf(caller) }, tenants, orgAdmin);
  const every = [...new Set([IMPLICIT_TENANT, ...tenants.map((t) => t.name)])].sort();
  return {
    ...(choice.ok ? { tenant: choice.tenant } : { problem: choice.message }),
    memberOf: memberTenants(caller, tenants),
    allTenants: scopes.scope.all,
    reads: scopes.scope.all ? every : [...scopes.scope.tenants],
    administers: scopes.adminOf.all ? every : [...scopes.adminOf.tenants],
  };
}
