import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { ALL_TENANTS } from '../../src/tenancy/scope.ts';
import { REDACTED } from '../../src/traces/redaction.ts';
import { createTraceReader } from '../../src/traces/trace-reader.ts';
import { toTraceRow, traceRowBytes } from '../../src/traces/trace-row.ts';
import { BufferedTraceSink } from '../../src/traces/trace-sink.ts';
import { createPrismaTraceWriter } from '../../src/traces/trace-writer.ts';
import type { TraceRecord } from '../../src/traces/types.ts';
import { hostileJson, hostileString, nest } from '../helpers/hostile-json.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';
import { createTestDatabase, type TestDatabase, viaPort } from './helpers/test-database.ts';

/** Starting PGlite (initdb in WASM) takes tens of seconds on a loaded 2-core machine. */
const PGLITE_START_MS = 180_000;

function call(i: number, extra: Partial<TraceRecord> = {}): TraceRecord {
  return {
    time: new Date(Date.UTC(2026, 10, 23, 12, 0, 0, i)),
    subject: `agent:bot-${i % 3}`,
    subjectKind: 'agent',
    tool: `petstore.get_pet_${i}`,
    route: 'pack:petstore',
    target: 'http://petstore-mcp.raku-dev.svc.cluster.local:8080/mcp',
    decision: 'allow',
    rule: 'reader',
    revision: 'rev-1',
    latencyMs: 1.25,
    status: 'ok',
    args: { petId: i },
    result: { content: [{ type: 'text', text: `pet ${i}` }] },
    ...extra,
  };
}

