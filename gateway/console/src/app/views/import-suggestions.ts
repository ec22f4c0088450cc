/**
 * AI suggestions as a diff against the person's current edits: one item per field a suggestion would change
 * (selection, description, sensitive), so each can be accepted or rejected on its own. Suggestions that agree
 * with the current edits are not items: there is nothing to decide.
 */
import { type Edits, editOperation, type OperationEdit } from './import-edits.ts';

/** What this module reads of ImportSuggestions' operations (the generated schema fits). */
export interface OperationSuggestion {
  id: string;
  selected?: boolean;
  description?: string;
  sensitive?: boolean;
  reason?: string;
}

export type SuggestedField = 'selected' | 'description' | 'sensitive';

export interface SuggestionItem {
  /** `<operation id>#<field>`: unique, stable across renders. */
  key: string;
  operationId: string;
  field: SuggestedField;
  before: boolean | string;
  after: boolean | string;
  reason: string | null;
}

const FIELDS: readonly SuggestedField[] = ['selected', 'description', 'sensitive'];

/** The items of `suggestions` that would change `edits`, in the suggestions' order. */
export function suggestionItems(suggestions: readonly OperationSuggestion[], edits: Edits): SuggestionItem[] {
  const items: SuggestionItem[] = [];
  for (const suggestion of suggestions) {
    const edit = edits[suggestion.id];
    // A suggestion for a skipped or unknown operation cannot be applied.
    if (!edit) continue;
    for (const field of FIELDS) {
      const after = suggestion[field];
      if (after === undefined || after === edit[field]) continue;
      items.push({
        key: `${suggestion.id}#${field}`,
        operationId: suggestion.id,
        field,
        before: edit[field],
        after,
        reason: suggestion.reason ?? null,
      });
    }
  }
  return items;
}

/** `edits` with the accepted items applied. */
export function applySuggestions(edits: Edits, accepted: readonly SuggestionItem[]): Edits {
  let next = edits;
  for (const item of accepted) {
    next = editOperation(next, item.operationId, { [item.field]: item.after } as Partial<OperationEdit>);
  }
  return next;
}
