import type { Tool } from '@raku/config';
import {
  buildPack,
  DEFAULT_MAX_TOOLS,
  type ImportOptions,
  operationKey,
  type SkipCode,
  select,
} from './build-pack.ts';
import { type DocumentFormat, derefObject, isObject, type OpenApiDocument } from './openapi-document.ts';
import { HTTP_METHODS } from './operations.ts';
import { baseUrlOf } from './upstream.ts';

/** What an analysis needs: `raku import openapi`'s options without the owner and filters. */
export type AnalyzeOptions = Omit<ImportOptions, 'owner' | 'include' | 'exclude' | 'operations'>;

/** One operation of the document as the import sees it: the tool it becomes, or why it is skipped. */
export interface AnalyzedOperation {
  /** '<METHOD> <path>' (operationKey). */
  id: string;
  method: string;
  path: string;
  operationId?: string;
  summary?: string;
  tags: string[];
  deprecated: boolean;
  /** What `raku import openapi` imports by default (first `maxTools` of the importable operations). */
  selected: boolean;
  tool?: Tool;
  skipped?: { code: SkipCode; reason: string };
}

export interface OpenApiAnalysis {
  format: DocumentFormat;
  title: string;
  version: string;
  pack: { name: string; version: string; baseUrl: string | null; toolPrefix?: string };
  authSchemes: { name: string; type: string; description: string | null }[];
  /** Every operation, in the document's order (paths as written, methods as written in each path). */
  operations: AnalyzedOperation[];
  warnings: string[];
}

/**
 * What `raku import openapi` makes of a document, per operation: every importable operation converted to its
 * tool (same names, descriptions, schemas, annotations, sensitive flags as the CLI), every other one with its
 * skip code and reason. The default selection is the CLI's: deprecated operations left out unless asked for,
 * and over the cap (`maxTools`, default 100) only the first `maxTools` in the CLI's order (path, then
 * method), where the CLI would split the rest by tag into several packs. A document with nothing importable
 * is no error here: every operation comes back skipped. Pure.
 */
export function analyzeOpenApi(doc: OpenApiDocument, options: AnalyzeOptions): OpenApiAnalysis {
  const opts: ImportOptions = { ...options, owner: '', include: [], exclude: [] };
  const maxTools = opts.maxTools ?? DEFAULT_MAX_TOOLS;
  // Names are assigned across every importable operation, in the CLI's order: the first `maxTools` get the
  // names an import of the default selection gives them.
  const selection = select(doc, { ...opts, maxTools: 2000 }, false);
  const { pack, report } = buildPack(
    doc,
    opts,
    selection,
    selection.selected,
    opts.name,
    false,
    undefined,
    true,
  );
  const withinCap = new Set(selection.selected.slice(0, maxTools).map(operationKey));
  const tools = new Map(pack.tools.map((t) => [t.name, t]));
  const built = new Map(report.imported.map((o) => [operationKey(o), tools.get(o.tool)]));
  const skipped = new Map(report.skipped.map((s) => [operationKey(s), s]));
  const order = documentOrder(doc);
  const operations = [...selection.operations]
    .sort((a, b) => (order.get(operationKey(a)) ?? 0) - (order.get(operationKey(b)) ?? 0))
    .map((op): AnalyzedOperation => {
      const id = operationKey(op);
      const tool = built.get(id);
      const skip = skipped.get(id);
      return {
        id,
        method: op.method,
        path: op.path,
        ...(op.operationId ? { operationId: op.operationId } : {}),
        ...(op.summary ? { summary: op.summary } : {}),
        tags: op.tags,
        deprecated: op.deprecated,
        selected: tool !== undefined && withinCap.has(id),
        ...(tool ? { tool } : {}),
        ...(!tool && skip ? { skipped: { code: skip.code, reason: skip.reason } } : {}),
      };
    });
  const warnings = [...report.warnings];
  if (selection.selected.length > maxTools) {
    warnings.push(
      `${selection.selected.length} operations are selected, over the cap of ${maxTools} tools for one pack: the first ${maxTools} are selected here; choose the ones agents need (raku import openapi would split them by tag into several packs)`,
    );
  }
  if (pack.tools.length === 0) {
    warnings.push(`no operation can be imported (${selection.operations.length} in the document)`);
  }
  const info = isObject(doc['info']) ? doc['info'] : {};
  return {
    format: selection.format,
    title: typeof info['title'] === 'string' ? info['title'] : '',
    version: typeof info['version'] === 'string' ? info['version'] : '',
    pack: {
      name: opts.name,
      version: opts.version ?? '0.1.0',
      baseUrl: baseUrlOf(doc, selection.format, opts).url ?? null,
      ...(pack.toolPrefix ? { toolPrefix: pack.toolPrefix } : {}),
    },
    authSchemes: authSchemes(doc, selection.format),
    operations,
    warnings,
  };
}

/** Each operation's place in the document: paths in written order, methods in written order per path. */
function documentOrder(doc: OpenApiDocument): Map<string, number> {
  const order = new Map<string, number>();
  const paths = isObject(doc['paths']) ? doc['paths'] : {};
  const methods = new Set<string>(HTTP_METHODS);
  for (const [path, value] of Object.entries(paths)) {
    let item: Record<string, unknown> | undefined;
    try {
      item = derefObject(doc, value);
    } catch {
      item = undefined; // listOperations leaves it out too
    }
    if (!item) continue;
    for (const key of Object.keys(item)) {
      if (methods.has(key)) order.set(`${key.toUpperCase()} ${path}`, order.size);
    }
  }
  return order;
}

function authSchemes(doc: OpenApiDocument, format: DocumentFormat): OpenApiAnalysis['authSchemes'] {
  const components = isObject(doc['components']) ? doc['components'] : {};
  const schemes = format === 'swagger-2.0' ? doc['securityDefinitions'] : components['securitySchemes'];
  if (!isObject(schemes)) return [];
  return Object.entries(schemes).map(([name, s]) => {
    const scheme = isObject(s) ? s : {};
    return {
      name,
      type: typeof scheme['type'] === 'string' ? scheme['type'] : 'unknown',
      description: typeof scheme['description'] === 'string' ? scheme['description'] : null,
    };
  });
}
