import type { Pack } from '@raku/config';
import { UserError } from '@raku/config';
import {
  buildPack,
  codeOf,
  DEFAULT_MAX_TOOLS,
  type DocumentCaches,
  type ImportOptions,
  type ImportReport,
  newCaches,
  nothingImported,
  type Selection,
  type SkippedOperation,
  select,
  skipOf,
} from './build-pack.ts';
import { countValues, easyRoom, fitsEasily, fitsInOneFile } from './fit-limits.ts';
import type { OpenApiDocument } from './openapi-document.ts';
import type { Operation } from './operations.ts';
import { SchemaWorkLimitError } from './schema-cache.ts';

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
 * Pure (it does not change `selection`).
 */
export function importOpenApiSplit(
  doc: OpenApiDocument,
  opts: ImportOptions,
  /** The uncapped selection, when the caller already made it (importUnlessOverCap). */
  selection: Selection = select(doc, opts, false),
): { packs: SplitPack[]; report: ImportReport } {
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

/** The skips of one operation of a split group that imported nothing (its reason, found again). */
function skipsOf(
  doc: OpenApiDocument,
  opts: ImportOptions,
  selection: Selection,
  op: Operation,
  caches: DocumentCaches,
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
