/** A catalog tool's marks as badges with words: sensitive (calls need approval) and its MCP annotations. */
import type { Schema } from '@raku/client';

/** The MCP annotations as words, in the order agents read them. */
const ANNOTATION_WORDS: readonly [string, string][] = [
  ['readOnlyHint', 'read-only'],
  ['destructiveHint', 'destructive'],
  ['idempotentHint', 'idempotent'],
  ['openWorldHint', 'open world'],
];

export function ToolBadges({ tool }: { tool: Pick<Schema<'CatalogTool'>, 'annotations' | 'sensitive'> }) {
  const annotations = (tool.annotations ?? {}) as Record<string, unknown>;
  return (
    <span className="tool-badges">
      {tool.sensitive ? (
        <span className="badge badge-bad" title="Calls need an approval rule">
          sensitive
        </span>
      ) : null}
      {ANNOTATION_WORDS.filter(([key]) => annotations[key] === true).map(([key, word]) => (
        <span key={key} className="badge badge-neutral">
          {word}
        </span>
      ))}
    </span>
  );
}
