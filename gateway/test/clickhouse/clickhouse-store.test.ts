/**
 * The ClickHouse trace store against a real clickhouse-server (Debian's 18.16 here) started for this file, side
 * by side with the machine's Postgres: the same traces written to both must read back the same (every column,
 * the listing's pages and filters, the per-tool charts), filter values stay data, and retention drops whole days.
 */
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { ALL_TENANTS, tenantScope } from '../../src/tenancy/scope.ts';
import { createClickHouseRetention, firstKeptDay } from '../../src/traces/clickhouse-retention.ts';
import { toClickHouseRow, traceTableDdl } from '../../src/traces/clickhouse-schema.ts';
import type { ClickHouseStore } from '../../src/traces/clickhouse-store.ts';
import { createTraceReader } from '../../src/traces/trace-reader.ts';
import { toTraceRow } from '../../src/traces/trace-row.ts';
import { createPrismaTraceWriter } from '../../src/traces/trace-writer.ts';
import type {
  StoredTrace,
  TraceReader,
  TraceRecord,
  TraceStats,
  TraceStatus,
} from '../../src/traces/types.ts';
import { createTestDatabase, type TestDatabase } from '../persistence/helpers/test-database.ts';
import {
  openTestStore,
  RAKU_TEST_PASSWORD,
  startClickHouse,
  type TestClickHouse,
} from './helpers/clickhouse-server.ts';

const BASE = Date.UTC(2026, 10, 23, 12, 0, 0);
const TOOLS = ['github.list_issues', 'github.get_issue', 'petstore.get_pet', 'it\'s \\ a "tool"'];
const STATUSES: TraceStatus[] = ['ok', 'ok', 'ok', 'error', 'timeout', 'denied', 'invalid', 'ok'];

let server: TestClickHouse;
let postgres: TestDatabase;
let db: Database;
let store: ClickHouseStore;
let pgReader: TraceReader;

/** Trace `i` of the data set: times spread over 30 minutes with ties, four tools, two zones, mixed statuses. */
function record(i: number, extra: Partial<TraceRecord> = {}): TraceRecord {
  return {
    time: new Date(BASE + Math.floor(i / 3) * 1_237),
    subject: `agent:bot-${i % 5}`,
    subjectKind: 'agent',
    tool: TOOLS[i % TOOLS.length]!,
    route: i % 11 === 0 ? null : 'pack:github-issues@1.2.0',
    target: i % 11 === 0 ? null : 'http://github-issues-mcp:8080/mcp',
    decision: i % 8 === 5 ? 'deny' : 'allow',
    rule: i % 8 === 5 ? 'no-deletes' : 'readers',
    revision: 'a1b2c3d',
    zone: i % 4 === 3 ? null : i % 2 === 0 ? 'dev' : 'prod',
    traceId: i % 3 === 0 ? null : (i * 7919).toString(16).padStart(32, '0'),
    latencyMs: ((i * 37) % 500) / 4 + 0.125,
    status: STATUSES[i % STATUSES.length]!,
    args: { n: i, quote: "it's", path: 'C:\\tmp', text: 'zero \u0000 and 😀' },
    result: i % 2 === 0 ? { content: [{ type: 'text', text: `row ${i}` }] } : null,
    error: STATUSES[i % STATUSES.length] === 'error' ? `upstream said "no" to ${i}` : null,
    ...extra,
  };
}

const id = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const N = 1_500;

beforeAll(async () => {
  [server, postgres] = await Promise.all([startClickHouse(), createTestDatabase()]);
  db = await createDatabase({ url: postgres.url });
  await db.migrate();
  store = await openTestStore(server.url, 'raku_store');
  pgReader = createTraceReader(db);
  const rows = Array.from({ length: N }, (_, i) => toTraceRow(id(i), record(i)));
  const pgWriter = createPrismaTraceWriter(db);
  for (let i = 0; i < N; i += 500) {
    await Promise.all([pgWriter.write(rows.slice(i, i + 500)), store.writer.write(rows.slice(i, i + 500))]);
  }
}, 120_000);

