import type { Pack, Tool } from '@raku/config';
import { exposedToolName, UserError } from '@raku/config';
import { countValues, easyRoom, fitsEasily, fitsInOneFile } from './fit-limits.ts';
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

/** The operations an import takes, the ones it leaves out, and the tool names, before any tool is built. */
interface Selection {
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

/** One pack of a split import, and the operations it holds. */
export interface SplitPack {
  pack: Pack;
  /**
   * The group it holds: a tag (or "untagged"), with a part number when the group was over the cap; for a
   * pack that small tags share, their names ("a, b, c").
   */
  group: string;
}

/**
 * A tag with fewer operations than this is small: with `--split-by tag`, small tags share packs (in tag
 * order, up to the tool cap each) instead of making one pack of a few tools each.
 */
export const SMALL_TAG_OPERATIONS = 20;

/**
 * Imports a document as several packs, one per tag (an operation goes with its first tag; untagged ones
 * into `<name>-untagged`), each group over the tool cap cut into parts of at most `maxTools`. Tags with
 * fewer than SMALL_TAG_OPERATIONS operations share packs: taken in tag order, as many whole tags as fit in
 * `maxTools` tools go into one pack named `<name>-<first tag>-to-<last tag>` (a report warning lists them).
 * Every pack is named `<name>-<tag>[-<part>]` and shares the tool prefix an unsplit import would use, and
 * tool names are assigned across the whole document, so the exposed names are the same as one big pack's.
 * Pure.
 */
export function importOpenApiSplit(
  doc: OpenApiDocument,
  opts: ImportOptions,
): { packs: SplitPack[]; report: ImportReport } {
  const selection = select(doc, opts, false);
  const byTag = new Map<string, Operation[]>();
  for (const op of selection.selected) {
    const tag = op.tags[0] ?? 'untagged';
    const list = byTag.get(tag);
    if (list) list.push(op);
    else byTag.set(tag, [op]);
  }
  const maxTools = opts.maxTools ?? DEFAULT_MAX_TOOLS;
  const groups = groupTags(byTag, maxTools);
  const names = new Set<string>();
  const report: ImportReport = {
    format: selection.format,
    operationCount: selection.operations.length,
    imported: [],
    skipped: [...selection.skipped],
    warnings: [...selection.warnings],
  };
  const packs: SplitPack[] = [];
  // One conversion cache for every pack: a schema the packs share is converted once (names of `$defs` do
  // not depend on the order, so each pack is what it would be alone).
  const caches = newCaches(opts.maxSchemaWork);
  // A warning about the document (its server, its auth) comes from every pack: say it once.
  const warnedBy = new Map<string, string[]>();
  const shared: string[] = [];
  for (const { tags, ops } of groups) {
    // Parts of at most maxTools; a part whose pack would not fit in one file is cut in two (a single
    // operation too large for a pack file on its own is left out with that reason).
    const pending: Operation[][] = [];
    for (let i = 0; i < ops.length; i += maxTools) pending.push(ops.slice(i, i + maxTools));
    const parts: { chunk: Operation[]; built?: { pack: Pack; report: ImportReport } }[] = [];
    while (pending.length > 0) {
      const chunk = pending.shift() as Operation[];
      let built: { pack: Pack; report: ImportReport } | undefined;
      try {
        built = buildPack(doc, opts, selection, chunk, opts.name, true, caches);
      } catch (err) {
        if (!(err instanceof UserError) || err instanceof SchemaWorkLimitError) throw err;
        // None of them could be imported: their reasons, one by one, go to the report.
        for (const op of chunk) report.skipped.push(...skipsOf(doc, opts, selection, op, caches));
        continue;
      }
      // Several tools: kept well inside the limits (serialising to measure is the slow part of a large
      // split); one tool alone: whatever fitting would get into one file.
      if (chunk.length > 1 ? fitsEasily(built.pack) : fitsInOneFile(built.pack)) parts.push({ chunk, built });
      else if (chunk.length > 1) pending.unshift(...cutBySize(chunk, built.pack, selection.names));
      else {
        const op = chunk[0] as Operation;
        report.skipped.push(skipOf(op, 'schema-too-large', 'the tool alone is too large for a pack file'));
      }
    }
    const label = tags.length === 1 ? (tags[0] as string) : tags.join(', ');
    const slug =
      tags.length === 1
        ? slugOf(tags[0] as string)
        : `${cutSlug(tags[0] as string)}-to-${cutSlug(tags[tags.length - 1] as string)}`;
    for (const [part, { built }] of parts.entries()) {
      if (!built) continue;
      const suffix = parts.length > 1 ? `-${part + 1}` : '';
      const name = splitName(opts.name, slug, suffix, names);
      const { pack: built1, report: r } = built;
      // Named now that the parts are known (the Secret is the API's, <name>-api, whatever the part).
      const { name: _first, toolPrefix: _prefix, upstream, tools, source, ...head } = built1;
      const pack: Pack = {
        name,
        ...head,
        ...(selection.prefix !== name ? { toolPrefix: selection.prefix } : {}),
        upstream,
        tools,
        ...(source ? { source } : {}),
      };
      packs.push({ pack, group: `${label}${suffix ? ` (part ${part + 1})` : ''}` });
      if (tags.length > 1) shared.push(`${name} (${tags.length} tags: ${label})`);
      report.imported.push(...r.imported);
      report.skipped.push(...r.skipped);
      for (const w of r.warnings) warnedBy.set(w, [...(warnedBy.get(w) ?? []), name]);
    }
  }
  if (shared.length > 0) {
    report.warnings.push(
      `tags with fewer than ${SMALL_TAG_OPERATIONS} operations share packs, in tag order, up to ${maxTools} tools each: ${shared.join('; ')}`,
    );
  }
  for (const [w, by] of warnedBy) {
    report.warnings.push(by.length === packs.length && packs.length > 1 ? w : `${by.join(', ')}: ${w}`);
  }
  if (packs.length === 0) throw nothingImported(report);
  return { packs, report };
}

/**
 * The packs of a split, before they are built: each tag with SMALL_TAG_OPERATIONS operations or more on its
 * own; the small ones, in tag order, gathered whole into groups of at most `maxTools` operations (a small
 * tag that does not fit the current group starts the next). Groups come in the order of their first tag.
 */
export function groupTags(
  byTag: ReadonlyMap<string, readonly Operation[]>,
  maxTools: number,
): { tags: string[]; ops: Operation[] }[] {
  const groups: { tags: string[]; ops: Operation[] }[] = [];
  let open: { tags: string[]; ops: Operation[] } | undefined;
  for (const tag of [...byTag.keys()].sort()) {
    const ops = byTag.get(tag) as readonly Operation[];
    if (ops.length >= SMALL_TAG_OPERATIONS || ops.length > maxTools) {
      groups.push({ tags: [tag], ops: [...ops] });
      continue;
    }
    if (!open || open.ops.length + ops.length > maxTools) {
      open = { tags: [], ops: [] };
      groups.push(open);
    }
    open.tags.push(tag);
    open.ops.push(...ops);
  }
  return groups;
}

/**
 * A chunk whose pack is too large cut into runs (in order) whose tools, by their measured size, fit
 * `fitsEasily` with a tenth to spare, so each is built once more rather than halved again and again (the
 * halving goes on if a run still does not fit). Always at least two runs.
 */
function cutBySize(chunk: Operation[], pack: Pack, names: ReadonlyMap<Operation, string>): Operation[][] {
  const room = easyRoom();
  const budget = { chars: room.jsonChars * 0.9, values: room.values * 0.9 };
  const size = new Map(
    pack.tools.map((t) => [t.name, { chars: JSON.stringify(t).length, values: countValues(t) }]),
  );
  const runs: Operation[][] = [];
  let run: Operation[] = [];
  let used = { chars: 0, values: 0 };
  for (const op of chunk) {
    const s = size.get(names.get(op) ?? '') ?? { chars: 0, values: 0 };
    if (run.length > 0 && (used.chars + s.chars > budget.chars || used.values + s.values > budget.values)) {
      runs.push(run);
      run = [];
      used = { chars: 0, values: 0 };
    }
    run.push(op);
    used = { chars: used.chars + s.chars, values: used.values + s.values };
  }
  runs.push(run);
  return runs.length > 1 ? runs : [chunk.slice(0, chunk.length >> 1), chunk.slice(chunk.length >> 1)];
}

function newCaches(maxSchemaWork: number | undefined): { input: SchemaCache; output: SchemaCache } {
  const work = new SchemaWork(maxSchemaWork);
  return { input: new SchemaCache(work), output: new SchemaCache(work) };
}

function select(doc: OpenApiDocument, opts: ImportOptions, applyCap: boolean): Selection {
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
    const why = filterReason(op, include, exclude);
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

function buildPack(
  doc: OpenApiDocument,
  opts: ImportOptions,
  selection: Selection,
  selected: readonly Operation[],
  packName: string,
  split = false,
  shared?: { input: SchemaCache; output: SchemaCache },
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
  if (tools.length === 0) throw nothingImported(report);

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
  report.warnings.push(...redactSecrets(pack));
  return { pack, report };
}

function nothingImported(report: ImportReport): UserError {
  const reasons = [...new Set(report.skipped.map((s) => s.reason))].slice(0, 5);
  return new UserError(
    `no operation could be imported (${report.operationCount} in the document)${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''}`,
  );
}

/** The skips of one operation of a split group that imported nothing (its reason, found again). */
function skipsOf(
  doc: OpenApiDocument,
  opts: ImportOptions,
  selection: Selection,
  op: Operation,
  caches: { input: SchemaCache; output: SchemaCache },
): SkippedOperation[] {
  try {
    return buildPack(doc, opts, selection, [op], opts.name, true, caches).report.skipped;
  } catch (err) {
    const reason = (err as Error).message.replace(
      /^no operation could be imported \(\d+ in the document\): /,
      '',
    );
    return [skipOf(op, codeOf(reason), reason)];
  }
}

function slugOf(tag: string): string {
  return (
    tag
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'tag'
  );
}

/** A tag's slug cut to 24 characters, for the name of a pack small tags share. */
function cutSlug(tag: string): string {
  return slugOf(tag).slice(0, 24).replace(/-+$/, '');
}

/** A DNS-label pack name for a split group: `<name>-<tag>`, cut to 63 characters, distinct. */
function splitName(base: string, slug: string, suffix: string, taken: Set<string>): string {
  let name = `${base}-${slug}`.slice(0, 63 - suffix.length).replace(/-+$/, '') + suffix;
  for (let n = 2; taken.has(name); n++) name = `${name.slice(0, 60 - String(n).length)}-${n}`;
  taken.add(name);
  return name;
}

function codeOf(reason: string): SkipCode {
  if (/^required cookie/.test(reason)) return 'cookie';
  if (/^method /.test(reason)) return 'method';
  if (/is served from/.test(reason)) return 'server';
  if (/^path /.test(reason)) return 'path';
  if (/request body/.test(reason)) return 'body';
  if (/\$ref/.test(reason)) return 'ref';
  if (/^input schema has more than/.test(reason)) return 'schema-too-large';
  return 'other';
}

function skipOf(op: Operation, code: SkipCode, reason: string): SkippedOperation {
  return { method: op.method, path: op.path, ...idOf(op), code, reason };
}

function idOf(op: Operation): { operationId?: string } {
  return op.operationId ? { operationId: op.operationId } : {};
}

function cut(text: string, max: number): string {
  const t = text.trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}
