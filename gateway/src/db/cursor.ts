/**
 * Opaque keyset cursors for newest-first listings ordered by (timestamp desc, id desc). Stable under concurrent
 * inserts, unlike offsets. Pure.
 */

export interface CursorKey {
  time: Date;
  id: string;
}

/** One page of a newest-first listing. */
export interface Page<T> {
  items: T[];
  /** Cursor of the next page; null on the last page. */
  nextCursor: string | null;
}

export class InvalidCursorError extends Error {
  constructor() {
    super('cursor: not a cursor returned by this API');
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify([key.time.toISOString(), key.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CursorKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw new InvalidCursorError();
  const [time, id] = parsed as unknown[];
  if (typeof time !== 'string' || typeof id !== 'string' || !UUID.test(id)) throw new InvalidCursorError();
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) throw new InvalidCursorError();
  return { time: date, id };
}

/** Prisma `where` fragment selecting rows strictly after the cursor in (field desc, id desc) order. */
export function afterCursor<F extends string>(field: F, cursor: string | undefined) {
  if (!cursor) return {};
  const key = decodeCursor(cursor);
  return { OR: [{ [field]: { lt: key.time } }, { [field]: key.time, id: { lt: key.id } }] };
}

/** Clamps a page size to 1..max, default when absent. */
export function pageSize(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.min(Math.max(Math.trunc(limit), 1), max);
}

/** Splits a fetched `take: size + 1` result into the page and the next cursor. */
export function toPage<T extends { id: string }>(rows: T[], size: number, timeOf: (row: T) => Date): Page<T> {
  const items = rows.slice(0, size);
  const last = items[items.length - 1];
  const nextCursor = rows.length > size && last ? encodeCursor({ time: timeOf(last), id: last.id }) : null;
  return { items, nextCursor };
}
