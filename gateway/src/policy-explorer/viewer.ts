/**
 * What one admin may see of the policies (docs/policy.md, "Who sees which tenant's policies"). An organisation
 * admin sees every tenant's. A tenant admin (listed in a tenant's `admins`) sees the organisation-wide policies,
 * which apply to its tenant's calls, and its own tenants' policies; never another tenant's rules, roles or
 * files, nor a file that does not load (whose tenant cannot be told). It chooses among its own tenants only.
 *
 * One choke point: the source itself is narrowed, so the overview, the matrix and the simulator cannot show
 * more. Dropping other tenants' rules changes no decision in the tenants left (those rules never apply there).
 */

import type { Environment } from '@raku/config';
import type { CompiledPolicy } from '@raku/policy';
import type { TenantScope } from '../tenancy/scope.ts';
import type { PolicySource } from './policy-explorer.ts';

/** The note a tenant admin reads instead of the first error, which may name another tenant's file. */
const NARROWED_NOTE =
  'the config repository has errors (raku validate lists them); policy files that do not load are neither shown nor applied here';

/** The source as `scope` may see it; the source itself for ALL_TENANTS. */
export function visibleTo(source: PolicySource, scope: TenantScope): PolicySource {
  if (scope.all) return source;
  const mine = new Set(scope.tenants);
  const visible = (rule: { tenant?: string | null }) =>
    rule.tenant === undefined || rule.tenant === null || mine.has(rule.tenant);
  const compiled = new Map<Environment, CompiledPolicy>();
  return {
    ...source,
    note: source.note === null || source.source === 'bundle' ? source.note : NARROWED_NOTE,
    tenants: source.tenants.filter((t) => mine.has(t)),
    files: source.files.filter((f) => f.policy !== null && visible(f)),
    roles: source.roles.filter(visible),
    compile(environment) {
      let c = compiled.get(environment);
      if (!c) {
        const all = source.compile(environment);
        c = {
          ...all,
          allows: all.allows.filter(visible),
          denies: all.denies.filter(visible),
          approvals: all.approvals.filter(visible),
          rateLimits: all.rateLimits.filter(visible),
        };
        compiled.set(environment, c);
      }
      return c;
    },
  };
}
