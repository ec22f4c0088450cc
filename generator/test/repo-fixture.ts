import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { SourceFile } from '../config/src/load/yaml-source.ts';
import { runCli } from './helpers/run-cli.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

const EXAMPLE_FILES = [
  'packs/github-issues/pack.yaml',
  'packs/petstore/pack.yaml',
  'packs/open-meteo/pack.yaml',
  'packs/currency-agent/pack.yaml',
  'packs/payments-crm/pack.yaml',
  'packs/support-crm/pack.yaml',
  'zones/dev.yaml',
  'zones/staging.yaml',
  'zones/prod.yaml',
  'policies/default.yaml',
  'policies/local-dev.yaml',
  'policies/payments.yaml',
  'policies/support.yaml',
  'tenants/payments.yaml',
  'tenants/support.yaml',
];

/** The repository's own example content, as the loader sees it. */
export function exampleFiles(): SourceFile[] {
  return EXAMPLE_FILES.map((p) => ({ path: p, bytes: readFileSync(path.join(REPO_ROOT, p)) }));
}

export type Edit = (doc: ReturnType<typeof parseDocument>) => void;

/** The example files with one document edited through the YAML document model (comments and layout kept). */
export function editedExample(file: string, edit: Edit): SourceFile[] {
  return exampleFiles().map((f) => {
    if (f.path !== file) return f;
    const doc = parseDocument(Buffer.from(f.bytes).toString('utf8'));
    edit(doc);
    return { path: f.path, bytes: Buffer.from(doc.toString()) };
  });
}

/** A temporary copy of the example repository's config folders (the caller removes it). */
export function copyExampleRepo(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  for (const sub of ['packs', 'zones', 'policies', 'tenants'])
    cpSync(path.join(REPO_ROOT, sub), path.join(dir, sub), { recursive: true });
  return dir;
}

/** Runs the raku CLI in-process; `out`/`err` are what it printed. */
export async function runRaku(
  args: readonly string[],
  cwd: string = REPO_ROOT,
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  const r = await runCli(args, env, cwd);
  return { code: r.code, out: r.stdout, err: r.stderr };
}
