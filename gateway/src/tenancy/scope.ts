/**
 * The tenants whose rows a database session may touch. The stores pass it to Postgres as a transaction-local
 * setting that the row-level security policies read (see gateway/prisma/migrations and docs/tenancy.md);
 * a session with no scope set sees and writes nothing.
 *
 * `{ all: true }` is only ever built for an organisation admin (the admin role) or for the gateway's own
 * maintenance (retention sweeps, job workers): it is a value someone has to write, never a default.
 */
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
