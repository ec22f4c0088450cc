/**
 * Shared by the monitoring tests: the example repository with a zone's monitoring edited, rendering, the
 * objects of a rendered file, and PromQL parsed with Prometheus's own grammar (@prometheus-io/lezer-promql).
 */
import { parser } from '@prometheus-io/lezer-promql';
import { expect } from 'vitest';
import { parseAllDocuments, parseDocument } from 'yaml';
import type { SourceFile } from '../../config/src/load/yaml-source.ts';
import type { RepoModel } from '../../config/src/model/types.ts';
import { validateRepo } from '../../config/src/validate/validate-repo.ts';
import { renderZone } from '../../render/src/generate/render-zone.ts';
import { type Edit, exampleFiles } from '../repo-fixture.ts';

const REVISION = '0123456789abcdef0123456789abcdef01234567';
export const ZONES = ['dev', 'prod', 'staging'];

// biome-ignore lint/suspicious/noExplicitAny: parsed manifests are walked by known paths in assertions
export type Obj = Record<string, any>;

/** The example repository with one file edited through the document model. */
export function edited(file: string, edit: Edit): SourceFile[] {
  return exampleFiles().map((f) => {
    if (f.path !== file) return f;
    const doc = parseDocument(Buffer.from(f.bytes).toString('utf8'));
    edit(doc);
    return { path: f.path, bytes: Buffer.from(doc.toString()) };
  });
}

/** The model of files that must validate without errors. */
export function modelOf(files: SourceFile[]): RepoModel {
  const result = validateRepo(files);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.model;
}

export const example = modelOf(exampleFiles());

/** The example repository with `zone`'s monitoring section set to `monitoring`. */
export const withMonitoring = (zone: string, monitoring: unknown) =>
  modelOf(edited(`zones/${zone}.yaml`, (d) => d.set('monitoring', d.createNode(monitoring))));

export function rendered(model: RepoModel, zone: string): Map<string, string> {
  return renderZone(model, zone, { revision: REVISION });
}

export function objects(files: Map<string, string>, file: string): Obj[] {
  const content = files.get(file);
  if (content === undefined) throw new Error(`${file} was not rendered`);
  return parseAllDocuments(content, { version: '1.1' }).map((d) => d.toJS() as Obj);
}

export function byKind(files: Map<string, string>, file: string, kind: string): Obj {
  const found = objects(files, file).find((o) => o['kind'] === kind);
  if (!found) throw new Error(`no ${kind} in ${file}`);
  return found;
}

/** Error nodes in the PromQL syntax tree (lezer recovers from errors by inserting them), as text. */
export function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError)
        errors.push(`error at ${node.from}: ${JSON.stringify(expr.slice(node.from, node.from + 20))}`);
    },
  });
  return errors;
}
