import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError, UserError } from '../errors.ts';
import { readRepoFiles } from '../fs/read-repo.ts';
import { type AiConfig, requestSuggestions } from '../import/ai/openai-enricher.ts';
import { applySuggestions } from '../import/ai/suggestions.ts';
import { DEFAULT_MAX_TOOLS, type ImportReport } from '../import/build-pack.ts';
import { formatContractDiff } from '../import/contract-diff.ts';
import { checkPack, generatePack } from '../import/import-pack.ts';
import { type OpenApiDocument, parseDocument } from '../import/openapi-document.ts';
import { readOpenApiDocument } from '../import/read-document.ts';
import { serializePolicy } from '../import/serialize-pack.ts';
import { parseYamlSource } from '../load/yaml-source.ts';
import { sha256Hex } from '../model/hash.ts';
import type { Pack } from '../model/types.ts';
import { countBySeverity } from '../validate/diagnostic.ts';
import { formatDiagnostics } from '../validate/format.ts';
import { validateRepo } from '../validate/validate-repo.ts';
import type { CliContext } from './context.ts';
import { globalOptions } from './main.ts';

interface ImportCliOptions {
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
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerImport(program: Command, ctx: CliContext): void {
  const importCmd = program.command('import').description('Create or update packs from API descriptions.');
  importCmd
    .command('openapi')
    .description(
      'Turn a Swagger 2.0 / OpenAPI 3.0 / 3.1 document (JSON or YAML) into a pack: one tool per selected operation. ' +
        'Validates the result and writes packs/<name>/pack.yaml plus a snapshot of the document; re-importing keeps hand edits.',
    )
    .argument('<document>', 'file (local $refs are bundled) or, with --allow-remote, an http(s) URL')
    .requiredOption('--name <pack>', 'pack name (DNS label); the pack folder is packs/<name>')
    .option('--owner <team>', 'owning team (required for a new pack)')
    .option(
      '--include <filter>',
      'import only matching operations: tag:<glob>, path:<glob>, method:<M>, op:<glob> (repeatable)',
      collect,
      [],
    )
    .option('--exclude <filter>', 'leave out matching operations (same forms; repeatable)', collect, [])
    .option('--max-tools <n>', 'most tools to import', String(DEFAULT_MAX_TOOLS))
    .option('--include-deprecated', 'import deprecated operations too')
    .option('--base-url <url>', "the API's base URL (default: the document's first server)")
    .option('--tool-prefix <prefix>', 'prefix of the exposed tool names (default: the pack name)')
    .option('--allow-remote', 'allow fetching the document and its $refs over http(s) (off by default: SSRF)')
    .option('--out <dir>', 'pack folder (default: packs/<name>)')
    .option(
      '--ai',
      'improve descriptions, flags and selection with OpenAI / Azure OpenAI (see docs/import.md)',
    )
    .option('--dry-run', 'show the report and the diff; write nothing')
    .action(async (document: string, opts: ImportCliOptions, cmd: Command) => {
      const root = path.resolve(ctx.cwd, globalOptions(cmd).root);
      const maxTools = Number(opts.maxTools);
      const outDir = path.resolve(ctx.cwd, opts.out ?? path.join(root, 'packs', opts.name));
      const packPath = `packs/${opts.name}/pack.yaml`;
      const source = /^https?:\/\//i.test(document) ? document : path.resolve(ctx.cwd, document);
      const read = await readOpenApiDocument(source, { allowRemote: opts.allowRemote === true });
      const snapshotName = `openapi.${/^\s*\{/.test(Buffer.from(read.bytes.slice(0, 64)).toString()) ? 'json' : 'yaml'}`;

      const committed = await readCommittedPack(path.join(outDir, 'pack.yaml'));
      const previousDoc = committed ? await readSnapshot(outDir, committed) : undefined;
      const owner = opts.owner ?? committed?.owner;
      if (!owner) throw new UserError('--owner <team> is required for a new pack');

      const generated = generatePack({
        doc: read.doc,
        options: {
          name: opts.name,
          owner,
          include: opts.include,
          exclude: opts.exclude,
          maxTools,
          ...(opts.includeDeprecated ? { includeDeprecated: true } : {}),
          ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
          ...(opts.toolPrefix ? { toolPrefix: opts.toolPrefix } : {}),
          ...(read.url ? { documentUrl: read.url } : {}),
          sourceDocument: snapshotName,
          sha256: read.sha256,
        },
        ...(committed ? { committed } : {}),
        ...(previousDoc ? { previousDoc } : {}),
      });
      let pack = generated.pack;
      const repoFiles = await readRepoFiles(root);
      let draftPolicy: { path: string; yaml: string } | undefined;
      if (opts.ai) {
        const config = aiConfigFromEnv(ctx.env);
        const applied = applySuggestions(
          pack,
          await requestSuggestions(pack, config),
          new Set(generated.kept),
        );
        pack = applied.pack;
        ctx.stdout(`\n--ai suggestions applied (${applied.changes.length}):\n`);
        for (const c of applied.changes) ctx.stdout(`  ${c}\n`);
        for (const w of applied.warnings) ctx.stdout(`warning: --ai: ${w}\n`);
        for (const g of applied.groups) ctx.stdout(`  group ${g.name}: ${g.tools.join(', ')}\n`);
        if (applied.suggestedSelection.length > 0) {
          ctx.stdout(`  suggested selection: ${applied.suggestedSelection.join(', ')}\n`);
          const ids = new Map((pack.source?.operations ?? []).map((o) => [o.tool, o.operationId]));
          const filters = applied.suggestedSelection.map((t) => ids.get(t)).filter((id) => id !== undefined);
          if (filters.length > 0) {
            ctx.stdout(`  to import only those: ${filters.map((id) => `--include 'op:${id}'`).join(' ')}\n`);
          }
        }
        if (applied.draftPolicy) {
          const policyPath = `policies/${applied.draftPolicy.name}.yaml`;
          const yaml = serializePolicy(applied.draftPolicy);
          const policyCheck = validateRepo([
            ...repoFiles.filter((f) => f.path !== policyPath && f.path !== packPath),
            { path: policyPath, bytes: Buffer.from(yaml) },
          ]).diagnostics.filter((d) => d.file === policyPath && d.severity === 'error');
          if (policyCheck.length === 0) draftPolicy = { path: policyPath, yaml };
          else ctx.stdout(`warning: --ai: draft policy dropped: ${policyCheck[0]?.message}\n`);
        }
      }
      const checked = checkPack(pack, packPath, repoFiles);
      ctx.stdout(formatReport(generated.report, read.bundled));
      for (const w of [...generated.report.warnings, ...checked.warnings]) ctx.stdout(`warning: ${w}\n`);
      if (generated.diff) {
        ctx.stdout(
          `\ntool contract diff against the committed pack (${committed?.version} → ${pack.version}):\n`,
        );
        ctx.stdout(formatContractDiff(generated.diff));
        if (generated.kept.length > 0) ctx.stdout(`hand edits kept: ${generated.kept.join(', ')}\n`);
      }
      const { errors } = countBySeverity(checked.diagnostics);
      if (errors > 0) {
        ctx.stderr(formatDiagnostics(checked.diagnostics, 'text', 1));
        throw new ConfigError(errors);
      }
      if (opts.dryRun) {
        ctx.stdout(`\ndry run: nothing written (${packPath} would have ${pack.tools.length} tools)\n`);
        return;
      }
      await mkdir(outDir, { recursive: true });
      await writeFile(path.join(outDir, snapshotName), read.bytes);
      const oldSnapshot = committed?.source?.document;
      if (oldSnapshot && oldSnapshot !== snapshotName && /^openapi\.(json|ya?ml)$/.test(oldSnapshot)) {
        await rm(path.join(outDir, oldSnapshot), { force: true }); // the document changed format (YAML → JSON)
      }
      await writeFile(path.join(outDir, 'pack.yaml'), checked.yaml);
      if (draftPolicy) {
        await mkdir(path.join(root, 'policies'), { recursive: true });
        await writeFile(path.join(root, draftPolicy.path), draftPolicy.yaml);
        ctx.stdout(`wrote the draft policy ${draftPolicy.path} (review it before merging)\n`);
      }
      ctx.stdout(
        `\nwrote ${path.relative(ctx.cwd, path.join(outDir, 'pack.yaml'))} (${pack.tools.length} tools) and ${path.relative(ctx.cwd, path.join(outDir, snapshotName))}\n`,
      );
    });
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

/** The import report: counts, then every operation not imported with its reason. */
export function formatReport(report: ImportReport, bundled: boolean): string {
  const lines = [
    `${report.format} document${bundled ? ' (external $refs bundled)' : ''}: ${report.operationCount} operations, ${report.imported.length} imported, ${report.skipped.length} not imported`,
  ];
  const byReason = new Map<string, ImportReport['skipped']>();
  for (const s of report.skipped) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s]);
  for (const [reason, ops] of byReason) {
    lines.push(`not imported (${ops.length}): ${reason}`);
    for (const s of ops) lines.push(`  ${s.method} ${s.path}${s.operationId ? ` (${s.operationId})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
