/**
 * Shows an approval request's arguments exactly as they will be sent: the JSON, with every value masked as a
 * secret marked "secret, masked" and every value cut short marked with how many characters are not shown
 * (the request's `maskedPaths` and `truncated`, JSON Pointers into `args`). The marks are text, not only
 * colour, so a screen reader and a colour-blind approver see them too.
 */
import type { ReactNode } from 'react';
import './console-views.css';

export interface ArgsViewProps {
  args: unknown;
  /** JSON Pointers (RFC 6901) of masked values. */
  maskedPaths: readonly string[];
  /** JSON Pointers of values cut short, with how many characters are not shown. */
  truncated: readonly { path: string; omittedCharacters: number }[];
  /** Accessible name of the (focusable, scrolling) arguments region; unique on the page. */
  label: string;
}

/** One JSON Pointer reference token (RFC 6901: `~` → `~0`, `/` → `~1`). */
function token(key: string | number): string {
  return String(key).replaceAll('~', '~0').replaceAll('/', '~1');
}

interface Marks {
  masked: ReadonlySet<string>;
  cut: ReadonlyMap<string, number>;
}

function Mark({ path, marks }: { path: string; marks: Marks }): ReactNode {
  const omitted = marks.cut.get(path);
  return (
    <>
      {marks.masked.has(path) ? <span className="args-mark args-masked"> secret, masked</span> : null}
      {omitted === undefined ? null : (
        <span className="args-mark args-truncated">
          {' '}
          cut short: {omitted.toLocaleString()} characters not shown
        </span>
      )}
    </>
  );
}

function indent(depth: number): string {
  return '  '.repeat(depth);
}

function Value({ value, path, depth, marks }: { value: unknown; path: string; depth: number; marks: Marks }) {
  if (Array.isArray(value)) {
    if (value.length === 0) return <>[]</>;
    return (
      <>
        {'[\n'}
        {value.map((item, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: array positions are the identity of JSON array items
          <span key={i}>
            {indent(depth + 1)}
            <Value value={item} path={`${path}/${i}`} depth={depth + 1} marks={marks} />
            {i < value.length - 1 ? ',' : ''}
            <Mark path={`${path}/${i}`} marks={marks} />
            {'\n'}
          </span>
        ))}
        {indent(depth)}]
      </>
    );
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return <>{'{}'}</>;
    return (
      <>
        {'{\n'}
        {entries.map(([key, item], i) => {
          const child = `${path}/${token(key)}`;
          return (
            <span key={key}>
              {indent(depth + 1)}
              <span className="args-key">{JSON.stringify(key)}</span>:{' '}
              <Value value={item} path={child} depth={depth + 1} marks={marks} />
              {i < entries.length - 1 ? ',' : ''}
              <Mark path={child} marks={marks} />
              {'\n'}
            </span>
          );
        })}
        {indent(depth)}
        {'}'}
      </>
    );
  }
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return marks.masked.has(path) ? <mark className="args-masked-value">{text}</mark> : text;
}

/** The arguments as indented JSON with masked and truncated values marked, then both lists spelled out. */
export function ArgsView({ args, maskedPaths, truncated, label }: ArgsViewProps) {
  const marks: Marks = {
    masked: new Set(maskedPaths),
    cut: new Map(truncated.map((t) => [t.path, t.omittedCharacters])),
  };
  return (
    <div className="args-view">
      <section
        className="args-json"
        aria-label={label}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the block scrolls, so keyboard users must reach it
        tabIndex={0}
      >
        <pre>
          <code>
            <Value value={args} path="" depth={0} marks={marks} />
            <Mark path="" marks={marks} />
          </code>
        </pre>
      </section>
      <p className="args-notes">
        {maskedPaths.length === 0
          ? 'No value is masked.'
          : `Masked as secrets (the call receives the real values): ${maskedPaths.map((p) => p || '(whole arguments)').join(', ')}.`}
      </p>
      <p className="args-notes">
        {truncated.length === 0
          ? 'Nothing is cut short: this is every argument.'
          : `Cut short for display: ${truncated
              .map(
                (t) =>
                  `${t.path || '(whole arguments)'} (${t.omittedCharacters.toLocaleString()} characters not shown)`,
              )
              .join(', ')}.`}
      </p>
    </div>
  );
}
