/**
 * A data table: a caption (visible or for screen readers only), column headers with scope, one row per item.
 * Columns say how to render a cell; the table knows nothing of the data.
 */
import type { ReactNode } from 'react';

export interface Column<T> {
  /** Column header text. */
  header: string;
  cell(row: T): ReactNode;
  /** 'num' right-aligns numbers; 'nowrap' keeps short values on one line. */
  kind?: 'num' | 'nowrap';
}

export interface TableProps<T> {
  /** What the table lists; read by screen readers, shown when `showCaption`. */
  caption: string;
  showCaption?: boolean;
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowKey(row: T): string;
  /** Marks a row (e.g. the newest live rows) with a class. */
  rowClass?(row: T): string | undefined;
}

export function Table<T>({ caption, showCaption, columns, rows, rowKey, rowClass }: TableProps<T>) {
  return (
    <div className="table-scroll">
      <table className="table">
        <caption className={showCaption ? undefined : 'visually-hidden'}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.header} scope="col" className={c.kind}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} className={rowClass?.(row)}>
              {columns.map((c) => (
                <td key={c.header} className={c.kind}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
