/**
 * The Import view's editing state, kept pure so it is tested without a browser: what the person changed on
 * each operation of an analysis (selected, tool name, description, sensitive), the filter of the operation
 * list, select all/none of what the filter shows, and the `operations` of the draft request built from it.
 *
 * Edits exist for importable operations only (those with a `tool`); a skipped operation cannot be selected.
 */

/** What this module reads of an ImportOperation (the generated `Schema<'ImportOperation'>` fits). */
export interface OperationLike {
  id: string;
  method: string;
  path: string;
  operationId: string | null;
  summary: string | null;
  tags: string[];
  selected: boolean;
  tool: { name: string; description: string; sensitive: boolean } | null;
  skipped: { code: string; reason: string } | null;
}

/** One operation as the person has it now. */
export interface OperationEdit {
  selected: boolean;
  name: string;
  description: string;
  sensitive: boolean;
}

/** Operation id → its edit; importable operations only. */
export type Edits = Readonly<Record<string, OperationEdit>>;

/** The edits an analysis starts from: what the CLI would import, named and described as the CLI would. */
export function initialEdits(operations: readonly OperationLike[]): Edits {
  const edits: Record<string, OperationEdit> = {};
  for (const op of operations) {
    if (!op.tool) continue;
    edits[op.id] = {
      selected: op.selected,
      name: op.tool.name,
      description: op.tool.description,
      sensitive: op.tool.sensitive,
    };
  }
  return edits;
}

/** `edits` with `patch` applied to operation `id`; unchanged when `id` has no edit (a skipped operation). */
export function editOperation(edits: Edits, id: string, patch: Partial<OperationEdit>): Edits {
  const current = edits[id];
  if (!current) return edits;
  return { ...edits, [id]: { ...current, ...patch } };
}

/** Selects (or deselects) every importable operation of `ids`. */
export function setSelected(edits: Edits, ids: Iterable<string>, selected: boolean): Edits {
  const next: Record<string, OperationEdit> = { ...edits };
  for (const id of ids) {
    const current = next[id];
    if (current && current.selected !== selected) next[id] = { ...current, selected };
  }
  return next;
}

export interface OperationFilter {
  /** Words matched, case-insensitively, against path, method, tags, tool name, operationId and summary. */
  text: string;
  /** Only operations carrying this tag; '' for all. */
  tag: string;
}

/** Whether `op` (with its current edit) passes `filter`: every word of the text must match somewhere. */
export function matchesFilter(
  op: OperationLike,
  edit: OperationEdit | undefined,
  filter: OperationFilter,
): boolean {
  if (filter.tag && !op.tags.includes(filter.tag)) return false;
  const words = filter.text.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = [
    op.method,
    op.path,
    ...op.tags,
    edit?.name ?? op.tool?.name ?? '',
    op.operationId ?? '',
    op.summary ?? '',
  ]
    .join('\n')
    .toLowerCase();
  return words.every((word) => haystack.includes(word));
}

/** The operations `filter` shows, in document order. */
export function filterOperations<T extends OperationLike>(
  operations: readonly T[],
  edits: Edits,
  filter: OperationFilter,
): T[] {
  return operations.filter((op) => matchesFilter(op, edits[op.id], filter));
}

/** Every tag of the document with its operation count, most used first, then by name. */
export function tagCounts(operations: readonly OperationLike[]): { tag: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const op of operations) for (const tag of op.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return [...counts]
    .map(([tag, count]) => ({ tag, count }))
    .sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag));
}

/** How many operations are selected, and how many of those are marked sensitive. */
export function selectionCounts(edits: Edits): { selected: number; sensitive: number } {
  let selected = 0;
  let sensitive = 0;
  for (const edit of Object.values(edits)) {
    if (!edit.selected) continue;
    selected++;
    if (edit.sensitive) sensitive++;
  }
  return { selected, sensitive };
}

export interface DraftOperation {
  id: string;
  name?: string;
  description?: string;
  sensitive?: boolean;
}

/**
 * The draft request's `operations`: the selected ones in document order, each carrying only what the person
 * changed from the analysis (the gateway fills in the rest as the CLI would), so the request stays small for a
 * large document.
 */
export function draftOperations(operations: readonly OperationLike[], edits: Edits): DraftOperation[] {
  const out: DraftOperation[] = [];
  for (const op of operations) {
    const edit = edits[op.id];
    if (!edit?.selected || !op.tool) continue;
    const draft: DraftOperation = { id: op.id };
    if (edit.name !== op.tool.name) draft.name = edit.name;
    if (edit.description !== op.tool.description) draft.description = edit.description;
    if (edit.sensitive !== op.tool.sensitive) draft.sensitive = edit.sensitive;
    out.push(draft);
  }
  return out;
}

/** `"group:a, user:b ,, "` → `['group:a', 'user:b']`. */
export function parseSubjects(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Why `subjects` cannot be a role's subjects (each must be `kind:name`), or null when they can. */
export function subjectsProblem(subjects: readonly string[]): string | null {
  const bad = subjects.find((s) => !/^[a-z]+:\S+$/.test(s));
  return bad === undefined
    ? null
    : `"${bad}" is not a subject: write kind:name, e.g. group:maintainers or user:ada`;
}