/** One stored row per call, with every field as recorded, for both database kinds. */
function storageSuite(kind: string, open: () => Promise<Database>) {
  describe(`trace storage on ${kind}`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await open();
      await db.migrate();
    }, PGLITE_START_MS);
    afterAll(async () => {
      await db?.close();
    });

    it('writes exactly one row per recorded call with every field', async () => {
      const sink = new BufferedTraceSink({ writer: createPrismaTraceWriter(db), batchSize: 7 });
      for (let i = 0; i < 25; i++) sink.record(call(i));
      sink.record(
        call(25, {
          decision: 'deny',
          rule: 'no-deletes-in-prod',
          status: 'denied',
          route: null,
          target: null,
        }),
      );
      await sink.flush();
      expect(sink.stats()).toEqual({ queued: 0, queuedBytes: 0, dropped: 0, written: 26, failures: 0 });
      const rows = await db.prisma.trace.findMany({ orderBy: { time: 'asc' } });
      expect(rows).toHaveLength(26);
      expect(new Set(rows.map((r) => r.tool)).size).toBe(26);
      expect(rows[3]).toMatchObject({
        time: new Date(Date.UTC(2026, 10, 23, 12, 0, 0, 3)),
        subject: 'agent:bot-0',
        subjectKind: 'agent',
        tool: 'petstore.get_pet_3',
        route: 'pack:petstore',
        decision: 'allow',
        rule: 'reader',
        revision: 'rev-1',
        latencyMs: 1.25,
        status: 'ok',
        argsBytes: JSON.stringify({ petId: 3 }).length,
        resultBytes: JSON.stringify(call(3).result).length,
        args: { petId: 3 },
        result: { content: [{ type: 'text', text: 'pet 3' }] },
        error: null,
      });
      expect(rows[25]).toMatchObject({
        decision: 'deny',
        rule: 'no-deletes-in-prod',
        status: 'denied',
        route: null,
      });
      await sink.close();
    });

    it('stores arguments and results redacted, sizes measured before redaction', async () => {
      const sink = new BufferedTraceSink({ writer: createPrismaTraceWriter(db) });
      const args = { owner: 'acme', token: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', ssn: '078-05-1120' };
      sink.record(
        call(100, {
          tool: 'redaction.check',
          args,
          inputSchema: { type: 'object', properties: { ssn: { type: 'string', 'x-sensitive': true } } },
          result: { content: [{ type: 'text', text: 'reply to ann@example.com with Bearer abcdefghijkl' }] },
          status: 'error',
          error: 'upstream said: password=hunter2 for bob@example.com',
        }),
      );
      await sink.close();
      const row = await db.prisma.trace.findFirstOrThrow({ where: { tool: 'redaction.check' } });
      expect(row.args).toEqual({ owner: 'acme', token: REDACTED, ssn: REDACTED });
      expect(row.result).toEqual({
        content: [{ type: 'text', text: `reply to [EMAIL] with Bearer ${REDACTED}` }],
      });
      expect(row.error).toBe(`upstream said: password=${REDACTED} for [EMAIL]`);
      expect(row.argsBytes).toBe(Buffer.byteLength(JSON.stringify(args)));
      expect(JSON.stringify(row)).not.toContain('ghp_');
    });

    it('stores a row whose payload the database refuses with markers instead, and still writes the rest of its batch', async () => {
      // A real refusal of the payload alone: a check constraint, as a stricter schema or a jsonb limit would.
      await db.prisma.$executeRawUnsafe(
        `ALTER TABLE "traces" ADD CONSTRAINT "test_no_poison" CHECK ("args" IS NULL OR NOT ("args" ? 'poison'))`,
      );
      try {
        const sink = new BufferedTraceSink({ writer: createPrismaTraceWriter(db), batchSize: 50 });
        for (let i = 0; i < 4; i++) sink.record(call(200 + i, { tool: `poison.ok_${i}` }));
        sink.record(call(204, { tool: 'poison.payload', args: { poison: 'x'.repeat(10) } }));
        await sink.close();
        expect(sink.stats()).toMatchObject({ written: 5, dropped: 0 });
        expect(sink.stats().failures).toBeGreaterThanOrEqual(2);
        const rows = await db.prisma.trace.findMany({ where: { tool: { startsWith: 'poison.' } } });
        expect(rows.map((r) => r.tool).sort()).toEqual([
          'poison.ok_0',
          'poison.ok_1',
          'poison.ok_2',
          'poison.ok_3',
          'poison.payload',
        ]);
        const marked = rows.find((r) => r.tool === 'poison.payload')!;
        const argsBytes = JSON.stringify({ poison: 'x'.repeat(10) }).length;
        expect(marked).toMatchObject({
          args: { $raku: 'truncated', reason: 'refused', bytes: argsBytes },
          result: { $raku: 'truncated', reason: 'refused', bytes: JSON.stringify(call(204).result).length },
          argsBytes,
          subject: 'agent:bot-0',
          status: 'ok',
          error: null,
        });
      } finally {
        await db.prisma.$executeRawUnsafe(`ALTER TABLE "traces" DROP CONSTRAINT "test_no_poison"`);
      }
    });

    it('drops and counts only a row the database refuses even with markers in place of its payloads', async () => {
      await db.prisma.$executeRawUnsafe(
        `ALTER TABLE "traces" ADD CONSTRAINT "test_no_tool" CHECK ("tool" <> 'poison.always')`,
      );
      try {
        const sink = new BufferedTraceSink({ writer: createPrismaTraceWriter(db), batchSize: 50 });
        sink.record(call(210, { tool: 'poison.always' }));
        sink.record(call(211, { tool: 'poison.neighbour' }));
        await sink.close();
        expect(sink.stats()).toMatchObject({ written: 1, dropped: 1 });
        expect(await db.prisma.trace.count({ where: { tool: 'poison.neighbour' } })).toBe(1);
      } finally {
        await db.prisma.$executeRawUnsafe(`ALTER TABLE "traces" DROP CONSTRAINT "test_no_tool"`);
      }
    });

    it('stores a trace whatever strings it holds: lone surrogates and NUL become U+FFFD in every column and payload', async () => {
      const sink = new BufferedTraceSink({ writer: createPrismaTraceWriter(db), batchSize: 64 });
      let recorded = 0;
      fc.assert(
        fc.property(hostileString(), hostileString(), hostileJson(3), (text, key, value) => {
          sink.record(
            call(300 + recorded, {
              subject: `agent:${text}`,
              tool: `surrogate.${recorded}.${text}`,
              route: text,
              target: text,
              rule: text,
              revision: text,
              args: { [key]: text, nested: [text, { [text]: value }] },
              result: { content: [{ type: 'text', text }], structuredContent: { value } },
              error: text,
            }),
          );
          recorded++;
        }),
        { numRuns: 150 },
      );
      sink.record(
        call(299, { tool: 'surrogate.fixed', subject: 'agent:\ud800', args: { '\u0000k': 'a\udc00b' } }),
      );
      recorded++;
      await sink.close();
      expect(sink.stats()).toMatchObject({ written: recorded, dropped: 0 });
      const rows = await db.prisma.trace.findMany({ where: { tool: { startsWith: 'surrogate.' } } });
      expect(rows).toHaveLength(recorded);
      const fixed = rows.find((r) => r.tool === 'surrogate.fixed')!;
      expect(fixed.subject).toBe('agent:\uFFFD');
      expect(fixed.args).toEqual({ '\uFFFDk': 'a\uFFFDb' });
      // What was stored as the marker is only what no string could be.
      expect(rows.filter((r) => JSON.stringify(r.args).includes('"$raku"'))).toEqual([]);
    });

    it('stores deep, cyclic, BigInt and huge payloads as markers, and the calls around them as they are', async () => {
      const sink = new BufferedTraceSink({ writer: createPrismaTraceWriter(db), batchSize: 10 });
      const cyclic: Record<string, unknown> = {};
      cyclic['self'] = cyclic;
      const payloads: [string, unknown][] = [
        ['deep', nest('x', 4300)],
        ['cyclic', cyclic],
        ['bigint', { n: 12n }],
        ['huge', { s: 'é'.repeat(3 * 1024 * 1024) }],
      ];
      for (const [name, args] of payloads)
        sink.record(call(400, { tool: `hostile.${name}`, args: args as never }));
      sink.record(call(401, { tool: 'hostile.plain' }));
      await sink.close();
      expect(sink.stats()).toMatchObject({ written: 5, dropped: 0 });
      const rows = await db.prisma.trace.findMany({ where: { tool: { startsWith: 'hostile.' } } });
      const args = Object.fromEntries(rows.map((r) => [r.tool, r.args]));
      expect(args['hostile.deep']).toMatchObject({ $raku: 'truncated', reason: 'depth' });
      expect(args['hostile.cyclic']).toMatchObject({ $raku: 'truncated', reason: 'depth' });
      expect(args['hostile.bigint']).toEqual({ n: '12' });
      expect(args['hostile.huge']).toMatchObject({ $raku: 'truncated', reason: 'size' });
      expect(args['hostile.plain']).toEqual({ petId: 401 });
    });

    it('lets nothing thrown while writing leave the writer: a write that throws at once, a logger that throws', async () => {
      const real = createPrismaTraceWriter(db);
      let calls = 0;
      const sink = new BufferedTraceSink({
        writer: {
          write(rows) {
            if (calls++ === 0) throw 'not even an Error'; // thrown, not a rejected promise
            return real.write(rows);
          },
          ping: () => real.ping(),
        },
        onError: () => {
          throw new Error('the logger is broken too');
        },
      });
      for (let i = 0; i < 3; i++) sink.record(call(500 + i, { tool: `throwing.${i}` }));
      await sink.close();
      expect(sink.stats()).toMatchObject({ written: 3, dropped: 0, failures: 1 });
      expect(await db.prisma.trace.count({ where: { tool: { startsWith: 'throwing.' } } })).toBe(3);
    });

    it('reads traces back newest first, filtered, in cursor pages', async () => {
      const reader = createTraceReader(db);
      const all: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await reader.list(ALL_TENANTS, { subject: 'agent:bot-1', limit: 4, cursor });
        all.push(...page.items.map((t) => t.tool));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      const expected = (await db.prisma.trace.findMany({ where: { subject: 'agent:bot-1' } }))
        .sort((a, b) => b.time.getTime() - a.time.getTime() || (a.id < b.id ? 1 : -1))
        .map((t) => t.tool);
      expect(all).toEqual(expected);
      expect(pages).toBe(Math.ceil(expected.length / 4));
      const denied = await reader.list(ALL_TENANTS, { status: 'denied' });
      expect(denied.items.map((t) => t.tool)).toEqual(['petstore.get_pet_25']);
      const window = await reader.list(ALL_TENANTS, {
        tool: 'petstore.get_pet_5',
        from: new Date(Date.UTC(2026, 10, 23, 12, 0, 0, 5)),
        to: new Date(Date.UTC(2026, 10, 23, 12, 0, 0, 6)),
      });
      expect(window.items).toHaveLength(1);
      const empty = await reader.list(ALL_TENANTS, {
        tool: 'petstore.get_pet_5',
        to: new Date(Date.UTC(2026, 10, 23, 12, 0, 0, 5)),
      });
      expect(empty.items).toHaveLength(0);
    });

    it('rejects a cursor it did not issue', async () => {
      const reader = createTraceReader(db);
      await expect(reader.list(ALL_TENANTS, { cursor: 'bm90LWEtY3Vyc29y' })).rejects.toThrow(/cursor/);
    });
  });
}

