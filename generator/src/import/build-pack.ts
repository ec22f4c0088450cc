import { UserError } from '../errors.ts';
import { exposedToolName } from '../model/names.ts';
import type { Pack, Tool } from '../model/types.ts';
import { type DocumentFormat, documentFormat, type OpenApiDocument } from './openapi-document.ts';
import { operationTool } from './operation-tool.ts';
import { listOperations, type Operation } from './operations.ts';
import { redactSecrets } from './redact.ts';
import { SchemaCache, SchemaWork, SchemaWorkLimitError } from './schema-cache.ts';
import { filterReason, parseFilter } from './select.ts';
import { assignToolNames } from './tool-names.ts';
import { authFor, baseUrlOf, baseUrls } from './upstream.ts';

/** How `raku import openapi` turns a document into a pack. */
export interface ImportOptions {
  /** Pack name (DNS label); also the folder name. */
  name: string;
  owner: string;
  /** Pack version. Default 0.1.0. */
  version?: string;
  /** Exposed-name prefix; default: the pack name (or its first 20 characters when longer than 40). */
  toolPrefix?: string;
  include?: readonly string[];
  exclude?: readonly string[];
  /** Most operations imported. Default 100 (DEFAULT_MAX_TOOLS); the rest are reported with how to select them. */
  maxTools?: number;
  /** Import deprecated operations too. Default false. */
  includeDeprecated?: boolean;
  /** Overrides the document's server. */
  baseUrl?: string;
  /** The document's URL when it was fetched: relative server URLs resolve against it. */
  documentUrl?: string;
  /** What `source.document` records: a path relative to the pack folder, or the URL. */
  sourceDocument: string;
  /** SHA-256 of the document's bytes. */
  sha256: string;
  /** Budget of schema-conversion steps for the document (DEFAULT_SCHEMA_WORK); past it the import is refused. */
  maxSchemaWork?: number;
}

export const DEFAULT_MAX_TOOLS = 100;

export interface ImportedOperation {
  method: string;
  path: string;
  operationId?: string;
  tool: string;
}
export interface SkippedOperation {
  method: string;
  path: string;
  operationId?: string;
  reason: string;
}
export interface ImportReport {
  format: DocumentFormat;
  operationCount: number;
  imported: ImportedOperation[];
  skipped: SkippedOperation[];
  /** Things the reviewer should know: dropped optional parameters, unsupported auth, shortened schemas. */
  warnings: string[];
}

/**
 * Converts an OpenAPI document into a pack. Pure and deterministic: the same document and options give the
 * same pack and report. Every operation not imported is in `report.skipped` with its reason.
 */
export function importOpenApi(
  doc: OpenApiDocument,
  opts: ImportOptions,
): { pack: Pack; report: ImportReport } {
  const format = documentFormat(doc, opts.sourceDocument);
  const include = (opts.include ?? []).map(parseFilter);
  const exclude = (opts.exclude ?? []).map(parseFilter);
  const maxTools = opts.maxTools ?? DEFAULT_MAX_TOOLS;
  if (!Number.isInteger(maxTools) || maxTools < 1 || maxTools > 2000) {
    throw new UserError(`--max-tools must be an integer from 1 to 2000, not ${maxTools}`);
  }
  const base = baseUrlOf(doc, format, opts);
  const operations = listOperations(doc, format);
  const report: ImportReport = {
    format,
    operationCount: operations.length,
    imported: [],
    skipped: [],
    warnings: [],
  };
  const skip = (op: Operation, reason: string) => {
    report.skipped.push({ method: op.method, path: op.path, ...idOf(op), reason });
  };

  const selected: Operation[] = [];
  for (const op of operations) {
    const why =
      filterReason(op, include, exclude) ??
      (op.deprecated && !opts.includeDeprecated
        ? 'deprecated (add --include-deprecated to import it)'
        : undefined);
    if (why) skip(op, why);
    else selected.push(op);
  }
  if (selected.length > maxTools) {
    const hint = `over the cap of ${maxTools} tools (${selected.length} operations selected): select with --include tag:<tag> / path:<glob>, or raise --max-tools`;
    for (const op of selected.splice(maxTools)) skip(op, hint);
  }

  const prefix =
    opts.toolPrefix ?? (opts.name.length > 40 ? opts.name.slice(0, 20).replace(/-+$/, '') : opts.name);
  const names = assignToolNames(selected, 63 - prefix.length);
  const auth = authFor(doc, format, selected, opts.name);
  report.warnings.push(...auth.notes);
  const tools: Tool[] = [];
  const work = new SchemaWork(opts.maxSchemaWork);
  const caches = { input: new SchemaCache(work), output: new SchemaCache(work) };
  for (const [i, op] of selected.entries()) {
    const name = names[i] as string;
    try {
      const tool = operationTool(
        doc,
        format,
        op,
        name,
        base,
        opts.documentUrl,
        auth.consumes,
        report.warnings,
        caches,
      );
      if (typeof tool === 'string') {
        skip(op, tool);
        continue;
      }
      tools.push(tool);
      report.imported.push({ method: op.method, path: op.path, ...idOf(op), tool: name });
    } catch (err) {
      if (err instanceof SchemaWorkLimitError) throw err; // the document, not this operation
      skip(op, (err as Error).message);
    }
  }
  if (tools.length === 0) {
    const reasons = [...new Set(report.skipped.map((s) => s.reason))].slice(0, 5);
    throw new UserError(
      `no operation could be imported (${operations.length} in the document)${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''}`,
    );
  }

  const info = (doc['info'] ?? {}) as Record<string, unknown>;
  const title =
    typeof info['title'] === 'string' && info['title'].trim()
      ? info['title'].trim().slice(0, 120)
      : undefined;
  const apiVersion = typeof info['version'] === 'string' ? info['version'] : undefined;
  const infoDescription = typeof info['description'] === 'string' ? info['description'].trim() : '';
  const pack: Pack = {
    name: opts.name,
    version: opts.version ?? '0.1.0',
    ...(title ? { title } : {}),
    description: cut(
      infoDescription ||
        `Tools generated from ${title ?? 'an OpenAPI document'}${apiVersion ? ` ${apiVersion}` : ''}.`,
      4000,
    ),
    owner: opts.owner,
    ...(prefix !== opts.name ? { toolPrefix: prefix } : {}),
    upstream: { baseUrls: baseUrls(base), ...(auth.auth ? { auth: auth.auth } : {}) },
    tools,
    source: {
      document: opts.sourceDocument,
      sha256: opts.sha256,
      format,
      operations: report.imported.map((o) => ({
        ...(o.operationId ? { operationId: o.operationId.slice(0, 512) } : {}),
        method: o.method,
        path: o.path.slice(0, 1024),
        tool: o.tool,
      })),
    },
  };
  if (!base.startsWith('https:')) {
    report.warnings.push(`the API is served over plain http (${base}): only the dev base URL is set`);
  }
  for (const tool of tools) {
    const exposed = exposedToolName(pack, tool);
    if (exposed.length > 64) report.warnings.push(`exposed name "${exposed}" is over 64 characters`);
  }
  report.warnings.push(...redactSecrets(pack));
  return { pack, report };
}

function idOf(op: Operation): { operationId?: string } {
  return op.operationId ? { operationId: op.operationId } : {};
}

function cut(text: string, max: number): string {
  const t = text.trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}
