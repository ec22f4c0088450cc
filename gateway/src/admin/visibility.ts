/**
 * Who may see an approval request or a job, and which tenants a caller reads and administers: the one rule
 * shared by the admin API's reads (./admin-router.ts) and the live event stream's filter (../events/), so the
 * stream never shows a caller more than the list endpoints would. Row-level security already keeps every
 * read to the caller's scope; these rules say what the caller sees within it.
 */
import { IMPLICIT_TENANT } from '@raku/config';
import { scopeIncludes, type TenantScope, tenantScope } from '../tenancy/scope.ts';
import type { ApiCaller } from './types.ts';

type ScopedViewer = Pick<ApiCaller, 'admin' | 'scope' | 'adminOf'>;
type Viewer = ScopedViewer & Pick<ApiCaller, 'subject' | 'principals'>;

const IMPLICIT_ONLY: TenantScope = tenantScope([IMPLICIT_TENANT]);
const NONE: TenantScope = tenantScope([]);

/** The tenants whose rows the caller's requests run under (absent: IMPLICIT_TENANT only). */
export function readScope(caller: Pick<ApiCaller, 'scope'>): TenantScope {
  return caller.scope ?? IMPLICIT_ONLY;
}

/** The tenants the caller administers: `adminOf`, else its read scope when it holds the admin role, else none. */
export function adminScope(caller: ScopedViewer): TenantScope {
  return caller.adminOf ?? (caller.admin ? readScope(caller) : NONE);
}

/** True when the caller administers at least one tenant (may read traces). */
export function administersAny(caller: ScopedViewer): boolean {
  const scope = adminScope(caller);
  return scope.all || scope.tenants.length > 0;
}

/** True when the caller administers `tenant` (and may therefore read it). */
export function administers(caller: ScopedViewer, tenant: string): boolean {
  return scopeIncludes(adminScope(caller), tenant) && scopeIncludes(readScope(caller), tenant);
}

/** Admins of its tenant, the caller who asked, and every approver its rule names ('*' names everyone). */
export function canSeeApproval(
  caller: Viewer,
  request: { subject: string; approvers: readonly string[]; tenant: string },
): boolean {
  if (!scopeIncludes(readScope(caller), request.tenant)) return false;
  if (administers(caller, request.tenant) || request.subject === caller.subject) return true;
  const mine = new Set(caller.principals);
  return request.approvers.some((a) => a === '*' || mine.has(a));
}

/** Admins of its tenant and the job's own caller. */
export function ownsJob(
  caller: ScopedViewer & Pick<ApiCaller, 'subject'>,
  job: { subject: string; tenant: string },
): boolean {
  if (!scopeIncludes(readScope(caller), job.tenant)) return false;
  return administers(caller, job.tenant) || job.subject === caller.subject;
}
