import { IMPLICIT_TENANT } from '@raku/config';
import { shortRevision } from '../generate/render-zone.ts';
import type { AccessPlanChange, ContractPlanChange, Plan, RemotePlanChange, ZonePlan } from './plan-types.ts';

export const PLAN_FORMATS = ['text', 'markdown', 'json'] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

/** Hidden marker that identifies the plan comment on a pull request (the action updates that comment). */
export const PLAN_COMMENT_MARKER = '<!-- raku-plan -->';
/** GitHub rejects comment bodies over 65,536 characters; keep a margin for the marker and links. */
export const MAX_COMMENT_CHARS = 60_000;

export interface FormatOptions {
  /** Markdown only: where the full report lives, linked when the comment had to be shortened. */
  reportUrl?: string;
  /** Markdown only: the character budget. Default MAX_COMMENT_CHARS. */
  maxChars?: number;
}

export function formatPlan(plan: Plan, format: PlanFormat, opts: FormatOptions = {}): string {
  if (format === 'json') return `${JSON.stringify(plan, null, 2)}\n`;
  if (format === 'text') return formatText(plan);
  return formatMarkdown(plan, opts);
}

export function planHasChanges(plan: Plan): boolean {
  return (
    plan.zones.some((z) => z.status !== 'unchanged') ||
    plan.access.length > 0 ||
    plan.contracts.length > 0 ||
    plan.remotes.length > 0
  );
}

const ACCESS_SIGN = { gained: '+', lost: '-', 'conditions-changed': '~' } as const;

function accessLine(c: AccessPlanChange): string {
  const what =
    c.change === 'gained'
      ? `can now call ${c.tool} (${c.after})`
      : c.change === 'lost'
        ? `can no longer call ${c.tool} (was: ${c.before})`
        : `${c.tool}: ${c.before} → ${c.after}`;
  return `${c.subject} ${what} in ${c.zones.join(', ')}`;
}

/** How a plan names a tenant: its name, or for the implicit one, the callers it stands for. */
function tenantTitle(tenant: string): string {
  return tenant === IMPLICIT_TENANT ? `Callers of no tenant (${IMPLICIT_TENANT})` : `Tenant ${tenant}`;
}

/**
 * The access changes in runs of one tenant, in plan order (accessChanges sorts by tenant first); one run
 * with no title when the plan has no tenants.
 */
function byTenant(access: readonly AccessPlanChange[]): { title?: string; changes: AccessPlanChange[] }[] {
  const runs: { tenant?: string; title?: string; changes: AccessPlanChange[] }[] = [];
  for (const c of access) {
    const last = runs[runs.length - 1];
    if (last && last.tenant === c.tenant) last.changes.push(c);
    else
      runs.push({
        ...(c.tenant !== undefined && { tenant: c.tenant, title: tenantTitle(c.tenant) }),
        changes: [c],
      });
  }
  return runs.map(({ title, changes }) => ({ ...(title !== undefined && { title }), changes }));
}

function contractLine(c: ContractPlanChange): string {
  const version =
    c.versionBefore === undefined
      ? `new pack ${c.pack} ${c.versionAfter}`
      : c.versionAfter === undefined
        ? `pack ${c.pack} ${c.versionBefore} removed`
        : `${c.pack} ${c.versionBefore} → ${c.versionAfter}`;
  const flag = c.unversionedBreak ? ' — BREAKING without a major version bump' : '';
  switch (c.kind) {
    case 'tool-added':
      return `${c.tool}: added (${version})`;
    case 'tool-removed':
      return `${c.tool}: removed (${version})${flag}`;
    case 'description-changed':
      return `${c.tool}: description or schema changed compatibly (${version})`;
    case 'schema-breaking':
      return `${c.tool}: breaking input schema change (${version})${flag}: ${c.details.join('; ')}`;
  }
}

function remoteLine(r: RemotePlanChange): string {
  const h = (x?: string) => (x ? x.slice(0, 12) : '');
  if (r.change === 'live-differs') {
    return `${r.zone}: ${r.remote}.${r.tool} is served with a definition that differs from the reviewed one (reviewed ${h(r.hashAfter)}…, live ${h(r.hashLive)}…); the gateway hides it until it is reviewed again`;
  }
  if (r.change === 'live-missing') {
    return `${r.zone}: ${r.remote}.${r.tool} is no longer listed by the server`;
  }
  if (r.change === 'hash-changed') {
    return `${r.zone}: ${r.remote}.${r.tool} reviewed description hash changed ${h(r.hashBefore)}… → ${h(r.hashAfter)}… (review the new description)`;
  }
  return `${r.zone}: ${r.remote}.${r.tool} ${r.change === 'added' ? `added (reviewed hash ${h(r.hashAfter)}…)` : 'removed'}`;
}

