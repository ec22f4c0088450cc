/**
 * RAKU_TRACE_STORE end to end over the gateway's persistence layer, with a real clickhouse-server and the
 * machine's Postgres: which store gets each trace and which answers each read, readiness, and the fan-out
 * writer through an outage of either store (each store gets every trace exactly once).
 */
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { openPersistence, type Persistence } from '../../src/server/persistence.ts';
import { ALL_TENANTS } from '../../src/tenancy/scope.ts';
import { createFanOutTraceWriter } from '../../src/traces/fan-out-trace-writer.ts';
import { toTraceRow } from '../../src/traces/trace-row.ts';
import { BufferedTraceSink } from '../../src/traces/trace-sink.ts';
import { createPrismaTraceWriter } from '../../src/traces/trace-writer.ts';
import type { TraceRecord } from '../../src/traces/types.ts';
import { startTcpProxy } from '../persistence/helpers/tcp-proxy.ts';
import { createTestDatabase, type TestDatabase, viaPort } from '../persistence/helpers/test-database.ts';
import { openTestStore, startClickHouse, type TestClickHouse } from './helpers/clickhouse-server.ts';

const BASE = Date.UTC(2026, 10, 23, 12, 0, 0);

function call(i: number, tool: string): TraceRecord {
  return {
    time: new Date(BASE + i * 1_000),
    subject: 'agent:bot',
    subjectKind: 'agent',
    tool,
    route: 'pack:petstore',
    target: 'http://petstore-mcp:8080/mcp',
    decision: 'allow',
    rule: 'readers',
    revision: 'rev-1',
    zone: 'dev',
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    latencyMs: i + 0.5,
    status: i % 5 === 0 ? 'error' : 'ok',
    args: { petId: i },
    result: { content: [{ type: 'text', text: `pet ${i}` }] },
  };
}

let server: TestClickHouse;
let postgres: TestDatabase;
let client: ClickHouseClient;

beforeAll(async () => {
  [server, postgres] = await Promise.all([startClickHouse(), createTestDatabase()]);
  client = createClient({ url: server.url, log: { level: ClickHouseLogLevel.OFF } });
}, 120_000);

afterAll(async () => {
  await client?.close();
  await postgres?.drop();
  await server?.stop();
});

async function clickhouseCount(database: string, tool: string): Promise<number> {
  const rows = await (
    await client.query({
      query: `SELECT count() AS n FROM ${database}.traces WHERE tool = '${tool}'`,
      format: 'JSONEachRow',
    })
  ).json<{ n: string }>();
  return Number(rows[0]!.n);
}

const RANGE = { from: new Date(BASE), to: new Date(BASE + 3_600_000) };

async function open(traceStore: 'both' | 'clickhouse', database: string): Promise<Persistence> {
  return openPersistence({
    databaseUrl: postgres.url,
    dataDir: 'unused',
    log: () => {},
    traceStore,
    clickhouse: { url: server.url, database },
  });
}

describe('RAKU_TRACE_STORE=both', () => {
  it('writes every trace to both stores, lists from Postgres and charts from ClickHouse', async () => {
    const persistence = await open('both', 'raku_both');
    try {
      for (let i = 0; i < 30; i++) persistence.traces.record(call(i, 'both.tool'));
      await persistence.traces.flush();
      expect(persistence.traces.stats()).toMatchObject({ written: 30, dropped: 0 });
      expect(await persistence.db.prisma.trace.count({ where: { tool: 'both.tool' } })).toBe(30);
      expect(await clickhouseCount('raku_both', 'both.tool')).toBe(30);

      // A row only ClickHouse holds: the charts count it, the listing (Postgres) does not show it.
      const only = toTraceRow('00000000-0000-4000-8000-0000000000cc', call(40, 'clickhouse-only.tool'));
      const direct = await openTestStore(server.url, 'raku_both');
      await direct.writer.write([only]);
      await direct.close();
      const stats = await persistence.traceReader.stats(ALL_TENANTS, RANGE);
      expect(stats.series.map((s) => [s.tool, s.calls])).toEqual([
        ['both.tool', 30],
        ['clickhouse-only.tool', 1],
      ]);
      expect(stats.series[0]!.points.reduce((n, p) => n + p.errors, 0)).toBe(6);
      const listed = await persistence.traceReader.list(ALL_TENANTS, { limit: 500 });
      expect(listed.items.map((t) => t.tool)).not.toContain('clickhouse-only.tool');
      expect(listed.items.filter((t) => t.tool === 'both.tool')).toHaveLength(30);
      expect(await persistence.traceReader.get(ALL_TENANTS, only.id)).toBeNull();
      expect((await persistence.traceReader.get(ALL_TENANTS, listed.items[0]!.id))?.traceId).toBe(
        '4bf92f3577b34da6a3ce929d0e0e4736',
      );

      expect(await persistence.readiness()).toEqual({
        ready: true,
        detail: { database: 'postgres reachable', clickhouse: 'reachable' },
      });
    } finally {
      await persistence.close();
    }
  });
});

