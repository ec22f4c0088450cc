import type { Diagnostic, Pack, SourceFile } from '@raku/config';
import { validateRepo } from '@raku/config';
import { type ImportOptions, type ImportReport, importOpenApi } from './build-pack.ts';
import { type ContractDiff, contractDiff } from './contract-diff.ts';
import { fitToLimits } from './fit-limits.ts';
import { mergeReimport } from './merge.ts';
import type { OpenApiDocument } from './openapi-document.ts';

export interface GenerateInput {
  doc: OpenApiDocument;
  options: ImportOptions;
  /** The pack already committed at the destination, for a re-import. */
  committed?: Pack;
  /** The document the committed pack was generated from (its snapshot, sha256 checked by the caller). */
  previousDoc?: OpenApiDocument;
  /** The import already made (one pack of a split import); else `importOpenApi` is run here. */
  imported?: { pack: Pack; report: ImportReport };
}

export interface Generated {
  pack: Pack;
  report: ImportReport;
  /** Set on re-import: the tool contract change against the committed pack. */
  diff?: ContractDiff;
  /** Hand-edited fields kept on re-import ('<tool>.<field>'). */
  kept: string[];
}

/** Document → pack (merged with the committed one on re-import). Pure. */
export function generatePack(input: GenerateInput): Generated {
  const { pack, report } = input.imported ?? importOpenApi(input.doc, input.options);
  if (!input.committed) return { pack, report, kept: [] };
  let previous: Pack | undefined;
  if (input.previousDoc) {
    try {
      previous = importOpenApi(input.previousDoc, {
        ...input.options,
        include: [],
        exclude: [],
        maxTools: 2000,
        includeDeprecated: true,
      }).pack;
    } catch {
      report.warnings.push(
        'the previous document no longer imports: every committed title/description/annotation is kept',
      );
    }
  } else {
    report.warnings.push(
      'no snapshot of the previous document: committed titles, descriptions, annotations and sensitive flags are all kept',
    );
  }
  const merged = mergeReimport(input.committed, pack, previous);
  return { pack: merged.pack, report, diff: contractDiff(input.committed, merged.pack), kept: merged.kept };
}

export interface CheckedPack {
  yaml: string;
  /** Every diagnostic of the repository with the new pack in place, for this pack's file. */
  diagnostics: Diagnostic[];
  warnings: string[];
}

/**
 * Fits the pack into one file and validates the repository with it in place (references from zones and
 * policies included). The caller writes nothing unless `diagnostics` has no error. Pure over file contents.
 */
export function checkPack(pack: Pack, packPath: string, repoFiles: readonly SourceFile[]): CheckedPack {
  const { yaml, warnings } = fitToLimits(pack);
  const files = [
    ...repoFiles.filter((f) => f.path !== packPath),
    { path: packPath, bytes: Buffer.from(yaml) },
  ];
  const result = validateRepo(files);
  return { yaml, diagnostics: result.diagnostics.filter((d) => d.file === packPath), warnings };
}

/**
 * `checkPack` for several packs at once (the packs of a split import): each fitted into one file, then the
 * repository validated once with all of them in place, instead of once per pack (which parses the whole
 * repository again for every pack, and misses conflicts between the new packs). Diagnostics are given per
 * pack, for its own file. Pure over file contents.
 */
export function checkPacks(
  packs: readonly { pack: Pack; packPath: string }[],
  repoFiles: readonly SourceFile[],
): CheckedPack[] {
  const fitted = packs.map(({ pack, packPath }) => ({ packPath, ...fitToLimits(pack) }));
  const paths = new Set(fitted.map((f) => f.packPath));
  const files = [
    ...repoFiles.filter((f) => !paths.has(f.path)),
    ...fitted.map((f) => ({ path: f.packPath, bytes: Buffer.from(f.yaml) })),
  ];
  const diagnostics = validateRepo(files).diagnostics;
  return fitted.map((f) => ({
    yaml: f.yaml,
    diagnostics: diagnostics.filter((d) => d.file === f.packPath),
    warnings: f.warnings,
  }));
}
