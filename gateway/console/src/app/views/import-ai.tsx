/**
 * The Import view's AI suggestions: each suggested change to the current edits (selection, description,
 * sensitive) as an old → new line with Accept and Reject, Accept all, and the suggested draft role.
 */
import type { Edits } from './import-edits.ts';
import { type OperationSuggestion, type SuggestionItem, suggestionItems } from './import-suggestions.ts';

export interface SuggestionsShown {
  model: string;
  operations: OperationSuggestion[];
  role: { name: string; subjects: string[] } | null;
}

const FIELD_LABELS: Record<SuggestionItem['field'], string> = {
  selected: 'import',
  description: 'description',
  sensitive: 'sensitive',
};

function shown(value: boolean | string): string {
  return typeof value === 'boolean' ? (value ? 'yes' : 'no') : value;
}

export function SuggestionsPanel(props: {
  suggestions: SuggestionsShown;
  edits: Edits;
  rejected: ReadonlySet<string>;
  onAccept(items: SuggestionItem[]): void;
  onReject(item: SuggestionItem): void;
  onUseRole(role: { name: string; subjects: string[] }): void;
}) {
  const items = suggestionItems(props.suggestions.operations, props.edits).filter(
    (item) => !props.rejected.has(item.key),
  );
  const { role } = props.suggestions;
  return (
    <div className="import-suggestions">
      <p className="muted small">
        Suggested by {props.suggestions.model}. Accepting changes your edits; nothing is sent until you
        preview.
      </p>
      {role ? (
        <p>
          Draft role <strong className="mono">{role.name}</strong> for{' '}
          <span className="mono">{role.subjects.join(', ') || 'nobody'}</span>{' '}
          <button type="button" className="button button-small" onClick={() => props.onUseRole(role)}>
            Use this role
          </button>
        </p>
      ) : null}
      {items.length === 0 ? (
        <p className="muted">No suggestion left that differs from your edits.</p>
      ) : (
        <>
          <p>
            <button type="button" className="button button-small" onClick={() => props.onAccept(items)}>
              Accept all {items.length}
            </button>
          </p>
          <ul className="import-suggestion-list">
            {items.map((item) => (
              <li key={item.key} className="import-suggestion">
                <div>
                  <span className="mono">{item.operationId}</span> · {FIELD_LABELS[item.field]}
                  {item.reason ? <span className="muted small"> — {item.reason}</span> : null}
                </div>
                <div className="import-suggestion-diff">
                  <del className="import-diff-del">{shown(item.before)}</del>
                  <ins className="import-diff-add">{shown(item.after)}</ins>
                </div>
                <div className="import-suggestion-actions">
                  <button
                    type="button"
                    className="button button-small"
                    onClick={() => props.onAccept([item])}
                    aria-label={`Accept ${FIELD_LABELS[item.field]} of ${item.operationId}`}
                  >
                    Accept
                  </button>
                  <button
                    type="button"
                    className="button button-small"
                    onClick={() => props.onReject(item)}
                    aria-label={`Reject ${FIELD_LABELS[item.field]} of ${item.operationId}`}
                  >
                    Reject
                  </button>
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
