import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Pack } from '@raku/config';
import {
  ConfigError,
  countBySeverity,
  formatDiagnostics,
  parseYamlSource,
  readRepoFiles,
  sha256Hex,
  UserError,
  validateRepo,
} from '@raku/config';
import {
  type AiConfig,
  applySuggestions,
  byReason,
  checkPacks,
  documentForPack,
  formatContractDiff,
  formatReport,
  formatWarnings,
  generatePack,
  type ImportOptions,
  type ImportReport,
  type ImportReportJson,
  importOpenApi,
  importOpenApiSplit,
  type OpenApiDocument,
  parseDocument,
  type ReportedPack,
  readOpenApiDocument,
  requestSuggestions,
  serializePolicy,
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

/** One pack an import writes: where, what, and the snapshot of the document beside it. */
interface PackUnit {
  imported: { pack: Pack; report: ImportReport };
  outDir: string;
  packPath: string;
  snapshot: { name: string; bytes: Uint8Array };
  group?: string;
}

/** `--ai`: suggestions applied to the pack, printed; a draft policy kept only when it validates. */
async function enrich(
  input: Pack,
  kept: string[],
  ctx: CliContext,
  repoFiles: Awaited<ReturnType<typeof readRepoFiles>>,
  packPath: string,
  say: (text: string) => void,
): Promise<{ pack: Pack; draftPolicy?: { path: string; yaml: string } }> {
  const config = aiConfigFromEnv(ctx.env);
  const applied = applySuggestions(input, await requestSuggestions(input, config), new Set(kept));
  const pack = applied.pack;
  say(`\n--ai suggestions applied (${applied.changes.length}):\n`);
  for (const c of applied.changes) say(`  ${c}\n`);
  for (const w of applied.warnings) say(`warning: --ai: ${w}\n`);
  for (const g of applied.groups) say(`  group ${g.name}: ${g.tools.join(', ')}\n`);
  if (applied.suggestedSelection.length > 0) {
    say(`  suggested selection: ${applied.suggestedSelection.join(', ')}\n`);
    const ids = new Map((pack.source?.operations ?? []).map((o) => [o.tool, o.operationId]));
    const filters = applied.suggestedSelection.map((t) => ids.get(t)).filter((id) => id !== undefined);
    if (filters.length > 0) {
      say(`  to import only those: ${filters.map((id) => `--include 'op:${id}'`).join(' ')}\n`);
    }
  }
  if (!applied.draftPolicy) return { pack };
  const policyPath = `policies/${applied.draftPolicy.name}.yaml`;
  const yaml = serializePolicy(applied.draftPolicy);
  const policyCheck = validateRepo([
    ...repoFiles.filter((f) => f.path !== policyPath && f.path !== packPath),
    { path: policyPath, bytes: Buffer.from(yaml) },
  ]).diagnostics.filter((d) => d.file === policyPath && d.severity === 'error');
  if (policyCheck.length === 0) return { pack, draftPolicy: { path: policyPath, yaml } };
  say(`warning: --ai: draft policy dropped: ${policyCheck[0]?.message}\n`);
  return { pack };
}

/**
 * --ai configuration from the environment (the only place it is read). Azure OpenAI when
 * AZURE_OPENAI_ENDPOINT is set (with AZURE_OPENAI_API_KEY, AZURE_OPENAI_DEPLOYMENT, OPENAI_API_VERSION),
 * else OpenAI (OPENAI_API_KEY, optional OPENAI_BASE_URL, RAKU_AI_MODEL).
 */
export function aiConfigFromEnv(env: Readonly<Record<string, string | undefined>>): AiConfig {
  if (env['AZURE_OPENAI_ENDPOINT']) {
    const missing = ['AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_DEPLOYMENT'].filter((k) => !env[k]);
    if (missing.length > 0) throw new UserError(`--ai with Azure OpenAI needs ${missing.join(' and ')}`);
    return {
      provider: 'azure',
      endpoint: env['AZURE_OPENAI_ENDPOINT'],
      apiKey: env['AZURE_OPENAI_API_KEY'] as string,
      deployment: env['AZURE_OPENAI_DEPLOYMENT'] as string,
      apiVersion: env['OPENAI_API_VERSION'] ?? env['AZURE_OPENAI_API_VERSION'] ?? '2024-10-21',
    };
  }
  if (!env['OPENAI_API_KEY']) {
    throw new UserError(
      '--ai needs OPENAI_API_KEY (OpenAI) or AZURE_OPENAI_ENDPOINT + AZURE_OPENAI_API_KEY + AZURE_OPENAI_DEPLOYMENT (Azure)',
    );
  }
  return {
    provider: 'openai',
    apiKey: env['OPENAI_API_KEY'],
    model: env['RAKU_AI_MODEL'] ?? 'gpt-4.1-mini',
    ...(env['OPENAI_BASE_URL'] ? { baseURL: env['OPENAI_BASE_URL'] } : {}),
  };
}

async function readCommittedPack(file: string): Promise<Pack | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    return undefined;
  }
  const parsed = parseYamlSource({ path: file, bytes });
  if (parsed.value === undefined || typeof parsed.value !== 'object') {
    throw new UserError(
      `${file} exists but cannot be read as a pack: ${parsed.diagnostics[0]?.message ?? 'not a mapping'}`,
    );
  }
  return parsed.value as Pack;
}