let pgDatabase: TestDatabase;
beforeAll(async () => {
  pgDatabase = await createTestDatabase();
});
afterAll(async () => {
  await pgDatabase?.drop();
});

storageSuite('Postgres', () => createDatabase({ url: pgDatabase.url }));
storageSuite('PGlite', () => createDatabase({ dataDir: 'memory://' }));

describe('trace sink while Postgres is unreachable', () => {
  let proxy: TcpProxy;
  let db: Database;
  beforeAll(async () => {
    proxy = await startTcpProxy(Number(new URL(pgDatabase.url).port || 5432));
    db = await createDatabase({ url: viaPort(pgDatabase.url, proxy.port), connectTimeoutMs: 1_000 });
    await db.migrate();
    await db.prisma.trace.deleteMany({});
  });
  afterAll(async () => {
    await db?.close();
    await proxy?.close();
  });

  it('keeps calls in a bounded buffer, counts the overflow, and writes the rest after recovery', async () => {
    const errors: unknown[] = [];
    const sink = new BufferedTraceSink({
      writer: createPrismaTraceWriter(db),
      maxBuffered: 50,
      batchSize: 10,
      flushIntervalMs: 10,
      retryDelayMs: 10,
      maxRetryDelayMs: 50,
      onError: (e) => errors.push(e),
    });
    for (let i = 0; i < 20; i++) sink.record(call(i, { tool: `outage.before_${i}` }));
    await sink.flush();
    expect(sink.stats()).toEqual({ queued: 0, queuedBytes: 0, dropped: 0, written: 20, failures: 0 });

    proxy.cut();
    for (let i = 0; i < 30; i++) sink.record(call(i, { tool: `outage.during_${i}` }));
    await sink.flush(); // fails: the database is unreachable
    expect(sink.stats()).toMatchObject({ queued: 30, dropped: 0, written: 20 });
    expect(sink.stats().failures).toBeGreaterThanOrEqual(1);
    // 20 more fit in the buffer of 50, the last 10 do not.
    for (let i = 30; i < 60; i++) sink.record(call(i, { tool: `outage.during_${i}` }));
    expect(sink.stats()).toMatchObject({ queued: 50, dropped: 10 });

    proxy.restore();
    await vi.waitFor(() => expect(sink.stats().queued).toBe(0), { timeout: 20_000, interval: 50 });
    expect(sink.stats()).toMatchObject({ queued: 0, dropped: 10, written: 70 });
    await sink.close();

    const tools = new Set((await db.prisma.trace.findMany({ select: { tool: true } })).map((r) => r.tool));
    expect(tools.size).toBe(70);
    for (let i = 0; i < 20; i++) expect(tools).toContain(`outage.before_${i}`);
    for (let i = 0; i < 50; i++) expect(tools).toContain(`outage.during_${i}`);
    for (let i = 50; i < 60; i++) expect(tools).not.toContain(`outage.during_${i}`);
    expect(errors.length).toBe(sink.stats().failures);
  });

  it('bounds the buffer by bytes: a trace whose row does not fit is dropped and counted, the rest written after recovery', async () => {
    const big = (i: number) =>
      call(i, {
        tool: `bytes.during_${i}`,
        result: { items: Array.from({ length: 100 }, () => 'r'.repeat(1_000)) },
      });
    const rowBytes = traceRowBytes(toTraceRow('00000000-0000-4000-8000-000000000000', big(0)));
    const sink = new BufferedTraceSink({
      writer: createPrismaTraceWriter(db),
      maxBufferedBytes: 3 * rowBytes + rowBytes / 2,
      flushIntervalMs: 10,
      retryDelayMs: 10,
      maxRetryDelayMs: 50,
    });
    proxy.cut();
    try {
      for (let i = 0; i < 5; i++) sink.record(big(i));
      // Rows are built and counted once per event-loop turn, off the request path.
      await new Promise((resolve) => setImmediate(resolve));
      expect(sink.stats()).toMatchObject({ queued: 3, queuedBytes: 3 * rowBytes, dropped: 2, written: 0 });
      // A small trace still fits beside them.
      sink.record(call(5, { tool: 'bytes.small' }));
      await sink.flush(); // fails: the database is unreachable
      expect(sink.stats()).toMatchObject({ queued: 4, dropped: 2, written: 0 });
    } finally {
      proxy.restore();
    }
    await vi.waitFor(() => expect(sink.stats().queued).toBe(0), { timeout: 20_000, interval: 50 });
    await sink.close();
    expect(sink.stats()).toMatchObject({ queued: 0, queuedBytes: 0, dropped: 2, written: 4 });
    const tools = (await db.prisma.trace.findMany({ where: { tool: { startsWith: 'bytes.' } } })).map(
      (r) => r.tool,
    );
    expect(tools.sort()).toEqual(['bytes.during_0', 'bytes.during_1', 'bytes.during_2', 'bytes.small']);
  });

  it('does not stall when the database stops answering, and writes everything after recovery', async () => {
    const sink = new BufferedTraceSink({
      writer: createPrismaTraceWriter(db),
      writeTimeoutMs: 300,
      flushIntervalMs: 10,
      retryDelayMs: 10,
      maxRetryDelayMs: 50,
    });
    proxy.blackhole();
    for (let i = 0; i < 10; i++) sink.record(call(i, { tool: `partition.during_${i}` }));
    await sink.flush(); // bounded by the write timeout even though nothing answers
    expect(sink.stats()).toMatchObject({ queued: 10, written: 0, dropped: 0 });
    expect(sink.stats().failures).toBeGreaterThanOrEqual(1);
    proxy.restore();
    await vi.waitFor(() => expect(sink.stats().queued).toBe(0), { timeout: 30_000, interval: 50 });
    await sink.close();
    expect(sink.stats()).toMatchObject({ written: 10, dropped: 0 });
    const rows = await db.prisma.trace.findMany({ where: { tool: { startsWith: 'partition.' } } });
    expect(rows).toHaveLength(10);
  });

  it('counts what is still queued at close as dropped when the database stays down', async () => {
    const sink = new BufferedTraceSink({
      writer: createPrismaTraceWriter(db),
      flushIntervalMs: 10_000,
    });
    proxy.cut();
    try {
      for (let i = 0; i < 5; i++) sink.record(call(i, { tool: 'outage.at_close' }));
      await sink.close();
      expect(sink.stats()).toMatchObject({ queued: 0, dropped: 5, written: 0 });
      sink.record(call(6));
      expect(sink.stats().dropped).toBe(6);
    } finally {
      proxy.restore();
    }
  });
});
