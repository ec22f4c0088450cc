import type { Diagnostic, PathSegment } from '../../diagnostic.ts';
import { dottedPath } from '../../diagnostic.ts';
import type { PositionIndex } from '../../load/yaml-source.ts';
import type { RepoModel } from '../../model/types.ts';

/** What a semantic rule sees: the schema-valid model, and a way to report a problem at a field. */
export interface RuleContext {
  model: RepoModel;
  /** Files recognised as config that failed to load; rules must not report "missing" for their names. */
  rejectedFiles: ReadonlySet<string>;
  /** Parsed values of the documents that failed the schema (still worth scanning, e.g. for leaked secrets). */
  rejectedValues: readonly { file: string; value: unknown }[];
  report(
    file: string,
    path: readonly PathSegment[],
    rule: string,
    message: string,
    severity?: Diagnostic['severity'],
  ): void;
}

export type Rule = (ctx: RuleContext) => void;

export function makeRuleContext(
  model: RepoModel,
  positions: Map<string, PositionIndex>,
  rejected: readonly { file: string; value?: unknown }[],
  sink: Diagnostic[],
): RuleContext {
  return {
    model,
    rejectedFiles: new Set(rejected.map((r) => r.file)),
    rejectedValues: rejected
      .filter((r) => r.value !== undefined)
      .map((r) => ({ file: r.file, value: r.value })),
    report(file, path, rule, message, severity = 'error') {
      const pos = positions.get(file)?.at(path) ?? { line: 0, column: 0 };
      sink.push({ file, ...pos, path: dottedPath(path), rule, message, severity });
    },
  };
}

/** The name a config file's path implies: packs/<name>/pack.yaml, zones/<name>.yaml, policies/<name>.yaml, tenants/<name>.yaml. */
export function nameFromPath(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'packs') return parts[1] ?? '';
  return (parts[parts.length - 1] ?? '').replace(/\.ya?ml$/, '');
}
