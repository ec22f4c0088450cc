import type { Pack, SourceFile } from '@raku/config';
import { validateRepo } from '@raku/config';
import { serializePolicy } from '../serialize-pack.ts';
import { type AiConfig, requestSuggestions } from './openai-enricher.ts';
import { type AppliedSuggestions, applySuggestions } from './suggestions.ts';

/** What `--ai` did to a pack: the suggestions applied, and the draft policy when one validates. */
export interface AiEnrichment {
  /** Field changes as a reviewable diff: '<tool>.<field>: <old> → <new>'. */
  changes: string[];
  /** Suggestions dropped, and why. */
  warnings: string[];
  groups: AppliedSuggestions['groups'];
  suggestedSelection: string[];
  /** The operation ids of the suggested selection, for `--include 'op:<id>'`. */
  suggestedOperations: string[];
  /** A draft policy (repository path and YAML) requiring approvals, kept only when the repository validates with it. */
  draftPolicy?: { path: string; yaml: string };
  /** Why the model's draft policy was dropped (the first error of the repository with it in place). */
  draftPolicyDropped?: string;
}

/**
 * Asks the model (OpenAI or Azure OpenAI) for better descriptions, flags, groups and a selection, applies the
 * valid suggestions to the pack (never over the fields in `handEdited`) and checks the draft policy against
 * the repository's files, with `packPath` left out (the pack is not there yet).
 */
export async function enrichPack(
  input: Pack,
  handEdited: readonly string[],
  config: AiConfig,
  repoFiles: readonly SourceFile[],
  packPath: string,
): Promise<{ pack: Pack; enrichment: AiEnrichment }> {
  const applied = applySuggestions(input, await requestSuggestions(input, config), new Set(handEdited));
  const pack = applied.pack;
  const ids = new Map((pack.source?.operations ?? []).map((o) => [o.tool, o.operationId]));
  const enrichment: AiEnrichment = {
    changes: applied.changes,
    warnings: applied.warnings,
    groups: applied.groups,
    suggestedSelection: applied.suggestedSelection,
    suggestedOperations: applied.suggestedSelection
      .map((t) => ids.get(t))
      .filter((id): id is string => id !== undefined),
  };
  if (!applied.draftPolicy) return { pack, enrichment };
  const policyPath = `policies/${applied.draftPolicy.name}.yaml`;
  const yaml = serializePolicy(applied.draftPolicy);
  const policyCheck = validateRepo([
    ...repoFiles.filter((f) => f.path !== policyPath && f.path !== packPath),
    { path: policyPath, bytes: Buffer.from(yaml) },
  ]).diagnostics.filter((d) => d.file === policyPath && d.severity === 'error');
  if (policyCheck.length === 0)
    return { pack, enrichment: { ...enrichment, draftPolicy: { path: policyPath, yaml } } };
  return { pack, enrichment: { ...enrichment, draftPolicyDropped: String(policyCheck[0]?.message) } };
}
