/**
 * POST /v1/imports/openapi/suggestions: the model's suggestions for an import, from the same
 * requestSuggestions/applySuggestions `raku import openapi --ai` uses (what is sent is aiPayload's: names,
 * descriptions, methods, paths and argument names, never the document, base URLs or auth), mapped back to
 * the document's operations.
 */
import type { Pack } from '@raku/config';
import { applySuggestions, requestSuggestions } from '@raku/import';
import { analyzeSource, type ReadSource } from './import-source.ts';
import {
  AiUnavailableError,
  ImportInputError,
  type ImportSettings,
  type ImportSuggestions,
} from './types.ts';

/** The model's request failed or was refused: 502 ai_failed. */
export class AiFailedError extends Error {
  override readonly name = 'AiFailedError';
}

export async function suggestImport(
  read: ReadSource,
  ids: readonly string[] | undefined,
  settings: ImportSettings,
): Promise<ImportSuggestions> {
  const ai = settings.ai;
  if (!ai) {
    throw new AiUnavailableError(
      'no OpenAI or Azure OpenAI is configured on this gateway (OPENAI_API_KEY, or AZURE_OPENAI_ENDPOINT with AZURE_OPENAI_API_KEY and AZURE_OPENAI_DEPLOYMENT)',
    );
  }
  const analysis = analyzeSource(read);
  const byId = new Map(analysis.operations.map((op) => [op.id, op]));
  for (const [i, id] of (ids ?? []).entries()) {
    const op = byId.get(id);
    if (!op) throw new ImportInputError(`operations[${i}]: no operation "${id}" in the document`);
    if (!op.tool)
      throw new ImportInputError(`operations[${i}]: "${id}" cannot be imported: ${op.skipped?.reason}`);
  }
  const chosen = ids ? ids.map((id) => byId.get(id)!) : analysis.operations.filter((op) => op.selected);
  if (chosen.length === 0) throw new ImportInputError('operations: no importable operation to review');
  const pack: Pack = {
    name: read.name,
    version: analysis.pack.version,
    description: analysis.title || read.name,
    owner: '',
    ...(analysis.pack.toolPrefix ? { toolPrefix: analysis.pack.toolPrefix } : {}),
    upstream: {},
    tools: chosen.map((op) => op.tool!),
  };
  let answer: unknown;
  try {
    answer = await requestSuggestions(pack, ai);
  } catch (err) {
    throw new AiFailedError((err as Error).message);
  }
  const applied = applySuggestions(pack, answer);
  const reasons = approvalReasons(answer);
  const after = new Map(applied.pack.tools.map((t) => [t.name, t]));
  const selection = new Set(applied.suggestedSelection);
  const operations: ImportSuggestions['operations'] = [];
  for (const op of chosen) {
    const before = op.tool!;
    const now = after.get(before.name);
    if (!now) continue;
    const entry: ImportSuggestions['operations'][number] = { id: op.id };
    if (selection.size > 0) entry.selected = selection.has(before.name);
    if (now.description !== before.description) entry.description = now.description;
    if (now.sensitive === true && before.sensitive !== true) entry.sensitive = true;
    const reason = reasons.get(before.name);
    if (reason) entry.reason = reason;
    if (Object.keys(entry).length > 1) operations.push(entry);
  }
  return { model: ai.provider === 'azure' ? ai.deployment : ai.model, operations, role: null };
}

/** Per tool, the reason the model gave for requiring approvals (the answer is untrusted: read defensively). */
function approvalReasons(answer: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const approvals = (answer as { approvals?: unknown } | null)?.approvals;
  if (!Array.isArray(approvals)) return out;
  for (const a of approvals) {
    const tools = (a as { tools?: unknown })?.tools;
    const reason = (a as { reason?: unknown })?.reason;
    if (!Array.isArray(tools) || typeof reason !== 'string') continue;
    for (const t of tools) if (typeof t === 'string' && !out.has(t)) out.set(t, reason.slice(0, 500));
  }
  return out;
}
