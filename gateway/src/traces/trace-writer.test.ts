/**
 * The trace writer stores every column of a row as it is, on both of its paths: the pg pool (Postgres) and
 * Prisma (PGlite), under row-level security's scope.
 */
import { IMPLICIT_TENANT } from '@raku/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/persistence/helpers/test-database.ts';
import { createDatabase, type Database } from '../db/database.ts';
import type { TraceRow } from './trace-row.ts';
import { createPrismaTraceWriter } from './trace-writer.ts';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function row(n: number, overrides: Partial<TraceRow> = {}): TraceRow {
  return {
    id: uuid(n),
    time: new Date(Date.UTC(2026, 11, 5, 1, 2, 3, 456)),
    subject: 'agent:"bot" \\ one',
    subjectKind: 'agent',
    tool: 'widgets.get_widget',
    route: 'pack:widgets',
    target: 'http://127.0.0.1:9/mcp',
    decision: 'allow',
    rule: 'default/bindings/0',
    revision: 'a1b2c3d',
    latencyMs: 0.1 + 0.2,
    status: 'ok',
    argsBytes: 12,
    resultBytes: 2 ** 31 - 1,
    args: '{"id":"w1","quote":"\\"","nested":{"list":[1,2.5,null,true]}}',
    result: '{"content":[{"type":"text","text":"héllo 😀 {\\"a\\":1}"}]}',
    error: 'line one\nline "two", {braces} and \\ backslash',
    zone: 'dev',
    traceId: '0af7651916cd43dd8448eb211c80319c',
    tenant: 'payments',
    ...overrides,
  };
}

const rows: TraceRow[] = [
  row(1),
  row(2, {
    route: null,
    target: null,
    rule: null,
    args: null,
    result: null,
    error: null,
    zone: null,
    traceId: null,
    tenant: IMPLICIT_TENANT,
  }),
  // Times Postgres stores that JSON's ISO 8601 form cannot say: a year past 9999, and one before year 1.
  row(3, { time: new Date(Date.UTC(20_000, 0, 2, 3, 4, 5, 6)), tenant: 'support' }),
  row(4, { time: new Date(Date.UTC(-100, 6, 1, 12, 0, 0, 1)) }),
];

/** What is stored, read back by SQL (Prisma reads no BC time), the time as epoch milliseconds. */
type Stored = Omit<TraceRow, 'time' | 'args' | 'result'> & { time: number; args: unknown; result: unknown };

async function storedRows(db: Database): Promise<Stored[]> {
  return db.prisma.$queryRawUnsafe<Stored[]>(
    `SELECT "id"::text, (extract(epoch FROM "time") * 1000)::float8 AS "time", "subject", "subject_kind" AS "subjectKind",
      "tool", "route", "target", "decision", "rule", "revision", "latency_ms" AS "latencyMs", "status",
      "args_bytes" AS "argsBytes", "result_bytes" AS "resultBytes", "args", "result", "error", "zone",
      "trace_id" AS "traceId", "tenant"
    FROM "traces" ORDER BY "id"`,
  );
}

/** A row as it should read back: the time in epoch milliseconds, the payloads parsed (jsonb keeps no key order). */
const asStored = (r: TraceRow): Stored => ({
  ...r,
  time: r.time.getTime(),
  args: r.args === null ? null : JSON.parse(r.args),
  result: r.result === null ? null : JSON.parse(r.result),
});

describe('trace writer', () => {
  let target: TestDatabase;
  let postgres: Database;
  let pglite: Database;

  beforeAll(async () => {
    target = await createTestDatabase();
    postgres = await createDatabase({ url: target.url });
    await postgres.migrate();
    pglite = await createDatabase({ dataDir: 'memory://' });
    await pglite.migrate();
  }, 60_000);

  afterAll(async () => {
    await postgres?.close();
    await pglite?.close();
    await target?.drop();
  });

  it('stores every column of each row as it is, through the pg pool (Postgres)', async () => {
    expect(postgres.pool).not.toBeNull();
    const writer = createPrismaTraceWriter(postgres);
    await writer.write(rows);
    // A batch written again (its reply lost) adds nothing.
    await writer.write(rows);
    expect(await storedRows(postgres)).toEqual(rows.map(asStored));
  });

  it('stores the same through Prisma (PGlite)', async () => {
    expect(pglite.pool).toBeNull();
    await createPrismaTraceWriter(pglite).write(rows);
    expect(await storedRows(pglite)).toEqual(rows.map(asStored));
  });

  it('fails the batch, and keeps the pool usable, when the database refuses a row', async () => {
    const writer = createPrismaTraceWriter(postgres);
    await expect(writer.write([row(10, { args: '{"not json' })])).rejects.toThrow();
    await writer.write([row(11)]);
    expect((await storedRows(postgres)).map((r) => r.id)).toContain(uuid(11));
    expect((await storedRows(postgres)).map((r) => r.id)).not.toContain(uuid(10));
  });
});
