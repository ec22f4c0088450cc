/**
 * The console's tenancy, from the session (GET /v1/session's `tenancy`, absent when the gateway has no tenants):
 * what the header says, which tenant the console's calls act in (sent as X-Raku-Tenant), whether the caller
 * reads traces, and the choices of the lists' tenant filter. Pure: every rule mirrors what the admin API allows
 * (the session's `reads` and `administers` are its scopes), so the console offers nothing the API refuses and
 * hides nothing it serves.
 */
import type { Session } from './api.ts';

export type SessionTenancy = NonNullable<Session['tenancy']>;

/** What the header shows: the tenant the console acts in, or "All tenants" for an organisation admin. */
export function tenantLabel(tenancy: SessionTenancy): string {
  if (tenancy.allTenants) return 'All tenants';
  return tenancy.tenant ?? tenancy.memberOf[0] ?? 'default';
}

/**
 * The tenants the console may act in: a member's tenants; for an organisation admin, every tenant (the admin
 * API and try-it accept any tenant it names) and `default`.
 */
export function actingChoices(tenancy: SessionTenancy): string[] {
  return tenancy.allTenants ? tenancy.reads : tenancy.memberOf;
}

/**
 * The tenant to name in X-Raku-Tenant when the caller may act in several: the one chosen before (`stored`)
 * while it is still a choice; else a member's first tenant; else (an organisation admin in at most one tenant)
 * nothing, so the gateway chooses as for any request. Nothing for a caller with one choice or none.
 */
export function headerTenant(
  tenancy: SessionTenancy | undefined,
  stored: string | null | undefined,
): string | undefined {
  if (!tenancy) return undefined;
  const choices = actingChoices(tenancy);
  if (choices.length < 2) return undefined;
  if (stored && choices.includes(stored)) return stored;
  return tenancy.memberOf.length > 1 ? tenancy.memberOf[0] : undefined;
}

/**
 * True when the caller administers something: the admin role, or a tenant's admin. Such a caller reads the
 * traces, and every job and approval request, of the tenants it administers.
 */
export function administersAny(session: Pick<Session, 'admin' | 'tenancy'>): boolean {
  return session.admin || (session.tenancy?.administers.length ?? 0) > 0;
}

/** True when the caller reads the traces of calls made in the tenant the console acts in (try-it's trace link). */
export function readsOwnTraces(session: Pick<Session, 'admin' | 'tenancy'>): boolean {
  if (session.admin) return true;
  const tenant = session.tenancy?.tenant;
  return tenant !== undefined && (session.tenancy?.administers.includes(tenant) ?? false);
}

/** True when lists name each row's tenant (the gateway has tenants). */
export function showsTenants(session: Pick<Session, 'tenancy'>): boolean {
  return session.tenancy !== undefined;
}

/** The lists that name and filter rows by tenant. */
export type TenantList = 'traces' | 'approvals' | 'jobs';

/**
 * The tenants a list's rows may come from, as the admin API reads them: traces, from the tenants the caller
 * administers; approval requests, from every tenant it reads; jobs, from the tenants it administers when it
 * administers any (else its own jobs, in any tenant it reads).
 */
export function listTenants(session: Pick<Session, 'admin' | 'tenancy'>, list: TenantList): string[] {
  const tenancy = session.tenancy;
  if (!tenancy) return [];
  if (list === 'approvals') return tenancy.reads;
  if (list === 'jobs' && tenancy.administers.length === 0) return tenancy.reads;
  return tenancy.administers;
}

/** The tenant filter's choices of a list, or none when its rows can come from one tenant only. */
export function tenantFilterChoices(session: Pick<Session, 'admin' | 'tenancy'>, list: TenantList): string[] {
  const tenants = listTenants(session, list);
  return tenants.length > 1 ? tenants : [];
}

/**
 * The `tenant` query parameter of a list: the filter's value when it is one of the choices, else none (a
 * bookmarked filter naming a tenant the caller no longer reads would only ever show an empty list).
 */
export function tenantQuery(
  session: Pick<Session, 'admin' | 'tenancy'>,
  list: TenantList,
  value: string | null | undefined,
): { tenant?: string } {
  return value && tenantFilterChoices(session, list).includes(value) ? { tenant: value } : {};
}

/** The tenant a row was made in (rows from before tenancy, or of a gateway without tenants: the default). */
export function rowTenant(row: { tenant?: string | null }): string {
  return row.tenant ?? 'default';
}