function zoneSummary(z: ZonePlan): string {
  const count = (k: string) => z.files.filter((f) => f.change === k).length;
  if (z.status === 'added') return `new zone, ${z.files.length} files`;
  if (z.status === 'removed') return `zone removed, ${z.files.length} files`;
  const parts = [`${count('changed')} changed`, `${count('added')} added`, `${count('removed')} removed`];
  if (z.revisionOnly > 0) parts.push(`${z.revisionOnly} only record the new revision`);
  return parts.join(', ');
}

function formatText(plan: Plan): string {
  const out: string[] = [
    `Plan: ${plan.base.label}${revisionNote(plan.base.revision)} → ${plan.head.label}${revisionNote(plan.head.revision)}`,
  ];
  if (!planHasChanges(plan)) out.push('', 'No changes.');
  for (const z of plan.zones) {
    out.push('', `Zone ${z.zone}${z.environment ? ` (${z.environment})` : ''}: ${zoneSummary(z)}`);
    for (const f of z.files) {
      out.push(`  ${f.change === 'added' ? '+' : f.change === 'removed' ? '-' : '~'} ${f.path}`);
      if (f.diff)
        out.push(
          ...f.diff
            .trimEnd()
            .split('\n')
            .map((l) => `      ${l}`),
        );
    }
    if (z.imagesByTag.length > 0 && z.status !== 'removed') {
      out.push(`  images by tag (no digest yet): ${z.imagesByTag.join(', ')}`);
    }
  }
  if (plan.access.length > 0) {
    out.push('', 'Access changes:');
    for (const run of byTenant(plan.access)) {
      const indent = run.title === undefined ? '  ' : '    ';
      if (run.title !== undefined) out.push(`  ${run.title}:`);
      for (const c of run.changes)
        out.push(`${indent}${ACCESS_SIGN[c.change]} [${c.environment}] ${accessLine(c)}`);
    }
  }
  if (plan.contracts.length > 0) {
    out.push('', 'Tool contract changes:');
    for (const c of plan.contracts) out.push(`  ${c.unversionedBreak ? '!' : '*'} ${contractLine(c)}`);
  }
  if (plan.remotes.length > 0) {
    out.push('', 'Third-party tools:');
    for (const r of plan.remotes)
      out.push(`  ${r.change === 'added' || r.change === 'removed' ? '*' : '!'} ${remoteLine(r)}`);
  }
  return `${out.join('\n')}\n`;
}

/** Markdown text inside table cells and list items: no HTML, no pipes, no line breaks. */
function md(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+!|<>~]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
}

/** An inline code span for a table cell: a long enough backtick run, pipes escaped (GitHub tables split on them). */
function code(s: string): string {
  const text = s.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|');
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return longest > 0 ? `${ticks} ${text} ${ticks}` : `${ticks}${text}${ticks}`;
}

function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}diff\n${text.trimEnd()}\n${ticks}`;
}

interface Detail {
  diffs: boolean;
  /** Most list items per section before "… and N more". */
  limit: number;
}

function formatMarkdown(plan: Plan, opts: FormatOptions): string {
  const max = opts.maxChars ?? MAX_COMMENT_CHARS;
  // Shrink until it fits: first without diffs, then with ever shorter lists.
  const tries: Detail[] = [
    { diffs: true, limit: Number.POSITIVE_INFINITY },
    { diffs: false, limit: Number.POSITIVE_INFINITY },
    { diffs: false, limit: 200 },
    { diffs: false, limit: 50 },
    { diffs: false, limit: 10 },
    { diffs: false, limit: 0 },
  ];
  for (const [i, detail] of tries.entries()) {
    const text = markdown(plan, detail, i > 0, opts.reportUrl);
    if (text.length <= max || i === tries.length - 1)
      return text.length <= max ? text : `${text.slice(0, max - 40)}\n\n… (cut to fit one comment)\n`;
  }
  return '';
}

/** ' (<short revision>)' after a side's label, or nothing when the side knows no commit (a GitOps folder). */
function revisionNote(revision: string, code = false): string {
  if (revision === '') return '';
  const short = shortRevision(revision);
  return code ? ` (\`${md(short)}\`)` : ` (${short})`;
}

