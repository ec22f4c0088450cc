import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type AiConfig, aiConfigFromEnv, ConfigError, formatDiagnostics, UserError } from '@raku/config';
import {
  type AiEnrichment,
  formatContractDiff,
  formatReport,
  formatWarnings,
  type ImportOpenApiResult,
  type ImportReportJson,
  importA2aPack,
  importOpenApiPacks,
  SMALL_TAG_OPERATIONS,
  writeImport,
} from '@raku/import';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { globalOptions } from './options.ts';

export interface ImportCliOptions {
  name: string;
  owner?: string;
  include: string[];
  exclude: string[];
  maxTools: string;
  includeDeprecated?: boolean;
  baseUrl?: string;
  toolPrefix?: string;
  allowRemote?: boolean;
  out?: string;
  ai?: boolean;
  dryRun?: boolean;
  splitBy?: string;
  format: string;
  report?: string;
}

/** --ai configuration from the environment (the only place the CLI reads it): @raku/config's aiConfigFromEnv, as the gateway reads it. */
function aiConfig(env: Readonly<Record<string, string | undefined>>): AiConfig {
  const config = aiConfigFromEnv(env);
  if (!config) {
    throw new UserError(
      '--ai needs OPENAI_API_KEY (OpenAI) or AZURE_OPENAI_ENDPOINT + AZURE_OPENAI_API_KEY + AZURE_OPENAI_DEPLOYMENT (Azure)',
    );
  }
  return config;
}

/** `raku import openapi`: parses the options, imports (importOpenApiPacks), reports, and writes unless told not to. */
export async function runImportOpenApi(
  document: string,
  opts: ImportCliOptions,
  cmd: Command,
  ctx: CliContext,
): Promise<void> {
  if (opts.format !== 'text' && opts.format !== 'json') {
    throw new UserError(`--format must be text or json, not "${opts.format}"`);
  }
  if (opts.splitBy !== undefined && opts.splitBy !== 'tag') {
    throw new UserError(`--split-by must be "tag", not "${opts.splitBy}"`);
  }
  const json = opts.format === 'json';
  const say = (text: string) => {
    if (!json) ctx.stdout(text);
  };
  const root = path.resolve(ctx.cwd, globalOptions(cmd).root);
  const maxTools = Number(opts.maxTools);
  const result = await importOpenApiPacks({
    document,
    root,
    cwd: ctx.cwd,
    name: opts.name,
    include: opts.include,
    exclude: opts.exclude,
    maxTools,
    selectedByHand:
      opts.include.length > 0 ||
      opts.exclude.length > 0 ||
      cmd.getOptionValueSource('maxTools') !== 'default',
    ...(opts.owner !== undefined ? { owner: opts.owner } : {}),
    ...(opts.includeDeprecated ? { includeDeprecated: true } : {}),
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
    ...(opts.toolPrefix ? { toolPrefix: opts.toolPrefix } : {}),
    ...(opts.allowRemote ? { allowRemote: true } : {}),
    ...(opts.out ? { out: opts.out } : {}),
    ...(opts.splitBy === 'tag' ? { splitBy: 'tag' as const } : {}),
    ...(opts.ai ? { ai: aiConfig(ctx.env) } : {}),
  });

  if (result.ai) say(formatEnrichment(result.ai));
  say(formatImport(result, maxTools));
  const emit = async (written: boolean) => {
    const report: ImportReportJson = { ...result.json, written };
    const body = `${JSON.stringify(report, null, 2)}\n`;
    if (json) ctx.stdout(body);
    if (opts.report) await writeFile(path.resolve(ctx.cwd, opts.report), body);
  };

  if (result.errors > 0) {
    await emit(false);
    ctx.stderr(
      result.packs
        .filter((p) => p.diagnostics.some((d) => d.severity === 'error'))
        .map((p) => formatDiagnostics(p.diagnostics, 'text', 1))
        .join(''),
    );
    throw new ConfigError(result.errors);
  }
  if (opts.dryRun) {
    await emit(false);
    const files = result.json.packs.map((r) => `${r.path} would have ${r.tools} tools`).join(', ');
    say(`\ndry run: nothing written (${files})\n`);
    return;
  }
  say('\n');
  const written = await writeImport(result, root);
  for (const w of written.packs) {
    say(
      `wrote ${path.relative(ctx.cwd, w.packFile)} (${w.tools} tools) and ${path.relative(ctx.cwd, w.snapshotFile)}\n`,
    );
  }
  if (result.ai?.draftPolicy) {
    say(`wrote the draft policy ${result.ai.draftPolicy.path} (review it before merging)\n`);
  }
  await emit(true);
}

