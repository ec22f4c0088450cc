/**
 * GET /v1/policies/access: who may call what in one environment and one tenant, as `raku policy access
 * --tenant` lists it: @raku/policy's accessMatrix over the tenant's view of the tools, under the
 * organisation's policies and the tenant's own (another tenant's rules never count), with a level per cell.
 */
import type { Environment } from '@raku/config';
import { toolPatternMatcher } from '@raku/config';
import { type AccessEntry, accessMatrix, describeAccess, SENSITIVE_WITHOUT_APPROVAL } from '@raku/policy';
import { answerHeader, cmp, type PolicySource } from './policy-explorer.ts';

export type AccessLevel = 'allow' | 'approval' | 'conditional' | 'deny';

/** One cell of the matrix: a subject string of the policies and a tool. */
export interface AccessCell {
  subject: string;
  tool: string;
  access: AccessLevel;
  /** describeAccess's line (`allowed if …; denied by … if …; approval …`), as `raku policy access` prints. */
  summary: string;
  /** The deciding rule: the first grant, or the unconditional deny that removes a grant. */
  rule: string;
  grants: AccessEntry['grants'];
  denies: AccessEntry['denies'];
  approval: string | null;
}

function level(entry: AccessEntry): AccessLevel {
  const unconditional = entry.grants.some((g) => g.conditions.length === 0);
  if (!unconditional || entry.denies.length > 0) return 'conditional';
  return entry.approval ? 'approval' : 'allow';
}

/** The rule applies to calls made in `tenant`: it is organisation-wide or of that tenant. */
const appliesIn = (tenant: string) => (rule: { tenant?: string }) =>
  rule.tenant === undefined || rule.tenant === tenant;

/**
 * accessMatrix's entries for the tenant as cells, plus a 'deny' cell for each subject and tool a binding grants
 * but an unconditional deny removes entirely (accessMatrix leaves those out). A pair no binding grants has no
 * cell: nobody may call it. The subjects are those the bindings applying in the tenant name.
 */
export function accessOverview(source: PolicySource, environment: Environment, tenant: string) {
  const compiled = source.compile(environment);
  const tools = source.tools(environment, tenant);
  const entries = accessMatrix(compiled, tools, tenant);
  const sensitive = source.sensitive(environment, tenant);
  const cells: AccessCell[] = entries.map((e) =>
    // Granted, but the gateway refuses a sensitive tool that no approval rule covers (withSensitiveRule).
    sensitive.has(e.tool) && !e.approval
      ? {
          subject: e.subject,
          tool: e.tool,
          access: 'deny',
          summary: `${describeAccess(e)}; but ${e.tool} is marked sensitive and no approval rule covers it, so it cannot be called`,
          rule: SENSITIVE_WITHOUT_APPROVAL,
          grants: e.grants,
          denies: e.denies,
          approval: null,
        }
      : {
          subject: e.subject,
          tool: e.tool,
          access: level(e),
          summary: describeAccess(e),
          rule: e.grants[0]?.rule ?? '',
          grants: e.grants,
          denies: e.denies,
          approval: e.approval ?? null,
        },
  );
  const inTenant = appliesIn(tenant);
  const allows = compiled.allows.filter(inTenant);
  const denies = compiled.denies.filter(inTenant);
  const present = new Set(entries.map((e) => `${e.subject}\u0000${e.tool}`));
  const subjects = [...new Set(allows.flatMap((a) => a.subjects))].sort(cmp);
  for (const subject of subjects) {
    for (const tool of tools) {
      if (present.has(`${subject}\u0000${tool}`)) continue;
      const grant = allows.find(
        (a) => a.subjects.includes(subject) && a.tools.some((p) => toolPatternMatcher(p)(tool)),
      );
      if (!grant) continue;
      const deny = denies.find(
        (d) =>
          d.when.length === 0 &&
          d.subjects.some((s) => s === '*' || s === subject) &&
          d.tools.some((p) => toolPatternMatcher(p)(tool)),
      );
      if (!deny) continue;
      cells.push({
        subject,
        tool,
        access: 'deny',
        summary: `granted by ${grant.id} (role ${grant.role}) but denied by ${deny.id}`,
        rule: deny.id,
        grants: [],
        denies: [{ rule: deny.id, subjects: [...deny.subjects], conditions: [] }],
        approval: null,
      });
    }
  }
  cells.sort((a, b) => cmp(a.subject, b.subject) || cmp(a.tool, b.tool));
  return {
    ...answerHeader(source, environment, tenant),
    subjects,
    tools,
    cells,
  };
}
