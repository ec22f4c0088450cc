import path from 'node:path';
import type { Diagnostic, Pack } from '@raku/config';
import { countBySeverity, readRepoFiles, sha256Hex, UserError } from '@raku/config';
import { type AiEnrichment, enrichPack } from './ai/enrich-pack.ts';
import type { AiConfig } from './ai/openai-enricher.ts';
import {
  type ImportOptions,
  type ImportReport,
  importOpenApi,
  importUnlessOverCap,
  type Selection,
} from './build-pack.ts';
import type { ContractDiff } from './contract-diff.ts';
import { snapshotFileName } from './import-draft.ts';
import { checkPacks, generatePack } from './import-pack.ts';
import { type ImportReportJson, importReportJson } from './import-report.ts';
import { type PackFolderWrite, readCommittedPack, readSnapshot } from './pack-folder.ts';
import { readOpenApiDocument } from './read-document.ts';
import { importOpenApiSplit } from './split-by-tag.ts';
import { documentForPack } from './split-document.ts';

/** What `raku import openapi` asks for, already parsed. */
export interface ImportOpenApiOptions {
  /** The document: a file (local `$ref`s bundled), relative to `cwd`, or with `allowRemote` an http(s) URL. */
  document: string;
  /** Repository root: packs go to <root>/packs/<name>, and its config is read to validate them in place. */
  root: string;
  /** Folder `document` and `out` are relative to, and that the report's document path is relative to. */
  cwd: string;
  /** Pack name; with a split, the prefix of every pack's name. */
  name: string;
  /** Owning team; required for a new pack, else the committed pack's. */
  owner?: string;
  include: readonly string[];
  exclude: readonly string[];
  maxTools: number;
  /**
   * True when the selection was made by hand (include, exclude or max tools given): an import over the cap is
   * then cut at the cap, not split by tag.
   */
  selectedByHand: boolean;
  includeDeprecated?: boolean;
  baseUrl?: string;
  toolPrefix?: string;
  /** Allow fetching the document and its `$ref`s over http(s). Default false (SSRF). */
  allowRemote?: boolean;
  /** The pack folder of a single pack, relative to `cwd`. Default <root>/packs/<name>. */
  out?: string;
  /** Split by tag even under the cap. */
  splitBy?: 'tag';
  /** Improve the pack with OpenAI / Azure OpenAI (one pack only). */
  ai?: AiConfig;
}

/** One pack the import made: the folder to write, and what the report says about it. */
export interface ImportedPack {
  pack: Pack;
  /** The pack file, relative to the repository root. */
  packPath: string;
  /** Set on re-import: the tool contract change against the committed pack, and its version. */
  diff?: ContractDiff;
  committedVersion?: string;
  /** Hand-edited fields kept on re-import ('<tool>.<field>'). */
  kept: string[];
  /** With a split: the tag or tags the pack holds. */
  group?: string;
  /** The repository's diagnostics for this pack's file, validated in place; an error and nothing may be written. */
  diagnostics: Diagnostic[];
  write: PackFolderWrite;
}

/** What an import made; nothing is written yet (writeImport writes it, unless `errors` > 0). */
export interface ImportOpenApiResult {
  report: ImportReport;
  /** True when local external `$ref`s were bundled into the document. */
  bundled: boolean;
  split: ImportReportJson['split'];
  packs: ImportedPack[];
  /** The report's warnings and those of checking the packs (prefixed by the pack name in a split). */
  warnings: string[];
  /** Errors of all packs validated in the repository: any, and nothing may be written. */
  errors: number;
  ai?: AiEnrichment;
  /** The JSON report but for `written`. */
  json: Omit<ImportReportJson, 'written'>;
}

/**
 * Imports an OpenAPI / Swagger document as one pack, or split by tag (asked for, or when over the cap with
 * nothing selected by hand): reads the document and the repository, merges with the committed packs
 * (keeping hand edits, diffing the tool contract), enriches with `--ai`, and validates all packs in one pass
 * over the repository. Writes nothing. Throws a UserError for bad input (no owner for a new pack, a document
 * that does not read or imports nothing, --ai or --out with a split).
 */
