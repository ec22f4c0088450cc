/**
 * POST /v1/imports/openapi/analysis: every operation of a document with the tool `raku import openapi` makes
 * of it or why it is skipped (@raku/import's analyzeOpenApi, the CLI's own code path), and the pack of that
 * name already in the config repository.
 */
import type { SourceFile } from '@raku/config';
import { parseCommittedPack } from '@raku/import';
import { parse as parseYaml } from 'yaml';
import { analyzeSource, type ReadSource } from './import-source.ts';
import type { ImportAnalysis, ImportOperation } from './types.ts';

export function analyzeImport(
  read: ReadSource,
  repoFiles: readonly SourceFile[] | undefined,
): ImportAnalysis {
  const analysis = analyzeSource(read);
  const operations = analysis.operations.map(
    (op): ImportOperation => ({
      id: op.id,
      method: op.method,
      path: op.path,
      operationId: op.operationId ?? null,
      summary: op.summary ?? null,
      tags: op.tags,
      deprecated: op.deprecated,
      selected: op.selected,
      tool: op.tool
        ? {
            name: op.tool.name,
            description: op.tool.description,
            inputSchema: op.tool.inputSchema,
            annotations: (op.tool.annotations as Record<string, unknown> | undefined) ?? null,
            sensitive: op.tool.sensitive === true,
          }
        : null,
      skipped: op.skipped ?? null,
    }),
  );
  const importable = operations.filter((o) => o.tool).length;
  return {
    documentSha256: read.sha256,
    title: analysis.title,
    version: analysis.version,
    format: analysis.format,
    pack: { name: analysis.pack.name, version: analysis.pack.version, baseUrl: analysis.pack.baseUrl },
    authSchemes: analysis.authSchemes,
    operations,
    counts: {
      operations: operations.length,
      importable,
      skipped: operations.length - importable,
      selected: operations.filter((o) => o.selected).length,
    },
    existingPack: repoFiles ? existingPack(read.name, repoFiles) : null,
    warnings: analysis.warnings,
  };
}

/** The pack file of `name` in the repository, if any. */
export function committedPackFile(name: string, files: readonly SourceFile[]): SourceFile | undefined {
  return files.find(
    (f) => !f.refused && (f.path === `packs/${name}/pack.yaml` || f.path === `packs/${name}/pack.yml`),
  );
}

function existingPack(name: string, files: readonly SourceFile[]): ImportAnalysis['existingPack'] {
  const file = committedPackFile(name, files);
  if (!file) return null;
  let version = '';
  try {
    const pack = parseCommittedPack(file.bytes, file.path);
    version = typeof pack.version === 'string' ? pack.version : '';
  } catch {
    // a pack file that does not read: still a pack of that name
  }
  return { name, version, zones: zonesWithPack(name, files) };
}

/** The zones whose `packs` list names the pack, by zone name. */
export function zonesWithPack(name: string, files: readonly SourceFile[]): string[] {
  const zones: string[] = [];
  for (const file of files) {
    const m = /^zones\/([^/]+)\.ya?ml$/.exec(file.path);
    if (!m || file.refused) continue;
    const zone = readYaml(file.bytes);
    const packs = zone?.['packs'];
    if (!Array.isArray(packs)) continue;
    const listed = packs.some(
      (p) => p && typeof p === 'object' && (p as Record<string, unknown>)['name'] === name,
    );
    if (listed) zones.push(typeof zone?.['name'] === 'string' ? (zone['name'] as string) : (m[1] as string));
  }
  return zones.sort();
}

function readYaml(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value = parseYaml(Buffer.from(bytes).toString('utf8'), { maxAliasCount: 100 });
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
