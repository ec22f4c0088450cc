/**
 * Step 2 of the Import view: every operation of the analysed document in a virtualised list
 * (@tanstack/react-virtual: only the rows in sight are in the DOM, so the GitHub REST description's ~1,200
 * operations scroll and filter without delay), with the filter, select all/none of what it shows, and the
 * detail of one operation (description, input schema, annotations).
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useId, useMemo, useRef } from 'react';
import {
  type Edits,
  editOperation,
  filterOperations,
  type OperationEdit,
  type OperationFilter,
  type OperationLike,
  setSelected,
  tagCounts,
} from './import-edits.ts';
import { ScrollBox } from './import-preview.tsx';

/** An ImportOperation as the list needs it: the edit state's fields plus what the detail shows. */
export interface ListedOperation extends OperationLike {
  deprecated: boolean;
  tool: {
    name: string;
    description: string;
    sensitive: boolean;
    inputSchema: Record<string, unknown>;
    annotations: Record<string, unknown> | null;
  } | null;
}

/** Every row has the same height: the virtualiser computes positions without measuring the DOM. */
const ROW_HEIGHT = 48;

export function OperationList(props: {
  operations: readonly ListedOperation[];
  edits: Edits;
  onEdits(edits: Edits): void;
  filter: OperationFilter;
  onFilter(filter: OperationFilter): void;
  focused: string | null;
  onFocus(id: string): void;
}) {
  const { operations, edits, filter } = props;
  const id = useId();
  const shown = useMemo(() => filterOperations(operations, edits, filter), [operations, edits, filter]);
  const tags = useMemo(() => tagCounts(operations), [operations]);
  const scroller = useRef<HTMLElement>(null);
  const virtualizer = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  // A new filter shows a new list: start it at its top, not at the old list's scroll position.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the filter is the trigger, not an input
  useEffect(() => {
    scroller.current?.scrollTo({ top: 0 });
  }, [filter]);
  const importable = shown.filter((op) => edits[op.id]).map((op) => op.id);

  return (
    <div className="import-list-pane">
      <div className="filters import-filters">
        <label className="field">
          Filter (path, tag, name)
          <input
            type="search"
            value={filter.text}
            onChange={(event) => props.onFilter({ ...filter, text: event.target.value })}
          />
        </label>
        <label className="field">
          Tag
          <select
            value={filter.tag}
            onChange={(event) => props.onFilter({ ...filter, tag: event.target.value })}
          >
            <option value="">All tags</option>
            {tags.map((t) => (
              <option key={t.tag} value={t.tag}>
                {t.tag} ({t.count})
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="button button-small"
          disabled={importable.length === 0}
          onClick={() => props.onEdits(setSelected(edits, importable, true))}
        >
          Select all shown
        </button>
        <button
          type="button"
          className="button button-small"
          disabled={importable.length === 0}
          onClick={() => props.onEdits(setSelected(edits, importable, false))}
        >
          Select none shown
        </button>
        <p className="muted small" role="status" id={`${id}-shown`}>
          {shown.length.toLocaleString('en-GB')} of {operations.length.toLocaleString('en-GB')} operations
          shown
        </p>
      </div>
      <div className="import-list-head" aria-hidden="true">
        <span>Import</span>
        <span>Operation</span>
        <span>Tool name</span>
        <span>Sensitive</span>
        <span />
      </div>
      {/* The scroll box is a labelled region; its rows' controls are what the keyboard reaches (Tab). */}
      <section
        ref={scroller}
        className="import-list"
        aria-label="Operations"
        aria-describedby={`${id}-shown`}
      >
        <ul className="import-list-inner" style={{ height: `${virtualizer.getTotalSize()}px` }}>
          {virtualizer.getVirtualItems().map((item) => {
            const op = shown[item.index];
            if (!op) return null;
            return (
              <OperationRow
                key={op.id}
                op={op}
                edit={edits[op.id]}
                top={item.start}
                position={item.index + 1}
                setSize={shown.length}
                focused={props.focused === op.id}
                onEdit={(patch) => props.onEdits(editOperation(edits, op.id, patch))}
                onFocus={() => props.onFocus(op.id)}
              />
            );
          })}
        </ul>
      </section>
    </div>
  );
}

function OperationRow(props: {
  op: ListedOperation;
  edit: OperationEdit | undefined;
  top: number;
  /** 1-based place in the filtered list and its length: only rows in sight exist, so say where this one is. */
  position: number;
  setSize: number;
  focused: boolean;
  onEdit(patch: Partial<OperationEdit>): void;
  onFocus(): void;
}) {
  const { op, edit } = props;
  const label = `${op.method.toUpperCase()} ${op.path}`;
  return (
    <li
      className={`import-row${edit ? '' : ' import-row-skipped'}${props.focused ? ' import-row-focused' : ''}`}
      style={{ transform: `translateY(${props.top}px)` }}
      data-operation={op.id}
      aria-posinset={props.position}
      aria-setsize={props.setSize}
    >
      <span>
        {edit ? (
          <input
            type="checkbox"
            checked={edit.selected}
            onChange={(event) => props.onEdit({ selected: event.target.checked })}
            aria-label={`Import ${label}`}
          />
        ) : null}
      </span>
      <span className="import-op">
        <span className={`import-method import-method-${op.method.toLowerCase()}`}>
          {op.method.toUpperCase()}
        </span>{' '}
        <span className="mono import-path" title={op.path}>
          {op.path}
        </span>
        {op.deprecated ? <span className="badge badge-neutral">deprecated</span> : null}
      </span>
      {edit ? (
        <>
          <input
            className="mono import-name"
            value={edit.name}
            onChange={(event) => props.onEdit({ name: event.target.value })}
            aria-label={`Tool name of ${label}`}
            spellCheck={false}
          />
          <label className="import-sensitive">
            <input
              type="checkbox"
              checked={edit.sensitive}
              onChange={(event) => props.onEdit({ sensitive: event.target.checked })}
            />
            <span className="visually-hidden">Sensitive: {label}</span>
            <span aria-hidden="true">sensitive</span>
          </label>
        </>
      ) : (
        <span className="import-skipped-reason muted small" title={op.skipped?.reason}>
          skipped: {op.skipped?.reason ?? 'not importable'}
        </span>
      )}
      <button
        type="button"
        className="button button-small"
        onClick={props.onFocus}
        aria-pressed={props.focused}
        aria-label={`Details of ${label}`}
      >
        Details
      </button>
    </li>
  );
}

export function OperationDetail(props: {
  op: ListedOperation;
  edit: OperationEdit | undefined;
  onEdit(patch: Partial<OperationEdit>): void;
}) {
  const { op, edit } = props;
  return (
    <section className="panel import-detail" aria-label={`Operation ${op.id}`}>
      <h3 className="panel-title">
        <span className="mono">{op.id}</span>
      </h3>
      <dl className="details">
        <dt>operationId</dt>
        <dd className="mono">{op.operationId ?? <span className="muted">none</span>}</dd>
        <dt>Summary</dt>
        <dd>{op.summary ?? <span className="muted">none</span>}</dd>
        <dt>Tags</dt>
        <dd>{op.tags.length ? op.tags.join(', ') : <span className="muted">none</span>}</dd>
        {op.skipped ? (
          <>
            <dt>Skipped</dt>
            <dd>
              {op.skipped.reason} <span className="muted">({op.skipped.code})</span>
            </dd>
          </>
        ) : null}
      </dl>
      {op.tool && edit ? (
        <>
          <label className="field import-description">
            Tool description
            <textarea
              className="import-wide"
              rows={5}
              value={edit.description}
              onChange={(event) => props.onEdit({ description: event.target.value })}
            />
          </label>
          <h4>Input schema</h4>
          <ScrollBox className="import-scroll" label="Input schema">
            <pre className="json small">{JSON.stringify(op.tool.inputSchema, null, 2)}</pre>
          </ScrollBox>
          <h4>Annotations</h4>
          {op.tool.annotations ? (
            <ScrollBox className="import-scroll" label="Annotations">
              <pre className="json small">{JSON.stringify(op.tool.annotations, null, 2)}</pre>
            </ScrollBox>
          ) : (
            <p className="muted">none</p>
          )}
        </>
      ) : null}
    </section>
  );
}
