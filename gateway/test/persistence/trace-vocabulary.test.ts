/**
 * The trace status and decision lists are written once, as `as const` lists in gateway/src/traces/types.ts; the
 * TS types and the admin API's OpenAPI enums are derived from them. The database stores both as text: these tests
 * tie the Prisma schema, the migrations' SQL and the reference docs to the same lists, so a constraint, an enum
 * or a doc row that drifts from them fails here.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOOL_CALL_ERROR_STATUSES } from '@raku/render';
import { describe, expect, it } from 'vitest';
import { OPENAPI_DOCUMENT } from '../../src/admin/openapi.ts';
import { TRACE_DECISIONS, TRACE_ERROR_STATUSES, TRACE_STATUSES } from '../../src/traces/types.ts';
import { parsePrismaSchema } from './helpers/prisma-schema.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFile(join(repoRoot, path), 'utf8');

async function migrationsSql(): Promise<string> {
  const dir = join(repoRoot, 'gateway/prisma/migrations');
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  const texts = await Promise.all(names.sort().map((n) => readFile(join(dir, n, 'migration.sql'), 'utf8')));
  return texts.join('\n');
}

/** Quoted values of a list: `'a', 'b'` → ['a', 'b']. */
const quoted = (list: string) => [...list.matchAll(/'([^']*)'/g)].map((m) => m[1] ?? '');

/**
 * Every value list the SQL pins a column to: `CHECK ("status" IN ('ok', ...))`, `"status" = ANY (ARRAY['ok', ...])`,
 * and `CREATE TYPE "..." AS ENUM ('ok', ...)` used by that column.
 */
function sqlValueLists(sql: string, column: string): string[][] {
  const lists: string[][] = [];
  const col = `"?${column}"?\\)?(?:::text)?`;
  for (const m of sql.matchAll(new RegExp(`${col}\\s+IN\\s*\\(([^)]*)\\)`, 'gi'))) lists.push(quoted(m[1]!));
  for (const m of sql.matchAll(new RegExp(`${col}\\s*=\\s*ANY\\s*\\(\\s*ARRAY\\s*\\[([^\\]]*)\\]`, 'gi')))
    lists.push(quoted(m[1]!));
  for (const m of sql.matchAll(/CREATE\s+TYPE\s+"?(\w+)"?\s+AS\s+ENUM\s*\(([^)]*)\)/gi)) {
    if (new RegExp(`${col}\\s+"?${m[1]}"?`, 'i').test(sql)) lists.push(quoted(m[2]!));
  }
  return lists;
}

/** The `CREATE TABLE "traces"` statement and every `ALTER TABLE "traces"` after it. */
function tracesTableSql(sql: string): string {
  const statements = sql.split(';').filter((s) => /(CREATE|ALTER)\s+TABLE\s+"?traces"?\s/i.test(s));
  expect(statements.length).toBeGreaterThan(0);
  return statements.join(';\n');
}

describe('the trace status and decision lists', () => {
  it('are the enums of the admin API document', () => {
    const schemas = OPENAPI_DOCUMENT.components.schemas;
    expect(schemas.TraceStatus.enum).toEqual([...TRACE_STATUSES]);
    expect(schemas.Trace.properties.decision.enum).toEqual([...TRACE_DECISIONS]);
  });

  it('are text columns in the Prisma schema, so the TS list is the only list of values', async () => {
    const traces = parsePrismaSchema(await read('gateway/prisma/schema.prisma')).find(
      (m) => m.table === 'traces',
    );
    const field = (name: string) => traces?.fields.find((f) => f.name === name);
    expect(field('status')).toMatchObject({ type: 'String', optional: false, list: false, dbType: null });
    expect(field('decision')).toMatchObject({ type: 'String', optional: false, list: false, dbType: null });
  });

  it('match any constraint or enum the migrations put on the traces columns', async () => {
    const sql = tracesTableSql(await migrationsSql());
    expect(sql).toMatch(/"status"\s+TEXT\s+NOT NULL/i);
    expect(sql).toMatch(/"decision"\s+TEXT\s+NOT NULL/i);
    for (const list of sqlValueLists(sql, 'status')) expect(list).toEqual([...TRACE_STATUSES]);
    for (const list of sqlValueLists(sql, 'decision')) expect(list).toEqual([...TRACE_DECISIONS]);
  });

  it('are the values docs/traces.md lists for the status and decision columns', async () => {
    const rows = (await read('docs/traces.md')).split('\n');
    const row = (first: string) => rows.find((l) => l.startsWith(`| ${first}`)) ?? '';
    const codes = (line: string) => [...line.matchAll(/`([a-z_]+)`/g)].map((m) => m[1] ?? '');
    expect(codes(row('`status`')).slice(1)).toEqual([...TRACE_STATUSES]);
    expect(codes(row('`decision`, `rule`')).slice(2)).toEqual([...TRACE_DECISIONS]);
  });
});

describe('the error statuses', () => {
  it('are the same list in the console charts and in the alerts raku generate writes', () => {
    // The generated PrometheusRule's error ratio (in @raku/render, which cannot import the gateway) must count
    // what the console's per-tool charts count, or an alert would fire on a chart that shows no errors.
    expect([...TOOL_CALL_ERROR_STATUSES].sort()).toEqual([...TRACE_ERROR_STATUSES].sort());
  });
});

describe('sqlValueLists', () => {
  it('finds a CHECK list, an ANY(ARRAY[...]) list and an enum type used by the column', () => {
    const sql = [
      `CREATE TYPE "TraceStatus" AS ENUM ('ok', 'error');`,
      `CREATE TABLE "traces" ("status" "TraceStatus" NOT NULL, CHECK ("status" IN ('ok', 'denied')));`,
      `ALTER TABLE "traces" ADD CONSTRAINT c CHECK (("status")::text = ANY (ARRAY['ok'::text, 'timeout'::text]));`,
    ].join('\n');
    expect(sqlValueLists(sql, 'status')).toEqual([
      ['ok', 'denied'],
      ['ok', 'timeout'],
      ['ok', 'error'],
    ]);
    expect(sqlValueLists(sql, 'decision')).toEqual([]);
  });
});
