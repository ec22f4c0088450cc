/** Types and small pure helpers of the policy explorer view (PoliciesView and its policy-*.tsx tabs). */
import type { Schema } from '@raku/client';

export type PolicyOverview = Schema<'PolicyOverview'>;
export type AccessMatrix = Schema<'PolicyAccessMatrix'>;
export type AccessCell = Schema<'PolicyAccessCell'>;
export type DecisionTrace = Schema<'PolicyDecisionTrace'>;
export type Simulation = Schema<'PolicySimulation'>;
export type Environment = PolicyOverview['environment'];

export const TABS = ['rules', 'access', 'simulator', 'edit'] as const;

/** The tenant of callers who belong to no tenant (IMPLICIT_TENANT of @raku/config; the API's default). */
export const IMPLICIT_TENANT = 'default';

/** A tenant as the selector names it: the implicit one says whose it is. */
export function tenantLabel(tenant: string): string {
  return tenant === IMPLICIT_TENANT ? 'default (callers of no tenant)' : tenant;
}

/** Where a rule applies: everywhere (an organisation-wide policy's rule) or in its tenant only. */
export function ruleTenantLabel(tenant: string | null): string {
  return tenant === null ? 'organisation' : tenant;
}
export type Tab = (typeof TABS)[number];

export function tabOf(value: string | null): Tab {
  return (TABS as readonly string[]).includes(value ?? '') ? (value as Tab) : 'rules';
}

/** `policies/default.yaml:12`, or the file alone when the line is unknown (bundle source). */
export function fileLine(rule: { file: string; line: number | null }): string {
  return rule.line === null ? rule.file : `${rule.file}:${rule.line}`;
}

/**
 * A caller the simulator can start from, for a subject string of the policies: 'user:ann' and 'agent:bot'
 * are themselves; 'group:eng' is a user in that group; '*' is any user.
 */
export function callerFor(subject: string): { kind: 'user' | 'agent'; id: string; groups: string[] } {
  const [prefix, ...rest] = subject.split(':');
  const name = rest.join(':');
  if ((prefix === 'user' || prefix === 'agent') && name) return { kind: prefix, id: name, groups: [] };
  if (prefix === 'group' && name) return { kind: 'user', id: 'someone', groups: [name] };
  return { kind: 'user', id: 'someone', groups: [] };
}

/** Parses a JSON object field of the simulator form; the error names the field. */
export function parseObject(
  text: string,
  field: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; message: string } {
  if (text.trim() === '') return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `${field}: not JSON (${(error as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, message: `${field}: must be a JSON object such as {"owner": "acme"}` };
  return { ok: true, value: value as Record<string, unknown> };
}

/** Groups typed as a comma- or space-separated list. */
export function parseGroups(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((g) => g !== ''))];
}

/** Whether a matrix row or column matches the filter (case-insensitive substring). */
export function matchesFilter(value: string, filter: string): boolean {
  return filter === '' || value.toLowerCase().includes(filter.trim().toLowerCase());
}

/** Offsets of the start and end of 1-based `line` in `text`. */
export function lineRange(text: string, line: number): [number, number] {
  let start = 0;
  for (let i = 1; i < line; i++) {
    const next = text.indexOf('\n', start);
    if (next < 0) return [text.length, text.length];
    start = next + 1;
  }
  const end = text.indexOf('\n', start);
  return [start, end < 0 ? text.length : end];
}
