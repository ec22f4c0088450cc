import type { Pack, Tool } from '@raku/config';
import { exposedToolName, UserError } from '@raku/config';
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
  /**
   * Exactly these operations ('<METHOD> <path>', see operationKey), as chosen one by one in the console; the
   * others are skipped as filtered. Applied like --include, before the deprecated rule and the cap.
   */
  operations?: ReadonlySet<string>;
}

export const DEFAULT_MAX_TOOLS = 100;

export interface ImportedOperation {
  method: string;
  path: string;
  operationId?: string;
  tool: string;
}

/**
 * Why an operation was not imported, as a stable code (the summary groups by it; `--format json` carries
 * it): filtered (--include/--exclude), deprecated, over-cap, cookie, method, server, path, body, ref,
 * schema-too-large, other.
 */
export type SkipCode =
  | 'filtered'
  | 'deprecated'
  | 'over-cap'
  | 'cookie'
  | 'method'
  | 'server'
  | 'path'
  | 'body'
  | 'ref'
  | 'schema-too-large'
  | 'other';

export interface SkippedOperation {
  method: string;
  path: string;
  operationId?: string;
  code: SkipCode;
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

/** The operations an import takes, the ones it leaves out, and the tool names, before any tool is built (internal). */
export interface Selection {
  format: DocumentFormat;
  operations: Operation[];
  selected: Operation[];
  skipped: SkippedOperation[];
  warnings: string[];
  prefix: string;
  /** Tool names, assigned once across every selected operation (so split packs never collide). */
  names: Map<Operation, string>;
}

/**
 * Converts an OpenAPI document into a pack. Pure and deterministic: the same document and options give the
 * same pack and report. Every operation not imported is in `report.skipped` with its reason.
 */
export function importOpenApi(
  doc: OpenApiDocument,
  opts: ImportOptions,
): { pack: Pack; report: ImportReport } {
  const selection = select(doc, opts, true);
  return buildPack(doc, opts, selection, selection.selected, opts.name);
}

/** An import without --split-by: the pack, or (over the cap) the selection a split by tag goes on with. */
export type PackOrOverCap =
  | { overCap: false; pack: Pack; report: ImportReport }
  | { overCap: true; selection: Selection };

/**
 * `importOpenApi` for a caller that splits by tag when the document is over the cap: the operations are
 * selected once, and an over-cap document is not first built as a pack of its first `maxTools` operations
 * only to be thrown away (the selection goes to `importOpenApiSplit`). Under the cap the pack is
 * `importOpenApi`'s (the cap changes nothing there). Pure.
 */
export function importUnlessOverCap(doc: OpenApiDocument, opts: ImportOptions): PackOrOverCap {
  const selection = select(doc, opts, false);
  if (selection.selected.length > (opts.maxTools ?? DEFAULT_MAX_TOOLS)) return { overCap: true, selection };
  return { overCap: false, ...buildPack(doc, opts, selection, selection.selected, opts.name) };
}

/**
 * What the packs of one document share: converted schemas (input and output), and the objects already
 * searched for secrets (the shared schemas need it once, not once per pack of a split).
 */
export interface DocumentCaches {
  input: SchemaCache;
  output: SchemaCache;
  redacted: WeakSet<object>;
}

export function newCaches(maxSchemaWork: number | undefined): DocumentCaches {
  const work = new SchemaWork(maxSchemaWork);
  return { input: new SchemaCache(work), output: new SchemaCache(work), redacted: new WeakSet() };
}

export function select(doc: OpenApiDocument, opts: ImportOptions, applyCap: boolean): Selection {
  const format = documentFormat(doc, opts.sourceDocument);
  const include = (opts.include ?? []).map(parseFilter);
  const exclude = (opts.exclude ?? []).map(parseFilter);
  const maxTools = opts.maxTools ?? DEFAULT_MAX_TOOLS;
  if (!Number.isInteger(maxTools) || maxTools < 1 || maxTools > 2000) {
    throw new UserError(`--max-tools must be an integer from 1 to 2000, not ${maxTools}`);
  }
  const operations = listOperations(doc, format);
  const skipped: SkippedOperation[] = [];
  const warnings: string[] = [];
  const selected: Operation[] = [];
  const deprecated: Operation[] = [];
  for (const op of operations) {
    const why =
      opts.operations && !opts.operations.has(operationKey(op))
        ? 'not in the selection'
        : filterReason(op, include, exclude);
    if (why) skipped.push(skipOf(op, 'filtered', why));
    else if (op.deprecated && !opts.includeDeprecated) deprecated.push(op);
    else selected.push(op);
  }
  if (selected.length === 0 && deprecated.length > 0) {
    // Nothing else would be imported: take the deprecated operations rather than refuse, and say so.
    selected.push(...deprecated);
    warnings.push(
      `every selected operation is deprecated (${deprecated.length}): imported them anyway, each description starts with "Deprecated:"`,
    );
  } else {
    for (const op of deprecated) {
      skipped.push(skipOf(op, 'deprecated', 'deprecated (add --include-deprecated to import it)'));
    }
  }
  if (applyCap && selected.length > maxTools) {
    const hint = `over the cap of ${maxTools} tools (${selected.length} operations selected): select with --include tag:<tag> / path:<glob>, split with --split-by tag, or raise --max-tools`;
    for (const op of selected.splice(maxTools)) skipped.push(skipOf(op, 'over-cap', hint));
  }
  const prefix =
    opts.toolPrefix ?? (opts.name.length > 40 ? opts.name.slice(0, 20).replace(/-+$/, '') : opts.name);
  const assigned = assignToolNames(selected, 63 - prefix.length);
  const names = new Map(selected.map((op, i) => [op, assigned[i] as string]));
  return { format, operations, selected, skipped, warnings, prefix, names };
}

export function buildPack(
  doc: OpenApiDocument,
  opts: ImportOptions,
  selection: Selection,
  selected: readonly Operation[],
  packName: string,
  split = false,
  shared?: DocumentCaches,
  /** Return a pack without tools instead of throwing when nothing imports (the analysis shows why). */
  allowEmpty = false,
): { pack: Pack; report: ImportReport } {
  const { format, prefix } = selection;
  const base = baseUrlOf(doc, format, opts);
  const report: ImportReport = {
    format,
    operationCount: selection.operations.length,
    imported: [],
    skipped: split ? [] : [...selection.skipped],
    warnings: split ? [] : [...selection.warnings],
  };
  const skip = (op: Operation, reason: string) => report.skipped.push(skipOf(op, codeOf(reason), reason));

  // Split packs of one API share its Secret, <name>-api.
  const auth = authFor(doc, format, selected, opts.name, base.url);
  report.warnings.push(...auth.notes);
  const tools: Tool[] = [];
  // The budget counts each pack's own work (with shared caches, what earlier packs converted is free).
  const caches = shared ?? newCaches(opts.maxSchemaWork);
  caches.input.work.spent = 0;
  for (const op of selected) {
    const name = selection.names.get(op) ?? (assignToolNames([op], 63 - prefix.length)[0] as string);
    try {
      const tool = operationTool(
        doc,
        format,
        op,
        name,
        base.url,
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
  if (tools.length === 0 && !allowEmpty) throw nothingImported(report);

  const info = (doc['info'] ?? {}) as Record<string, unknown>;
  const title =
    typeof info['title'] === 'string' && info['title'].trim()
      ? info['title'].trim().slice(0, 120)
      : undefined;
  const apiVersion = typeof info['version'] === 'string' ? info['version'] : undefined;
  const infoDescription = typeof info['description'] === 'string' ? info['description'].trim() : '';
  const pack: Pack = {
    name: packName,
    version: opts.version ?? '0.1.0',
    ...(title ? { title } : {}),
    description: cut(
      infoDescription ||
        `Tools generated from ${title ?? 'an OpenAPI document'}${apiVersion ? ` ${apiVersion}` : ''}.`,
      4000,
    ),
    owner: opts.owner,
    ...(prefix !== packName ? { toolPrefix: prefix } : {}),
    upstream: {
      ...(base.url ? { baseUrls: baseUrls(base.url) } : {}),
      ...(auth.auth ? { auth: auth.auth } : {}),
    },
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
  if (base.note) report.warnings.push(base.note);
  if (base.url && !base.url.startsWith('https:')) {
    report.warnings.push(`the API is served over plain http (${base.url}): only the dev base URL is set`);
  }
  for (const tool of tools) {
    const exposed = exposedToolName(pack, tool);
    if (exposed.length > 64) report.warnings.push(`exposed name "${exposed}" is over 64 characters`);
  }
  report.warnings.push(...redactSecrets(pack, caches.redacted));
  return { pack, report };
}

/** An operation's key across the import API and the console: '<METHOD> <path>' ('GET /pets/{petId}'). */
export function operationKey(op: Pick<Operation, 'method' | 'path'>): string {
  return `${op.method} ${op.path}`;
}

export function nothingImported(report: ImportReport): UserError {
  const reasons = [...new Set(report.skipped.map((s) => s.reason))].slice(0, 5);
  return new UserError(
    `no operation could be imported (${report.operationCount} in the document)${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''}`,
  );
}

export function codeOf(reason: string): SkipCode {
  if (/^required cookie/.test(reason)) return 'cookie';
  if (/^method /.test(reason)) return 'method';
  if (/is served from/.test(reason)) return 'server';
  if (/^path /.test(reason)) return 'path';
  if (/request body/.test(reason)) return 'body';
  if (/\$ref/.test(reason)) return 'ref';
  if (/^input schema has more than/.test(reason)) return 'schema-too-large';
  return 'other';
}

export function skipOf(op: Operation, code: SkipCode, reason: string): SkippedOperation {
  return { method: op.method, path: op.path, ...idOf(op), code, reason };
}

function idOf(op: Operation): { operationId?: string } {
  return op.operationId ? { operationId: op.operationId } : {};
}

function cut(text: string, max: number): string {
  const t = text.trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}
