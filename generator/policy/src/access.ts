/**
 * The access matrix of a compiled policy (who may call what, under which conditions) and the difference
 * between two matrices: what `raku plan` shows a reviewer ("agent:triage-bot gained github.close_issue").
 */

import { compareStrings } from './compile.ts';
import { describeCondition } from './conditions.ts';
import { approvalFor } from './decide.ts';
import { ruleIndex } from './rule-index.ts';
import { subjectCovers, subjectsMayOverlap } from './subjects.ts';
import type { CompiledPolicy } from './types.ts';

/** An allow rule granting the tool to the subject; `conditions` empty = unconditional. */
export interface AccessGrant {
  rule: string;
  role: string;
  conditions: string[];
}

/** A deny rule that may cut into a grant: its subjects overlap the entry's subject, or it has conditions. */
export interface AccessDeny {
  rule: string;
  subjects: string[];
  conditions: string[];
}

/** One subject string (as written in the policies) and one tool it may call. */
export interface AccessEntry {
  subject: string;
  tool: string;
  /** The grants; any unconditional grant makes the access unconditional. */
  grants: AccessGrant[];
  denies: AccessDeny[];
  /** The approval rule covering the tool, e.g. `default/approvals/x by group:maintainers`. */
  approval?: string;
}

export type AccessChangeKind = 'gained' | 'lost' | 'conditions-changed';

export interface AccessChange {
  subject: string;
  tool: string;
  change: AccessChangeKind;
  before?: AccessEntry;
  after?: AccessEntry;
}

/**
 * For every subject string in the allow rules ('user:…', 'agent:…', 'group:…', '*') and every tool of
 * `tools` it is granted, the grants and the deny rules that cut in. Pairs that an unconditional deny
 * covers entirely (deny subject '*' or the same subject string) are left out: that subject cannot call
 * the tool. A deny on an overlapping subject (a group, or '*' for a single caller's grant) is listed,
 * since it removes the tool for some callers. Sorted by subject, then tool.
 *
 * The matrix of one tenant (default IMPLICIT_TENANT): only the organisation-wide rules and that tenant's
 * count, and `tools` should be the tenant's view of the tools.
 */
export function accessMatrix(
  compiled: CompiledPolicy,
  tools: readonly string[],
  tenant?: string,
): AccessEntry[] {
  const { allows, denies } = ruleIndex(compiled, tenant);
  const subjects = [...new Set(allows.all.flatMap((a) => [...a.subjects]))].sort(compareStrings);
  const sortedTools = [...new Set(tools)].sort(compareStrings);
  const entries: AccessEntry[] = [];
  for (const subject of subjects) {
    for (const tool of sortedTools) {
      const grants = allows
        .forTool(tool)
        .filter(({ subjects: named }) => named.has(subject))
        .map(({ rule: a }) => ({ rule: a.id, role: a.role, conditions: a.when.map(describeCondition) }));
      if (grants.length === 0) continue;
      const cutting = denies
        .forTool(tool)
        .map(({ rule }) => rule)
        .filter((d) => d.subjects.some((s) => subjectsMayOverlap(s, subject)));
      if (cutting.some((d) => d.when.length === 0 && d.subjects.some((s) => subjectCovers(s, subject))))
        continue;
      const approval = approvalFor(compiled, tool, tenant);
      entries.push({
        subject,
        tool,
        grants,
        denies: cutting.map((d) => ({
          rule: d.id,
          subjects: [...d.subjects],
          conditions: d.when.map(describeCondition),
        })),
        ...(approval ? { approval: `${approval.rule} by ${approval.approvers.join(', ')}` } : {}),
      });
    }
  }
  return entries;
}

/**
 * What an entry means, independent of which binding grants it: the set of condition sets (collapsed to
 * "unconditional" when any grant has none), the cutting denies and the approval. Two entries with the
 * same signature give the same access.
 */
function signature(entry: AccessEntry): string {
  const sets = entry.grants.map((g) => [...g.conditions].sort(compareStrings).join(' and '));
  const grants = sets.includes('') ? [''] : [...new Set(sets)].sort(compareStrings);
  const denies = entry.denies
    .map(
      (d) =>
        `${d.rule}|${[...d.subjects].sort(compareStrings).join(',')}|${[...d.conditions].sort(compareStrings).join(' and ')}`,
    )
    .sort(compareStrings);
  return JSON.stringify([grants, denies, entry.approval ?? null]);
}

/** The changes from `before` to `after`, sorted by subject, then tool. */
export function diffAccess(before: readonly AccessEntry[], after: readonly AccessEntry[]): AccessChange[] {
  const key = (e: AccessEntry) => `${e.subject}\u0000${e.tool}`;
  const old = new Map(before.map((e) => [key(e), e]));
  const now = new Map(after.map((e) => [key(e), e]));
  const changes: AccessChange[] = [];
  for (const [k, b] of old) {
    const a = now.get(k);
    if (!a) changes.push({ subject: b.subject, tool: b.tool, change: 'lost', before: b });
    else if (signature(a) !== signature(b))
      changes.push({ subject: b.subject, tool: b.tool, change: 'conditions-changed', before: b, after: a });
  }
  for (const [k, a] of now)
    if (!old.has(k)) changes.push({ subject: a.subject, tool: a.tool, change: 'gained', after: a });
  return changes.sort((x, y) => compareStrings(x.subject, y.subject) || compareStrings(x.tool, y.tool));
}

/**
 * An entry as one line for a plan: `allowed if args.owner == "acme"; denied by default/denies/x if time.hour < 7; approval default/approvals/y by group:maintainers`.
 */
export function describeAccess(entry: AccessEntry): string {
  const sets = entry.grants.map((g) => g.conditions.join(' and '));
  const parts = [sets.includes('') ? 'allowed' : `allowed if ${[...new Set(sets)].join(' or ')}`];
  for (const d of entry.denies) {
    const who =
      d.subjects.includes(entry.subject) || d.subjects.includes('*') ? '' : ` for ${d.subjects.join(', ')}`;
    parts.push(
      `denied by ${d.rule}${who}${d.conditions.length > 0 ? ` if ${d.conditions.join(' and ')}` : ''}`,
    );
  }
  if (entry.approval) parts.push(`approval ${entry.approval}`);
  return parts.join('; ');
}