function markdown(plan: Plan, detail: Detail, shortened: boolean, reportUrl: string | undefined): string {
  const out: string[] = [PLAN_COMMENT_MARKER, '## Raku plan', ''];
  out.push(
    `Comparing **${md(plan.base.label)}**${revisionNote(plan.base.revision, true)} with **${md(plan.head.label)}**${revisionNote(plan.head.revision, true)}.`,
  );
  if (shortened) {
    out.push(
      '',
      `> This plan is too large for one comment and was summarised.${reportUrl ? ` [Full report](${reportUrl})` : ' The full report is in the workflow run artifacts.'}`,
    );
  }
  if (!planHasChanges(plan)) out.push('', 'No changes.');
  const list = <T>(items: T[], line: (x: T) => string) => {
    for (const x of items.slice(0, detail.limit)) out.push(`- ${line(x)}`);
    if (items.length > detail.limit) out.push(`- … and ${items.length - detail.limit} more`);
  };
  const flagged = plan.contracts.filter((c) => c.unversionedBreak);
  if (
    plan.access.length > 0 ||
    flagged.length > 0 ||
    plan.remotes.some((r) => r.change !== 'added' && r.change !== 'removed')
  ) {
    out.push('', '### Needs attention', '');
    out.push(`- ${plan.access.filter((a) => a.change !== 'lost').length} access grant(s) added or changed`);
    out.push(`- ${flagged.length} breaking tool change(s) without a major version bump`);
    out.push(
      `- ${plan.remotes.filter((r) => r.change !== 'added' && r.change !== 'removed').length} third-party tool description(s) changed`,
    );
  }
  if (plan.access.length > 0) {
    out.push('', '### Access');
    let budget = detail.limit;
    for (const run of byTenant(plan.access)) {
      // Without tenants, the one table keeps its header even when no row fits (as before tenancy).
      if (budget <= 0 && run.title !== undefined) break;
      if (run.title !== undefined) out.push('', `#### ${md(run.title)}`);
      out.push('', '| | environment | subject | tool | access | zones |', '|---|---|---|---|---|---|');
      const rows = run.changes.slice(0, budget);
      budget -= rows.length;
      for (const c of rows) {
        const access =
          c.change === 'gained'
            ? `now: ${c.after}`
            : c.change === 'lost'
              ? `was: ${c.before}`
              : `${c.before} → ${c.after}`;
        out.push(
          `| ${c.change === 'gained' ? '🟢 gains' : c.change === 'lost' ? '🔴 loses' : '🟡 changes'} | ${c.environment} | ${code(c.subject)} | ${code(c.tool)} | ${md(access ?? '')} | ${c.zones.join(', ')} |`,
        );
      }
    }
    const shown = Math.min(plan.access.length, detail.limit);
    if (plan.access.length > shown) out.push('', `… and ${plan.access.length - shown} more access changes`);
  }
  if (plan.contracts.length > 0) {
    out.push('', '### Tool contracts', '');
    list(plan.contracts, (c) => `${c.unversionedBreak ? '⚠️ ' : ''}${md(contractLine(c))}`);
  }
  if (plan.remotes.length > 0) {
    out.push('', '### Third-party tools', '');
    list(
      plan.remotes,
      (r) => `${r.change === 'added' || r.change === 'removed' ? '' : '⚠️ '}${md(remoteLine(r))}`,
    );
  }
  out.push('', '### Files', '');
  for (const z of plan.zones) {
    out.push(`**${md(z.zone)}**${z.environment ? ` (${z.environment})` : ''}: ${md(zoneSummary(z))}`);
    if (z.imagesByTag.length > 0 && z.status !== 'removed') {
      out.push('', `Images by tag (no digest yet): ${z.imagesByTag.map(code).join(', ')}`);
    }
    out.push('');
    const files = z.files.slice(0, detail.limit);
    for (const f of files) {
      const sign = f.change === 'added' ? '➕' : f.change === 'removed' ? '➖' : '✏️';
      if (detail.diffs && f.diff) {
        out.push(
          `<details><summary>${sign} <code>${f.path.replace(/[<>&]/g, '_')}</code></summary>`,
          '',
          fence(f.diff),
          '',
          '</details>',
        );
      } else out.push(`- ${sign} ${code(f.path)}`);
    }
    if (z.files.length > files.length) out.push(`- … and ${z.files.length - files.length} more files`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
