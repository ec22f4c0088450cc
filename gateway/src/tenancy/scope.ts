/**
 * The tenants whose rows a database session may touch. The stores pass it to Postgres as a transaction-local
 * setting that the row-level security policies read (see gateway/prisma/migrations and docs/tenancy.md);
 * a session with no scope set sees and writes nothing.
 *
 * `{ all: true }` is only ever built for an organisation admin (the admin role) or for the gateway's own
 * maintenance (retention sweeps, job workers): it is a value someone has to write, never a default.
 */
import { IMPLICIT_TENANT } from '@raku/config';
import type { BundleTenant } from '@raku/render';
import type { Caller } from '../auth/caller.ts';
import { memberTenants } from './membership.ts';

export type TenantScope =
  | { readonly all: true }
  | { readonly all: false; readonly tenants: readonly string[] };

/** A scope of the given tenants (deduplicated, sorted). */
export function tenantScope(tenants: Iterable<string>): TenantScope {
  return { all: false, tenants: [...new Set(tenants)].sort() };
}

/** Every tenant: organisation admins and the gateway's own maintenance only. */
export const ALL_TENANTS: TenantScope = Object.freeze({ all: true });

/** True when the scope covers the tenant. */
export function scopeIncludes(scope: TenantScope, tenant: string): boolean {
  return scope.all || scope.tenants.includes(tenant);
}

/**
 * The tenants a query names besides what row-level security enforces: the `tenant` filter, and the scope's
 * own list, which lets the planner use the (tenant, time) indexes. null: no condition (all tenants, no filter);
 * [] matches nothing (a filter outside the scope).
 */
export function tenantCondition(scope: TenantScope, tenant: string | undefined): string[] | null {
  if (tenant !== undefined) return scope.all || scope.tenants.includes(tenant) ? [tenant] : [];
  return scope.all ? null : [...scope.tenants];
}

/** What an admin API request may read and administer (ApiCaller.scope and adminOf). */
export interface ApiScopes {
  scope: TenantScope;
  adminOf: TenantScope;
}

/**
 * The admin API's scopes of a caller (docs/tenancy.md, "Admin scope"). An organisation admin (the admin role):
 * every tenant, explicitly. Anyone else reads its member tenants (IMPLICIT_TENANT when it belongs to none) and
 * the tenants whose admins or approvers name one of its principals, and administers those whose admins do.
 */
export function apiScopes(
  caller: Pick<Caller, 'groups' | 'claims'> & { principals: readonly string[] },
  tenants: readonly BundleTenant[],
  orgAdmin: boolean,
): ApiScopes {
  if (orgAdmin) return { scope: ALL_TENANTS, adminOf: ALL_TENANTS };
  const mine = new Set(caller.principals);
  const named = (list: readonly string[]) => list.some((p) => mine.has(p));
  const members = memberTenants(caller, tenants);
  const admins = tenants.filter((t) => named(t.admins)).map((t) => t.name);
  const approvers = tenants.filter((t) => named(t.approvers)).map((t) => t.name);
  return {
    scope: tenantScope([...(members.length ? members : [IMPLICIT_TENANT]), ...admins, ...approvers]),
    adminOf: tenantScope(admins),
  };
}