export async function importOpenApiPacks(options: ImportOpenApiOptions): Promise<ImportOpenApiResult> {
  const { root, cwd } = options;
  const source = /^https?:\/\//i.test(options.document)
    ? options.document
    : path.resolve(cwd, options.document);
  const read = await readOpenApiDocument(source, { allowRemote: options.allowRemote === true });
  const snapshotName = snapshotFileName(read.bytes);
  const importOptions: ImportOptions = {
    name: options.name,
    owner: options.owner ?? '',
    include: options.include,
    exclude: options.exclude,
    maxTools: options.maxTools,
    ...(options.includeDeprecated ? { includeDeprecated: true } : {}),
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    ...(options.toolPrefix ? { toolPrefix: options.toolPrefix } : {}),
    ...(read.url ? { documentUrl: read.url } : {}),
    sourceDocument: snapshotName,
    sha256: read.sha256,
  };

  // One pack, unless asked to split, or over the cap with nothing selected by hand.
  let split: ImportReportJson['split'] = options.splitBy === 'tag' ? { by: 'tag', automatic: false } : null;
  let single: { pack: Pack; report: ImportReport } | undefined;
  // Over the cap and to be split: the selection already made, so the split does not select again.
  let overCap: Selection | undefined;
  if (!split) {
    const first = importUnlessOverCap(read.doc, importOptions);
    if (!first.overCap) single = { pack: first.pack, report: first.report };
    else if (options.selectedByHand) single = importOpenApi(read.doc, importOptions);
    else {
      split = { by: 'tag', automatic: true };
      overCap = first.selection;
    }
  }
  if (split && options.ai)
    throw new UserError('--ai works on one pack: select with --include instead of splitting');
  if (split && options.out)
    throw new UserError('--out names one pack folder: it cannot be used with --split-by');

  const units: Unit[] = [];
  let report: ImportReport;
  if (split) {
    const result = importOpenApiSplit(read.doc, importOptions, overCap);
    report = result.report;
    for (const { pack, group } of result.packs) {
      const bytes = Buffer.from(JSON.stringify(documentForPack(read.doc, pack)));
      pack.source = {
        ...(pack.source as NonNullable<Pack['source']>),
        document: 'openapi.json',
        sha256: sha256Hex(bytes),
      };
      units.push({
        imported: { pack, report: { ...report, imported: [], skipped: [], warnings: [] } },
        dir: path.join(root, 'packs', pack.name),
        packPath: `packs/${pack.name}/pack.yaml`,
        snapshot: { name: 'openapi.json', bytes },
        group,
      });
    }
  } else {
    const imported = single as { pack: Pack; report: ImportReport };
    report = imported.report;
    units.push({
      imported,
      dir: path.resolve(cwd, options.out ?? path.join(root, 'packs', options.name)),
      packPath: `packs/${options.name}/pack.yaml`,
      snapshot: { name: snapshotName, bytes: read.bytes },
    });
  }

  // First every pack generated (and with --ai enriched), then all checked in one validation of the repository.
  const repoFiles = await readRepoFiles(root);
  let ai: AiEnrichment | undefined;
  const generated: (Omit<ImportedPack, 'write' | 'diagnostics'> & { unit: Unit; committed?: Pack })[] = [];
  for (const unit of units) {
    const committed = await readCommittedPack(path.join(unit.dir, 'pack.yaml'));
    const previousDoc = committed ? await readSnapshot(unit.dir, committed) : undefined;
    const owner = options.owner ?? committed?.owner;
    if (!owner) throw new UserError('--owner <team> is required for a new pack');
    unit.imported.pack.owner = owner;
    const made = generatePack({
      doc: read.doc,
      options: { ...importOptions, name: unit.imported.pack.name, owner },
      imported: unit.imported,
      ...(committed ? { committed } : {}),
      ...(previousDoc ? { previousDoc } : {}),
    });
    let pack = made.pack;
    if (options.ai) {
      const enriched = await enrichPack(pack, made.kept, options.ai, repoFiles, unit.packPath);
      pack = enriched.pack;
      ai = enriched.enrichment;
    }
    generated.push({
      unit,
      pack,
      packPath: unit.packPath,
      kept: made.kept,
      ...(made.diff ? { diff: made.diff, committedVersion: committed?.version as string } : {}),
      ...(unit.group ? { group: unit.group } : {}),
      ...(committed ? { committed } : {}),
    });
  }
  const checked = checkPacks(
    generated.map(({ pack, packPath }) => ({ pack, packPath })),
    repoFiles,
  );

  const packs: ImportedPack[] = [];
  const checkWarnings: string[] = [];
  let errors = 0;
  for (const [i, { unit, committed, ...made }] of generated.entries()) {
    const check = checked[i] as (typeof checked)[number];
    checkWarnings.push(...check.warnings.map((w) => (split ? `${made.pack.name}: ${w}` : w)));
    errors += countBySeverity(check.diagnostics).errors;
    const old = committed?.source?.document;
    packs.push({
      ...made,
      diagnostics: check.diagnostics,
      write: {
        dir: unit.dir,
        yaml: check.yaml,
        snapshot: unit.snapshot,
        // The document changed format (YAML → JSON): the old snapshot goes.
        ...(old && old !== unit.snapshot.name && /^openapi\.(json|ya?ml)$/.test(old)
          ? { replaces: old }
          : {}),
      },
    });
  }
  const warnings = [...report.warnings, ...checkWarnings];
  return {
    report,
    bundled: read.bundled,
    split,
    packs,
    warnings,
    errors,
    ...(ai ? { ai } : {}),
    json: importReportJson(report, {
      document: read.url ?? path.relative(cwd, source),
      split,
      packs,
      warnings,
      name: options.name,
    }),
  };
}

/** One pack an import makes, before it is generated: where, and the snapshot of the document beside it. */
interface Unit {
  imported: { pack: Pack; report: ImportReport };
  dir: string;
  packPath: string;
  snapshot: { name: string; bytes: Uint8Array };
  group?: string;
}