describe('RAKU_TRACE_STORE=clickhouse', () => {
  it('writes traces to ClickHouse only and reads them all from it', async () => {
    const persistence = await open('clickhouse', 'raku_only');
    try {
      for (let i = 0; i < 12; i++) persistence.traces.record(call(i, 'only.tool'));
      await persistence.traces.flush();
      expect(await persistence.db.prisma.trace.count({ where: { tool: 'only.tool' } })).toBe(0);
      expect(await clickhouseCount('raku_only', 'only.tool')).toBe(12);
      const page = await persistence.traceReader.list(ALL_TENANTS, { tool: 'only.tool', limit: 5 });
      expect(page.items.map((t) => t.time)).toEqual(
        [11, 10, 9, 8, 7].map((i) => new Date(BASE + i * 1_000).toISOString()),
      );
      expect(await persistence.traceReader.get(ALL_TENANTS, page.items[0]!.id)).toEqual(page.items[0]);
      const stats = await persistence.traceReader.stats(ALL_TENANTS, { ...RANGE, tool: 'only.tool' });
      expect(stats.series[0]!.calls).toBe(12);
    } finally {
      await persistence.close();
    }
  });

  it('refuses to start when ClickHouse cannot be reached, naming it', async () => {
    await expect(
      openPersistence({
        databaseUrl: postgres.url,
        dataDir: 'unused',
        log: () => {},
        traceStore: 'clickhouse',
        clickhouse: { url: 'http://127.0.0.1:9', database: 'raku' },
      }),
    ).rejects.toThrow(/ClickHouse trace store: cannot create its table: .*ECONNREFUSED/);
  });
});

describe('fan-out writer through an outage', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createDatabase({ url: postgres.url });
    await db.migrate();
  });
  afterAll(async () => {
    await db?.close();
  });

  /** Records 40 traces while `down` is cut, waits for a failed write, restores it and drains. */
  async function throughOutage(
    sink: BufferedTraceSink,
    tool: string,
    down: { cut(): void; restore(): void },
  ) {
    down.cut();
    for (let i = 0; i < 40; i++) sink.record(call(i, tool));
    await vi.waitFor(() => expect(sink.stats().failures).toBeGreaterThan(0), { timeout: 20_000 });
    expect(sink.stats().written).toBe(0);
    down.restore();
    await vi.waitFor(
      async () => {
        await sink.flush();
        expect(sink.stats()).toMatchObject({ queued: 0, written: 40, dropped: 0 });
      },
      { timeout: 20_000 },
    );
  }

  const options = { batchSize: 40, retryDelayMs: 20, maxRetryDelayMs: 100, writeTimeoutMs: 5_000 };

  it('holds a batch while ClickHouse is down and writes it to each store once', async () => {
    const proxy = await startTcpProxy(server.port);
    const clickhouse = await openTestStore(`http://127.0.0.1:${proxy.port}`, 'raku_fan');
    const sink = new BufferedTraceSink({
      ...options,
      writer: createFanOutTraceWriter([
        { name: 'postgres', writer: createPrismaTraceWriter(db) },
        { name: 'clickhouse', writer: clickhouse.writer },
      ]),
      onError: () => {},
    });
    try {
      await throughOutage(sink, 'fan.clickhouse-down', proxy);
      expect(await clickhouseCount('raku_fan', 'fan.clickhouse-down')).toBe(40);
      expect(await db.prisma.trace.count({ where: { tool: 'fan.clickhouse-down' } })).toBe(40);
    } finally {
      await sink.close();
      await clickhouse.close();
      await proxy.close();
    }
  });

  it('does not insert a batch into ClickHouse again when Postgres was down', async () => {
    const proxy = await startTcpProxy(Number(new URL(postgres.url).port || 5432));
    const viaProxy = await createDatabase({ url: viaPort(postgres.url, proxy.port) });
    const clickhouse = await openTestStore(server.url, 'raku_fan');
    const errors: string[] = [];
    const sink = new BufferedTraceSink({
      ...options,
      writer: createFanOutTraceWriter([
        { name: 'postgres', writer: createPrismaTraceWriter(viaProxy) },
        { name: 'clickhouse', writer: clickhouse.writer },
      ]),
      onError: (err) => errors.push((err as Error).message),
    });
    try {
      await throughOutage(sink, 'fan.postgres-down', proxy);
      // ClickHouse took the batch at the first attempt; the retries went to Postgres alone.
      expect(await clickhouseCount('raku_fan', 'fan.postgres-down')).toBe(40);
      expect(await db.prisma.trace.count({ where: { tool: 'fan.postgres-down' } })).toBe(40);
      expect(errors[0]).toMatch(/^trace write failed in postgres: /);
    } finally {
      await sink.close();
      await clickhouse.close();
      await viaProxy.close();
      await proxy.close();
    }
  });
});