afterAll(async () => {
  await store?.close();
  await db?.close();
  await postgres?.drop();
  await server?.stop();
});

/** Every page of a listing, following the cursors. */
async function allPages(
  reader: TraceReader,
  filter: Parameters<TraceReader['list']>[1],
): Promise<StoredTrace[]> {
  const items: StoredTrace[] = [];
  let cursor: string | undefined;
  do {
    const page = await reader.list(ALL_TENANTS, { ...filter, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** Percentiles may differ in the last bits (the databases round differently); everything else must be equal. */
function expectSameStats(actual: TraceStats, expected: TraceStats): void {
  const strip = (s: TraceStats) => ({
    ...s,
    series: s.series.map((x) => ({ ...x, points: x.points.map((p) => ({ ...p, p50: 0, p95: 0, p99: 0 })) })),
  });
  expect(strip(actual)).toEqual(strip(expected));
  for (const [i, series] of expected.series.entries()) {
    for (const [j, point] of series.points.entries()) {
      const got = actual.series[i]!.points[j]!;
      for (const key of ['p50', 'p95', 'p99'] as const) {
        if (point[key] === null) expect(got[key]).toBeNull();
        else expect(got[key]).toBeCloseTo(point[key], 9);
      }
    }
  }
}

describe('ClickHouse trace store', () => {
  it('runs against a ClickHouse server started for the test', () => {
    expect(server.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('stores every column of a trace as Postgres does', async () => {
    for (const i of [0, 1, 3, 5, 11, 44]) {
      const [fromClickHouse, fromPostgres] = await Promise.all([
        store.reader.get(ALL_TENANTS, id(i)),
        pgReader.get(ALL_TENANTS, id(i)),
      ]);
      expect(fromPostgres).not.toBeNull();
      expect(fromClickHouse).toEqual(fromPostgres);
    }
    expect((await store.reader.get(ALL_TENANTS, id(1)))!.args).toEqual({
      n: 1,
      quote: "it's",
      path: 'C:\\tmp',
      text: 'zero \uFFFD and 😀',
    });
    expect(await store.reader.get(ALL_TENANTS, '00000000-0000-4000-8000-999999999999')).toBeNull();
  });

  it('lists newest first in the same pages as Postgres, with every filter', async () => {
    const filters: Parameters<TraceReader['list']>[1][] = [
      { limit: 97 },
      { limit: 50, tool: 'github.get_issue' },
      { limit: 40, status: 'timeout', zone: 'dev' },
      { limit: 25, decision: 'deny', rule: 'no-deletes', subject: 'agent:bot-0' },
      { limit: 60, from: new Date(BASE + 100_000), to: new Date(BASE + 200_001) },
    ];
    for (const filter of filters) {
      const [fromClickHouse, fromPostgres] = await Promise.all([
        allPages(store.reader, filter),
        allPages(pgReader, filter),
      ]);
      expect(fromPostgres.length).toBeGreaterThan(0);
      expect(fromClickHouse.map((t) => t.id)).toEqual(fromPostgres.map((t) => t.id));
    }
    const first = await store.reader.list(ALL_TENANTS, { limit: 10 });
    expect(first.items[0]).toEqual(await pgReader.get(ALL_TENANTS, first.items[0]!.id));
  });

  it('answers the per-tool charts as Postgres does', async () => {
    const to = new Date(BASE + 31 * 60_000);
    const queries = [
      { from: new Date(BASE), to },
      { from: new Date(BASE + 1_000), to: new Date(BASE + 900_500), bucketSeconds: 120 },
      { from: new Date(BASE), to, tool: 'petstore.get_pet', zone: 'dev' },
      { from: new Date(BASE), to, bucketSeconds: 1 },
      { from: new Date(BASE - 3_600_000), to: new Date(BASE - 60_000) },
    ];
    for (const query of queries) {
      const [fromClickHouse, fromPostgres] = await Promise.all([
        store.reader.stats(ALL_TENANTS, query),
        pgReader.stats(ALL_TENANTS, query),
      ]);
      expectSameStats(fromClickHouse, fromPostgres);
    }
    const all = await store.reader.stats(ALL_TENANTS, queries[0]!);
    expect(all.toolsTotal).toBe(TOOLS.length);
    expect(all.series.reduce((n, s) => n + s.calls, 0)).toBe(N);
    expect((await store.reader.stats(ALL_TENANTS, queries[3]!)).bucketWidened).toBe(true);
  });

  it('charts only the 20 busiest tools and counts the others', async () => {
    const at = Date.UTC(2026, 10, 24, 8, 0, 0);
    const rows = Array.from({ length: 22 }, (_, t) =>
      Array.from({ length: 22 - t }, (_, k) =>
        toTraceRow(
          id(10_000 + t * 100 + k),
          record(k, { tool: `tool.${String(t).padStart(2, '0')}`, time: new Date(at + k) }),
        ),
      ),
    ).flat();
    await Promise.all([createPrismaTraceWriter(db).write(rows), store.writer.write(rows)]);
    const query = { from: new Date(at), to: new Date(at + 60_000) };
    const stats = await store.reader.stats(ALL_TENANTS, query);
    expect(stats.toolsTotal).toBe(22);
    expect(stats.series.map((s) => s.calls)).toEqual(Array.from({ length: 20 }, (_, t) => 22 - t));
    expectSameStats(stats, await pgReader.stats(ALL_TENANTS, query));
  });

  it('treats filter values as data, quotes and backslashes included', async () => {
    const quoted = await store.reader.list(ALL_TENANTS, { tool: TOOLS[3]!, limit: 500 });
    expect(quoted.items.length).toBe(N / TOOLS.length);
    for (const tool of ["x' OR '1'='1", "\\' OR 1=1 --", 'x\\']) {
      expect((await store.reader.list(ALL_TENANTS, { tool })).items).toEqual([]);
      expect(
        (
          await store.reader.stats(ALL_TENANTS, {
            tool,
            from: new Date(BASE),
            to: new Date(BASE + 3_600_000),
          })
        ).series,
      ).toEqual([]);
    }
  });
});

describe('ClickHouse store setup', () => {
  it('creates its table once and opens again over it', async () => {
    const again = await openTestStore(server.url, 'raku_store');
    try {
      expect((await again.reader.list(ALL_TENANTS, { limit: 1 })).items).toHaveLength(1);
      expect(await again.ping()).toBe(true);
    } finally {
      await again.close();
    }
  });

  it('adds the tenant column to a table made before tenants, whose rows then read as the implicit tenant', async () => {
    const database = 'raku_before_tenants';
    const client = createClient({ url: server.url, log: { level: ClickHouseLogLevel.OFF } });
    try {
      // The table as it was before the tenant column: today's DDL without its last column.
      const [createDb, createTable] = traceTableDdl(database);
      await client.command({ query: createDb! });
      await client.command({ query: createTable!.replace(/,\s*tenant String DEFAULT 'default'/, '') });
      // A row stored before the upgrade, and one a replica of that release writes during it (18.16 fills the
      // omitted column with '', not its DEFAULT).
      const before = (n: number) =>
        client.insert({
          table: `${database}.traces`,
          values: [
            Object.fromEntries(
              Object.entries(toClickHouseRow(toTraceRow(id(n), record(n)))).filter(([k]) => k !== 'tenant'),
            ),
          ],
          format: 'JSONEachRow',
        });
      await before(1);
      const old = await openTestStore(server.url, database);
      try {
        await before(3);
        await old.writer.write([toTraceRow(id(2), record(2, { tenant: 'acme' }))]);
        const all = await old.reader.list(ALL_TENANTS, {});
        expect(all.items.map((t) => [t.id, t.tenant]).sort()).toEqual([
          [id(1), 'default'],
          [id(2), 'acme'],
          [id(3), 'default'],
        ]);
        // No row-level security here: the scope is a WHERE clause, and another tenant's trace reads as absent.
        expect((await old.reader.list(tenantScope(['acme']), {})).items.map((t) => t.id)).toEqual([id(2)]);
        expect(await old.reader.get(tenantScope(['acme']), id(1))).toBeNull();
        expect((await old.reader.list(tenantScope(['default']), {})).items).toHaveLength(2);
        const stats = await old.reader.stats(tenantScope(['default']), {
          from: new Date(BASE - 60_000),
          to: new Date(BASE + 3_600_000),
        });
        expect(stats.series.reduce((n, s) => n + s.calls, 0)).toBe(2);
      } finally {
        await old.close();
      }
    } finally {
      await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await client.close();
    }
  });

  it('authenticates with the credentials in the URL and says why it cannot start', async () => {
    const url = new URL(server.url);
    url.username = 'raku';
    url.password = RAKU_TEST_PASSWORD;
    const withUser = await openTestStore(url.href, 'raku_user');
    await withUser.writer.write([toTraceRow(id(1), record(1))]);
    expect((await withUser.reader.get(ALL_TENANTS, id(1)))?.tool).toBe(record(1).tool);
    await withUser.close();

    url.password = 'not-the-password';
    const failure = openTestStore(url.href, 'raku_user');
    await expect(failure).rejects.toThrow(
      /ClickHouse trace store: cannot create its table: .*(password|Authentication)/i,
    );
    await expect(failure).rejects.not.toThrow(/not-the-password/);
  });

  it('answers ping false, and write rejects, when the server is unreachable', async () => {
    const closed = createClient({ url: 'http://127.0.0.1:9', log: { level: ClickHouseLogLevel.OFF } });
    const { createClickHouseTraceWriter } = await import('../../src/traces/clickhouse-writer.ts');
    const writer = createClickHouseTraceWriter(closed, 'raku_store');
    expect(await writer.ping()).toBe(false);
    await expect(writer.write([toTraceRow(id(1), record(1))])).rejects.toThrow(/ECONNREFUSED/);
    await closed.close();
  });
});

describe('ClickHouse retention', () => {
  it('drops the days wholly past the retention and keeps the rest', async () => {
    const retained = await openTestStore(server.url, 'raku_retention');
    const now = new Date(Date.UTC(2026, 11, 4, 10, 30));
    const day = (d: number, hour = 12) => new Date(Date.UTC(2026, 11, 4 - d, hour));
    const times = [day(40), day(31, 23), day(30, 1), day(30, 23), day(29), day(1), day(0, 9)];
    await retained.writer.write(times.map((time, i) => toTraceRow(id(i), record(i, { time }))));
    const logs: string[] = [];
    const client = createClient({ url: server.url });
    const retention = createClickHouseRetention(client, 'raku_retention', {
      days: 30,
      now: () => now,
      log: (m) => logs.push(m),
    });
    expect(firstKeptDay(now, 30)).toBe('2026-11-04');
    expect(await retention.runOnce()).toEqual(['2026-10-25', '2026-11-03']);
    const left = (await allPages(retained.reader, {})).map((t) => t.time).sort();
    // The cutoff is 2026-11-04 10:30: the trace at 01:00 that day is older but kept with its day.
    expect(left).toEqual(times.slice(2).map((t) => t.toISOString()));
    expect(logs).toEqual(['trace retention (ClickHouse): dropped 2026-10-25, 2026-11-03']);
    expect(await retention.runOnce()).toEqual([]);
    const forever = createClickHouseRetention(client, 'raku_retention', { days: 0, now: () => now });
    expect(await forever.runOnce()).toEqual([]);
    await client.close();
    await retained.close();
  });
});
