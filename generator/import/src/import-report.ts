import type { Pack } from '@raku/config';
import type { ImportReport, SkipCode } from './build-pack.ts';
import { type ContractDiff, formatContractDiff } from './contract-diff.ts';

/** Operation lines are printed only up to this many operations not imported; past it, a summary by reason. */
const MAX_LISTED = 20;
/** Distinct reasons printed one by one; past it, reasons are grouped by their code. */
const MAX_REASONS = 12;
/** Warnings printed in text output; the rest are counted (all are in the JSON report). */
const MAX_WARNINGS = 20;
/**
 * Longest warning printed whole in text output (Microsoft Graph's list of the packs small tags share runs to
 * 12,000 characters); longer ones are cut there, and are whole in the JSON report.
 */
const MAX_WARNING_CHARS = 600;

/** One pack written (or that would be) by an import. */
export interface ReportedPack {
  name: string;
  /** The pack file, relative to the repository root. */
  path: string;
  version: string;
  tools: number;
  /** With --split-by: the tag the pack holds ("untagged" for operations without one), and its part. */
  group?: string;
  /** On re-import: the contract diff lines and the hand edits kept. */
  contractDiff?: string[];
  handEditsKept?: string[];
}

/**
 * The JSON import report (`raku import openapi --format json`, `--report <file>`). Its shape is stable and
 * documented in docs/import.md: add fields, never rename or remove them.
 */
export interface ImportReportJson {
  document: string;
  format: ImportReport['format'];
  operations: number;
  imported: number;
  notImported: number;
  split: { by: 'tag'; automatic: boolean } | null;
  packs: ReportedPack[];
  byReason: { code: SkipCode; reason: string; count: number }[];
  operationsImported: { method: string; path: string; operationId?: string; tool: string; pack: string }[];
  operationsNotImported: ImportReport['skipped'];
  warnings: string[];
  /** True when the packs were written (false on --dry-run or when validation failed). */
  written: boolean;
}

/** Counts of operations not imported, by exact reason, most frequent first. Pure. */
export function byReason(report: ImportReport): ImportReportJson['byReason'] {
  const counts = new Map<string, { code: SkipCode; reason: string; count: number }>();
  for (const s of report.skipped) {
    const entry = counts.get(s.reason) ?? { code: s.code, reason: s.reason, count: 0 };
    entry.count++;
    counts.set(s.reason, entry);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
}

/**
 * The JSON report of an import but for `written`: the counts, the packs (with their contract diff on
 * re-import) and, for each operation imported, the pack it went to (`name` when none). Pure.
 */
export function importReportJson(
  report: ImportReport,
  made: {
    /** The document as given: its URL, or its path relative to the working folder. */
    document: string;
    split: ImportReportJson['split'];
    packs: readonly { pack: Pack; packPath: string; group?: string; diff?: ContractDiff; kept: string[] }[];
    warnings: string[];
    name: string;
  },
): Omit<ImportReportJson, 'written'> {
  const toolPack = new Map<string, string>();
  for (const { pack } of made.packs) {
    for (const o of pack.source?.operations ?? []) toolPack.set(`${o.method} ${o.path}`, pack.name);
  }
  return {
    document: made.document,
    format: report.format,
    operations: report.operationCount,
    imported: report.imported.length,
    notImported: report.skipped.length,
    split: made.split,
    packs: made.packs.map((p) => ({
      name: p.pack.name,
      path: p.packPath,
      version: p.pack.version,
      tools: p.pack.tools.length,
      ...(p.group ? { group: p.group } : {}),
      ...(p.diff
        ? { contractDiff: formatContractDiff(p.diff).trimEnd().split('\n'), handEditsKept: p.kept }
        : {}),
    })),
    byReason: byReason(report),
    operationsImported: report.imported.map((o) => ({
      ...o,
      pack: toolPack.get(`${o.method} ${o.path}`) ?? made.name,
    })),
    operationsNotImported: report.skipped,
    warnings: made.warnings,
  };
}

/**
 * The text report: counts, then the operations not imported by reason. It stays short for any document:
 * operation lines only when few were left out, reasons grouped by code when there are many distinct ones,
 * warnings cut after 20; everything is in `--format json` / `--report <file>`.
 */
export function formatReport(report: ImportReport, bundled: boolean): string {
  const lines = [
    `${report.format} document${bundled ? ' (external $refs bundled)' : ''}: ${report.operationCount} operations, ${report.imported.length} imported, ${report.skipped.length} not imported`,
  ];
  const reasons = byReason(report);
  const listOps = report.skipped.length <= MAX_LISTED;
  if (reasons.length <= MAX_REASONS) {
    for (const r of reasons) {
      lines.push(`not imported (${r.count}): ${r.reason}`);
      if (listOps)
        for (const s of report.skipped.filter((x) => x.reason === r.reason)) lines.push(`  ${opLine(s)}`);
    }
  } else {
    const codes = new Map<SkipCode, { count: number; example: string; distinct: number }>();
    for (const r of reasons) {
      const c = codes.get(r.code) ?? { count: 0, example: r.reason, distinct: 0 };
      c.count += r.count;
      c.distinct++;
      codes.set(r.code, c);
    }
    for (const [code, c] of [...codes.entries()].sort((a, b) => b[1].count - a[1].count)) {
      lines.push(
        `not imported (${c.count}): ${code}${c.distinct > 1 ? ` (${c.distinct} distinct reasons), e.g. ${c.example}` : `: ${c.example}`}`,
      );
    }
  }
  if (!listOps || reasons.length > MAX_REASONS) {
    lines.push('every operation and its reason: --format json, or --report <file>');
  }
  return `${lines.join('\n')}\n`;
}

/** Warnings as text lines, the first 20 (each cut to 600 characters) and a count of the rest. */
export function formatWarnings(warnings: readonly string[]): string {
  const shown = warnings
    .slice(0, MAX_WARNINGS)
    .map((w) =>
      w.length <= MAX_WARNING_CHARS
        ? `warning: ${w}`
        : `warning: ${w.slice(0, MAX_WARNING_CHARS - 1)}… (${w.length} characters; whole: --format json, or --report <file>)`,
    );
  if (warnings.length > MAX_WARNINGS) {
    shown.push(`… ${warnings.length - MAX_WARNINGS} more warnings: --format json, or --report <file>`);
  }
  return shown.length > 0 ? `${shown.join('\n')}\n` : '';
}

function opLine(s: ImportReport['skipped'][number]): string {
  return `${s.method} ${s.path}${s.operationId ? ` (${s.operationId})` : ''}`;
}