/** The previous document snapshot, when the committed pack names one in its folder and its hash matches. */
async function readSnapshot(dir: string, committed: Pack): Promise<OpenApiDocument | undefined> {
  const doc = committed.source?.document;
  if (!doc || /^https?:/i.test(doc) || doc.includes('..')) return undefined;
  try {
    const bytes = await readFile(path.join(dir, doc));
    if (sha256Hex(bytes) !== committed.source?.sha256) return undefined;
    return parseDocument(bytes, doc);
  } catch {
    return undefined;
  }
}

/** `raku import openapi`: reads the document, builds the pack(s), writes them and reports. */
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
  const source = /^https?:\/\//i.test(document) ? document : path.resolve(ctx.cwd, document);
  const read = await readOpenApiDocument(source, { allowRemote: opts.allowRemote === true });
  const snapshotName = `openapi.${/^\s*\{/.test(Buffer.from(read.bytes.slice(0, 64)).toString()) ? 'json' : 'yaml'}`;
  const options: ImportOptions = {
    name: opts.name,
    owner: opts.owner ?? '',
    include: opts.include,
    exclude: opts.exclude,
    maxTools,
    ...(opts.includeDeprecated ? { includeDeprecated: true } : {}),
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
    ...(opts.toolPrefix ? { toolPrefix: opts.toolPrefix } : {}),
    ...(read.url ? { documentUrl: read.url } : {}),
    sourceDocument: snapshotName,
    sha256: read.sha256,
  };

  // One pack, unless asked to split, or over the cap with nothing selected by hand (then say so).
  const chosenByHand =
    opts.include.length > 0 || opts.exclude.length > 0 || cmd.getOptionValueSource('maxTools') !== 'default';
  let split: ImportReportJson['split'] = opts.splitBy === 'tag' ? { by: 'tag', automatic: false } : null;
  let single: { pack: Pack; report: ImportReport } | undefined;
  if (!split) {
    single = importOpenApi(read.doc, options);
    if (!chosenByHand && single.report.skipped.some((s) => s.code === 'over-cap')) {
      split = { by: 'tag', automatic: true };
    }
  }
  if (split && opts.ai)
    throw new UserError('--ai works on one pack: select with --include instead of splitting');
  if (split && opts.out)
    throw new UserError('--out names one pack folder: it cannot be used with --split-by');

  let report: ImportReport;
  const units: PackUnit[] = [];
  if (split) {
    const result = importOpenApiSplit(read.doc, options);
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
        outDir: path.join(root, 'packs', pack.name),
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
      outDir: path.resolve(ctx.cwd, opts.out ?? path.join(root, 'packs', opts.name)),
      packPath: `packs/${opts.name}/pack.yaml`,
      snapshot: { name: snapshotName, bytes: read.bytes },
    });
  }

  const repoFiles = await readRepoFiles(root);
  const reported: ReportedPack[] = [];
  const checkedUnits: { unit: PackUnit; pack: Pack; yaml: string; committed?: Pack }[] = [];
  let errors = 0;
  const diagnostics: string[] = [];
  const checkWarnings: string[] = [];
  const diffText: string[] = [];
  let draftPolicy: { path: string; yaml: string } | undefined;
  // First every pack generated (and with --ai enriched), then all checked in one validation of the repository.
  const generatedUnits: {
    unit: PackUnit;
    pack: Pack;
    generated: ReturnType<typeof generatePack>;
    committed?: Pack;
  }[] = [];
  for (const unit of units) {
    const committed = await readCommittedPack(path.join(unit.outDir, 'pack.yaml'));
    const previousDoc = committed ? await readSnapshot(unit.outDir, committed) : undefined;
    const owner = opts.owner ?? committed?.owner;
    if (!owner) throw new UserError('--owner <team> is required for a new pack');
    unit.imported.pack.owner = owner;
    const generated = generatePack({
      doc: read.doc,
      options: { ...options, name: unit.imported.pack.name, owner },
      imported: unit.imported,
      ...(committed ? { committed } : {}),
      ...(previousDoc ? { previousDoc } : {}),
    });
    let pack = generated.pack;
    if (opts.ai) {
      const ai = await enrich(pack, generated.kept, ctx, repoFiles, unit.packPath, say);
      pack = ai.pack;
      draftPolicy = ai.draftPolicy;
    }
    generatedUnits.push({ unit, pack, generated, ...(committed ? { committed } : {}) });
  }
  const checkedAll = checkPacks(
    generatedUnits.map(({ unit, pack }) => ({ pack, packPath: unit.packPath })),
    repoFiles,
  );
  for (const [i, { unit, pack, generated, committed }] of generatedUnits.entries()) {
    const checked = checkedAll[i]!;
    checkWarnings.push(...checked.warnings.map((w) => (split ? `${pack.name}: ${w}` : w)));
    if (generated.diff) {
      diffText.push(
        `\ntool contract diff against the committed pack${split ? ` ${pack.name}` : ''} (${committed?.version} → ${pack.version}):\n`,
        formatContractDiff(generated.diff),
      );
      if (generated.kept.length > 0) diffText.push(`hand edits kept: ${generated.kept.join(', ')}\n`);
    }
    const count = countBySeverity(checked.diagnostics).errors;
    if (count > 0) {
      errors += count;
      diagnostics.push(formatDiagnostics(checked.diagnostics, 'text', 1));
    }
    reported.push({
      name: pack.name,
      path: unit.packPath,
      version: pack.version,
      tools: pack.tools.length,
      ...(unit.group ? { group: unit.group } : {}),
      ...(generated.diff
        ? {
            contractDiff: formatContractDiff(generated.diff).trimEnd().split('\n'),
            handEditsKept: generated.kept,
          }
        : {}),
    });
    checkedUnits.push({ unit, pack, yaml: checked.yaml, ...(committed ? { committed } : {}) });
  }

  say(formatReport(report, read.bundled));
  if (split) {
    say(
      split.automatic
        ? `split by tag: the ${report.imported.length + report.skipped.filter((s) => s.code !== 'filtered' && s.code !== 'deprecated').length} operations selected are over the cap of ${maxTools} tools for one pack, so each tag became its own pack (choose with --include, or raise --max-tools, to get one pack): ${units.length} packs\n`
        : `split by tag: ${units.length} packs\n`,
    );
  }
  say(formatWarnings([...report.warnings, ...checkWarnings]));
  say(diffText.join(''));

  const toolPack = new Map<string, string>();
  for (const { pack } of checkedUnits) {
    for (const o of pack.source?.operations ?? []) toolPack.set(`${o.method} ${o.path}`, pack.name);
  }
  const jsonReport = (written: boolean): ImportReportJson => ({
    document: read.url ?? path.relative(ctx.cwd, source),
    format: report.format,
    operations: report.operationCount,
    imported: report.imported.length,
    notImported: report.skipped.length,
    split,
    packs: reported,
    byReason: byReason(report),
    operationsImported: report.imported.map((o) => ({
      ...o,
      pack: toolPack.get(`${o.method} ${o.path}`) ?? opts.name,
    })),
    operationsNotImported: report.skipped,
    warnings: [...report.warnings, ...checkWarnings],
    written,
  });
  const emit = async (written: boolean) => {
    const body = `${JSON.stringify(jsonReport(written), null, 2)}\n`;
    if (json) ctx.stdout(body);
    if (opts.report) await writeFile(path.resolve(ctx.cwd, opts.report), body);
  };

  if (errors > 0) {
    await emit(false);
    ctx.stderr(diagnostics.join(''));
    throw new ConfigError(errors);
  }
  if (opts.dryRun) {
    await emit(false);
    const files = reported.map((r) => `${r.path} would have ${r.tools} tools`).join(', ');
    say(`\ndry run: nothing written (${files})\n`);
    return;
  }
  say('\n');
  for (const { unit, pack, yaml, committed } of checkedUnits) {
    await mkdir(unit.outDir, { recursive: true });
    await writeFile(path.join(unit.outDir, unit.snapshot.name), unit.snapshot.bytes);
    const oldSnapshot = committed?.source?.document;
    if (oldSnapshot && oldSnapshot !== unit.snapshot.name && /^openapi\.(json|ya?ml)$/.test(oldSnapshot)) {
      await rm(path.join(unit.outDir, oldSnapshot), { force: true }); // the document changed format (YAML → JSON)
    }
    await writeFile(path.join(unit.outDir, 'pack.yaml'), yaml);
    say(
      `wrote ${path.relative(ctx.cwd, path.join(unit.outDir, 'pack.yaml'))} (${pack.tools.length} tools) and ${path.relative(ctx.cwd, path.join(unit.outDir, unit.snapshot.name))}\n`,
    );
  }
  if (draftPolicy) {
    await mkdir(path.join(root, 'policies'), { recursive: true });
    await writeFile(path.join(root, draftPolicy.path), draftPolicy.yaml);
    say(`wrote the draft policy ${draftPolicy.path} (review it before merging)\n`);
  }
  await emit(true);
}