/** The text of `--ai`: the suggestions applied, those dropped, the groups and selection, the draft policy dropped. */
function formatEnrichment(ai: AiEnrichment): string {
  const lines = [`\n--ai suggestions applied (${ai.changes.length}):`];
  for (const c of ai.changes) lines.push(`  ${c}`);
  for (const w of ai.warnings) lines.push(`warning: --ai: ${w}`);
  for (const g of ai.groups) lines.push(`  group ${g.name}: ${g.tools.join(', ')}`);
  if (ai.suggestedSelection.length > 0) {
    lines.push(`  suggested selection: ${ai.suggestedSelection.join(', ')}`);
    if (ai.suggestedOperations.length > 0) {
      lines.push(
        `  to import only those: ${ai.suggestedOperations.map((id) => `--include 'op:${id}'`).join(' ')}`,
      );
    }
  }
  if (ai.draftPolicyDropped !== undefined)
    lines.push(`warning: --ai: draft policy dropped: ${ai.draftPolicyDropped}`);
  return `${lines.join('\n')}\n`;
}

/** The text report: counts and what was left out, the split, the warnings and each pack's contract diff. */
function formatImport(result: ImportOpenApiResult, maxTools: number): string {
  const { report, split } = result;
  let text = formatReport(report, result.bundled);
  if (split) {
    const selected =
      report.imported.length +
      report.skipped.filter((s) => s.code !== 'filtered' && s.code !== 'deprecated').length;
    text += split.automatic
      ? `split by tag: the ${selected} operations selected are over the cap of ${maxTools} tools for one pack, so they were split by tag, tags of fewer than ${SMALL_TAG_OPERATIONS} operations sharing packs (choose with --include, or raise --max-tools, to get one pack): ${result.packs.length} packs\n`
      : `split by tag: ${result.packs.length} packs\n`;
  }
  text += formatWarnings(result.warnings);
  for (const p of result.packs) {
    if (!p.diff) continue;
    text += `\ntool contract diff against the committed pack${split ? ` ${p.pack.name}` : ''} (${p.committedVersion} → ${p.pack.version}):\n`;
    text += formatContractDiff(p.diff);
    if (p.kept.length > 0) text += `hand edits kept: ${p.kept.join(', ')}\n`;
  }
  return text;
}

export interface ImportA2aCliOptions {
  name: string;
  owner?: string;
  cardUrl?: string;
  toolPrefix?: string;
  out?: string;
  dryRun?: boolean;
}

/** `raku import a2a`: imports the card (importA2aPack), reports, and writes unless told not to. */
export async function runImportA2a(
  card: string,
  opts: ImportA2aCliOptions,
  cmd: Command,
  ctx: CliContext,
): Promise<void> {
  const root = path.resolve(ctx.cwd, globalOptions(cmd).root);
  const result = await importA2aPack({
    source: card,
    root,
    cwd: ctx.cwd,
    name: opts.name,
    ...(opts.owner !== undefined ? { owner: opts.owner } : {}),
    ...(opts.cardUrl !== undefined ? { cardUrl: opts.cardUrl } : {}),
    ...(opts.toolPrefix !== undefined ? { toolPrefix: opts.toolPrefix } : {}),
    ...(opts.out !== undefined ? { out: opts.out } : {}),
  });
  let text = `${result.packPath}: ${result.pack.tools.length} tools from the skills of "${result.pack.title}" (calls ${result.interface})\n`;
  text += formatWarnings(result.warnings);
  if (result.diff) {
    text += `\ntool contract diff against the committed pack (${result.committedVersion} → ${result.pack.version}):\n`;
    text += formatContractDiff(result.diff);
  }
  ctx.stdout(text);
  if (result.errors > 0) {
    ctx.stderr(formatDiagnostics(result.diagnostics, 'text', 1));
    throw new ConfigError(result.errors);
  }
  if (opts.dryRun) {
    ctx.stdout('\ndry run: nothing written\n');
    return;
  }
  const written = await writeImport({ errors: 0, packs: result.packs }, root);
  for (const w of written.packs) {
    ctx.stdout(
      `wrote ${path.relative(ctx.cwd, w.packFile)} (${w.tools} tools) and ${path.relative(ctx.cwd, w.snapshotFile)}\n`,
    );
  }
}
