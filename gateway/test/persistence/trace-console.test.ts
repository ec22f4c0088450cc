/**
 * What the console reads of traces, on real Postgres and on PGlite, through the reader and through the admin
 * API: every listing filter alone and combined, keyset pages across equal timestamps, one trace by id, and the
 * per-tool charts, whose numbers are checked against values computed here from the inserted rows.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminRouter } from '../../src/admin/admin-router.ts';
import type { AdminDeps, AuthorizeResult } from '../../src/admin/types.ts';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { ALL_TENANTS } from '../../src/tenancy/scope.ts';
import { createTraceReader, roundBucket, statsWindow } from '../../src/traces/trace-reader.ts';
import { toTraceRow } from '../../src/traces/trace-row.ts';
import { createPrismaTraceWriter } from '../../src/traces/trace-writer.ts';
import {
  type StoredTrace,
  TRACE_ERROR_STATUSES,
  TRACE_STATUSES,
  type TraceDecision,
  type TraceReader,
  type TraceRecord,
  type TraceStatus,
} from '../../src/traces/types.ts';
import { ADMIN, READER as MIA } from '../helpers/admin-callers.ts';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.ts';

/** Starting PGlite (initdb in WASM) takes tens of seconds on a loaded 2-core machine. */
const PGLITE_START_MS = 180_000;

/** Listing fixtures live on 2026-10-01; chart fixtures on 2026-10-02 and later, so neither sees the other. */
const LIST_BASE = Date.UTC(2026, 9, 1, 12, 0, 0);
const STATS_BASE = Date.UTC(2026, 9, 2, 12, 0, 0);
const CAP_BASE = Date.UTC(2026, 9, 3, 12, 0, 0);

const idOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

interface Fixture {
  n: number;
  time: number;
  subject: string;
  tool: string;
  status: TraceStatus;
  decision: TraceDecision;
  rule: string | null;
  zone: string | null;
  latencyMs: number;
}

function record(f: Fixture): TraceRecord {
  return {
    time: new Date(f.time),
    subject: f.subject,
    subjectKind: f.subject.startsWith('user:') ? 'user' : 'agent',
    tool: f.tool,
    route: 'pack:x@1.0.0',
    target: 'in-process',
    decision: f.decision,
    rule: f.rule,
    revision: 'rev-1',
    zone: f.zone,
    latencyMs: f.latencyMs,
    status: f.status,
    args: { n: f.n, token: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789' },
    result: { content: [{ type: 'text', text: `result ${f.n}` }] },
  };
}

/**
 * 60 listing traces: every 3rd shares its timestamp with the two before it (so pages cut through equal
 * times), with subjects, tools, statuses, decisions, rules and zones in different cycles so filters combine.
 */
const LISTED: Fixture[] = Array.from({ length: 60 }, (_, i) => {
  const status = (['ok', 'ok', 'denied', 'error', 'pending'] as const)[i % 5]!;
  const decision: TraceDecision = status === 'denied' ? 'deny' : status === 'pending' ? 'approval' : 'allow';
  return {
    n: i + 1,
    time: LIST_BASE + Math.floor(i / 3) * 1000,
    subject: i % 2 ? 'agent:triage-bot' : 'user:ann',
    tool: ['github.list_issues', 'petstore.get_pet', 'docs.search'][i % 3]!,
    status,
    decision,
    rule: decision === 'deny' ? 'deny-secrets' : decision === 'approval' ? 'prod-writes' : `bind-${i % 2}`,
    zone: i % 4 === 0 ? 'dev' : i === 59 ? null : 'prod',
    latencyMs: i,
  };
});

/** percentile_cont as Postgres defines it: linear interpolation between the two nearest ranks. */
function percentileCont(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = p * (sorted.length - 1);
  const lower = Math.floor(pos);
  const upper = Math.ceil(pos);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (pos - lower);
}

/**
 * Chart fixtures, in 60-second buckets from STATS_BASE: tool A gets latencies 1..100 in bucket 0 and 201..240
 * in bucket 2 (none in bucket 1); tool B 10 calls in bucket 1. Statuses cycle through every status, so errors
 * count some and not others; a third of the calls are in zone 'dev'.
 */
const CHARTED: Fixture[] = [
  ...Array.from({ length: 100 }, (_, i) => ({ tool: 'a.tool', bucket: 0, latency: i + 1, i })),
  ...Array.from({ length: 40 }, (_, i) => ({ tool: 'a.tool', bucket: 2, latency: 201 + i, i: 100 + i })),
  ...Array.from({ length: 10 }, (_, i) => ({ tool: 'b.tool', bucket: 1, latency: 5 * (i + 1), i: 140 + i })),
].map(({ tool, bucket, latency, i }) => ({
  n: 1000 + i,
  time: STATS_BASE + bucket * 60_000 + (i % 50) * 1000,
  subject: 'agent:chart-bot',
  tool,
  status: TRACE_STATUSES[i % TRACE_STATUSES.length]!,
  decision: 'allow' as const,
  rule: 'bind-0',
  zone: i % 3 === 0 ? 'dev' : 'prod',
  latencyMs: latency,
}));

/** 22 tools with 22, 21, … 1 calls: the charts keep the busiest 20. */
const CAPPED: Fixture[] = Array.from({ length: 22 }, (_, t) =>
  Array.from({ length: 22 - t }, (_, k) => ({
    n: 5000 + t * 100 + k,
    time: CAP_BASE + k * 1000,
    subject: 'agent:cap-bot',
    tool: `cap.tool_${String(t).padStart(2, '0')}`,
    status: 'ok' as const,
    decision: 'allow' as const,
    rule: 'bind-0',
    zone: 'prod',
    latencyMs: 1,
  })),
).flat();

/** Newest first, ties by id descending: the order the API promises. */
const newestFirst = (rows: Fixture[]) => [...rows].sort((a, b) => b.time - a.time || b.n - a.n);

function authorize(req: express.Request): AuthorizeResult {
  const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  if (token === 'admin') return { ok: true, caller: ADMIN };
  if (token === 'mia') return { ok: true, caller: MIA };
  return { ok: false, status: 401, message: 'missing or invalid bearer token' };
}

/** A dependency these routes must never touch: any use throws, naming it. */
function untouched<T>(name: string): T {
  return new Proxy({} as object, {
    get(_target, key) {
      throw new Error(`the trace routes used ${name}.${String(key)}`);
    },
  }) as T;
}

let pgDatabase: TestDatabase;
beforeAll(async () => {
  pgDatabase = await createTestDatabase();
});
afterAll(async () => {
  await pgDatabase?.drop();
});

function consoleSuite(kind: 'Postgres' | 'PGlite', open: () => Promise<Database>) {
  describe(`traces for the console on ${kind}`, () => {
    let db: Database;
    let reader: TraceReader;
    let server: ReturnType<express.Express['listen']>;
    let base: string;
    const recent: Fixture[] = [];

    beforeAll(async () => {
      db = await open();
      await db.migrate();
      // Three calls ten minutes ago, for the default range (the hour before now).
      const now = Date.now();
      for (let i = 0; i < 3; i++) {
        recent.push({
          n: 9000 + i,
          time: now - 600_000 + i,
          subject: 'agent:now-bot',
          tool: 'now.tool',
          status: i === 0 ? 'timeout' : 'ok',
          decision: 'allow',
          rule: 'bind-0',
          zone: 'prod',
          latencyMs: 10 * (i + 1),
        });
      }
      const writer = createPrismaTraceWriter(db);
      const all = [...LISTED, ...CHARTED, ...CAPPED, ...recent];
      for (let i = 0; i < all.length; i += 200) {
        await writer.write(all.slice(i, i + 200).map((f) => toTraceRow(idOf(f.n), record(f))));
      }
      reader = createTraceReader(db);
      const deps: AdminDeps = {
        traces: reader,
        approvals: untouched('approvals'),
        jobs: untouched('jobs'),
        deployments: untouched('deployments'),
        routes: () => ({}),
        authorize,
      };
      const app = express();
      app.use(createAdminRouter(deps));
      server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }, PGLITE_START_MS);

    afterAll(async () => {
      await new Promise((resolve) => server?.close(resolve));
      await db?.close();
    });

    async function get(path: string, token = 'admin') {
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    }

    /** Every page of a listing through the API, following nextCursor. */
    async function allPages(query: string, limit: number): Promise<StoredTrace[]> {
      const items: StoredTrace[] = [];
      let cursor: string | null = null;
      for (let guard = 0; guard < 100; guard++) {
        const q = `${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await get(`/v1/traces?${q}`);
        expect(res.status).toBe(200);
        const page = res.body as unknown as { items: StoredTrace[]; nextCursor: string | null };
        expect(page.items.length).toBeLessThanOrEqual(limit);
        items.push(...page.items);
        cursor = page.nextCursor;
        if (!cursor) return items;
      }
      throw new Error('more than 100 pages');
    }

    const listDay = `from=${new Date(LIST_BASE).toISOString()}&to=${new Date(LIST_BASE + 86_400_000).toISOString()}`;

    it('pages through equal timestamps newest first, ties by id, with no trace lost or repeated', async () => {
      for (const limit of [1, 2, 7, 500]) {
        const items = await allPages(listDay, limit);
        expect(items.map((t) => t.id)).toEqual(newestFirst(LISTED).map((f) => idOf(f.n)));
      }
    });

    it.each([
      ['subject', 'agent:triage-bot', (f: Fixture) => f.subject === 'agent:triage-bot'],
      ['tool', 'petstore.get_pet', (f: Fixture) => f.tool === 'petstore.get_pet'],
      ['status', 'error', (f: Fixture) => f.status === 'error'],
      ['decision', 'approval', (f: Fixture) => f.decision === 'approval'],
      ['decision', 'deny', (f: Fixture) => f.decision === 'deny'],
      ['rule', 'bind-1', (f: Fixture) => f.rule === 'bind-1'],
      ['zone', 'dev', (f: Fixture) => f.zone === 'dev'],
    ])('filters by %s=%s, across pages', async (name, wanted, keep) => {
      const expected = newestFirst(LISTED.filter(keep)).map((f) => idOf(f.n));
      expect(expected.length).toBeGreaterThan(3);
      const items = await allPages(`${listDay}&${name}=${encodeURIComponent(wanted)}`, 4);
      expect(items.map((t) => t.id)).toEqual(expected);
    });

    it('combines every filter with a time range', async () => {
      const from = LIST_BASE + 3000;
      const to = LIST_BASE + 17_000;
      const keep = (f: Fixture) =>
        f.time >= from &&
        f.time < to &&
        f.zone === 'prod' &&
        f.decision === 'allow' &&
        f.subject === 'user:ann';
      const expected = newestFirst(LISTED.filter(keep)).map((f) => idOf(f.n));
      expect(expected.length).toBeGreaterThan(2);
      const q = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&zone=prod&decision=allow&subject=user:ann`;
      expect((await allPages(q, 2)).map((t) => t.id)).toEqual(expected);
      const one = expected[0]!;
      const fixture = LISTED.find((f) => idOf(f.n) === one)!;
      const all = `${q}&tool=${fixture.tool}&status=${fixture.status}&rule=${fixture.rule}`;
      const narrowed = newestFirst(
        LISTED.filter(
          (f) => keep(f) && f.tool === fixture.tool && f.status === fixture.status && f.rule === fixture.rule,
        ),
      ).map((f) => idOf(f.n));
      expect((await allPages(all, 3)).map((t) => t.id)).toEqual(narrowed);
    });

    it('stores the zone (null when the record named none) and returns it', async () => {
      const page = await reader.list(ALL_TENANTS, {
        from: new Date(LIST_BASE),
        to: new Date(LIST_BASE + 86_400_000),
        limit: 500,
      });
      const byId = new Map(page.items.map((t) => [t.id, t.zone]));
      for (const f of LISTED) expect(byId.get(idOf(f.n))).toBe(f.zone);
      expect(LISTED.some((f) => f.zone === null)).toBe(true);
    });

    it('returns one trace by id, as the listing does; 404 when absent; 400 for a non-UUID', async () => {
      const f = LISTED[17]!;
      const listed = (
        await reader.list(ALL_TENANTS, {
          subject: f.subject,
          tool: f.tool,
          from: new Date(f.time),
          to: new Date(f.time + 1),
        })
      ).items.find((t) => t.id === idOf(f.n));
      const res = await get(`/v1/traces/${idOf(f.n)}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(listed);
      expect(res.body).toMatchObject({ tool: f.tool, rule: f.rule, zone: f.zone, latencyMs: f.latencyMs });
      expect(JSON.stringify(res.body['args'])).not.toContain('ghp_');
      expect(await reader.get(ALL_TENANTS, idOf(424242))).toBeNull();
      expect(await get(`/v1/traces/${idOf(424242)}`)).toEqual({
        status: 404,
        body: { error: { code: 'not_found', message: `trace ${idOf(424242)} does not exist` } },
      });
      expect(await get('/v1/traces/not-a-uuid')).toEqual({
        status: 400,
        body: { error: { code: 'bad_request', message: 'path parameter id: not a UUID' } },
      });
    });

    it('refuses the detail and the charts to a caller without the admin role', async () => {
      expect((await get(`/v1/traces/${idOf(1)}`, 'mia')).status).toBe(403);
      expect((await get('/v1/traces/stats', 'mia')).status).toBe(403);
    });

    /** The points the charts must show, computed from the fixtures. */
    function expectedPoints(rows: Fixture[], first: number, width: number, buckets: number) {
      return Array.from({ length: buckets }, (_, b) => {
        const inBucket = rows.filter((f) => f.time >= first + b * width && f.time < first + (b + 1) * width);
        const latencies = inBucket.map((f) => f.latencyMs);
        const pct = (p: number) => (latencies.length ? percentileCont(latencies, p) : null);
        return {
          time: new Date(first + b * width).toISOString(),
          calls: inBucket.length,
          errors: inBucket.filter((f) => (TRACE_ERROR_STATUSES as readonly string[]).includes(f.status))
            .length,
          p50: pct(0.5),
          p95: pct(0.95),
          p99: pct(0.99),
        };
      });
    }

    function closeTo(actual: unknown, expected: ReturnType<typeof expectedPoints>) {
      const points = actual as typeof expected;
      expect(points.length).toBe(expected.length);
      for (const [i, e] of expected.entries()) {
        const a = points[i]!;
        expect({ time: a.time, calls: a.calls, errors: a.errors }).toEqual({
          time: e.time,
          calls: e.calls,
          errors: e.errors,
        });
        for (const p of ['p50', 'p95', 'p99'] as const) {
          if (e[p] === null) expect(a[p]).toBeNull();
          else expect(a[p]).toBeCloseTo(e[p]!, 6);
        }
      }
    }

    it('charts calls, errors and p50/p95/p99 per tool and bucket as computed from the rows', async () => {
      const from = new Date(STATS_BASE);
      const to = new Date(STATS_BASE + 180_000);
      const res = await get(`/v1/traces/stats?from=${from.toISOString()}&to=${to.toISOString()}&bucket=60`);
      expect(res.status).toBe(200);
      const stats = res.body as unknown as Awaited<ReturnType<TraceReader['stats']>>;
      expect(stats).toMatchObject({
        from: from.toISOString(),
        to: to.toISOString(),
        bucketSeconds: 60,
        bucketWidened: false,
        toolsTotal: 2,
        errorStatuses: [...TRACE_ERROR_STATUSES],
      });
      expect(stats.series.map((s) => [s.tool, s.calls])).toEqual([
        ['a.tool', 140],
        ['b.tool', 10],
      ]);
      for (const s of stats.series) {
        const rows = CHARTED.filter((f) => f.tool === s.tool);
        closeTo(s.points, expectedPoints(rows, STATS_BASE, 60_000, 3));
      }
      // The known distribution, spelled out: latencies 1..100 in a's first bucket.
      expect(stats.series[0]!.points[0]).toMatchObject({ calls: 100, p50: 50.5 });
      expect(stats.series[0]!.points[0]!.p95).toBeCloseTo(95.05, 6);
      expect(stats.series[0]!.points[0]!.p99).toBeCloseTo(99.01, 6);
      expect(stats.series[0]!.points[1]).toEqual({
        time: new Date(STATS_BASE + 60_000).toISOString(),
        calls: 0,
        errors: 0,
        p50: null,
        p95: null,
        p99: null,
      });
    });

    it('charts one tool, one zone, in wider buckets', async () => {
      const from = new Date(STATS_BASE);
      const to = new Date(STATS_BASE + 180_000);
      const stats = await reader.stats(ALL_TENANTS, {
        from,
        to,
        tool: 'a.tool',
        zone: 'dev',
        bucketSeconds: 120,
      });
      expect(stats.toolsTotal).toBe(1);
      expect(stats.series.map((s) => s.tool)).toEqual(['a.tool']);
      const rows = CHARTED.filter((f) => f.tool === 'a.tool' && f.zone === 'dev');
      // 2026-10-02T12:00Z is a multiple of 120 s since the epoch, so the buckets start at `from`.
      closeTo(stats.series[0]!.points, expectedPoints(rows, STATS_BASE, 120_000, 2));
    });

    it('keeps the 20 busiest tools and says how many there were', async () => {
      const stats = await reader.stats(ALL_TENANTS, {
        from: new Date(CAP_BASE),
        to: new Date(CAP_BASE + 60_000),
      });
      expect(stats.toolsTotal).toBe(22);
      expect(stats.maxTools).toBe(20);
      expect(stats.series.map((s) => s.tool)).toEqual(
        Array.from({ length: 20 }, (_, t) => `cap.tool_${String(t).padStart(2, '0')}`),
      );
      expect(stats.series.map((s) => s.calls)).toEqual(Array.from({ length: 20 }, (_, t) => 22 - t));
    });

    it('widens a bucket that would make more than maxBuckets, and says so', async () => {
      const from = new Date(STATS_BASE);
      const to = new Date(STATS_BASE + 3_600_000);
      const stats = await reader.stats(ALL_TENANTS, { from, to, bucketSeconds: 1 });
      expect(stats).toMatchObject({ bucketWidened: true, bucketSeconds: 10, maxBuckets: 500 });
      for (const s of stats.series) expect(s.points).toHaveLength(360);
      const a = stats.series.find((s) => s.tool === 'a.tool')!;
      expect(a.points.reduce((sum, p) => sum + p.calls, 0)).toBe(140);
    });

    it('covers the last hour in 60-second buckets by default', async () => {
      const res = await get('/v1/traces/stats');
      expect(res.status).toBe(200);
      const stats = res.body as unknown as Awaited<ReturnType<TraceReader['stats']>>;
      expect(stats.bucketSeconds).toBe(60);
      expect(Date.parse(stats.to) - Date.parse(stats.from)).toBe(3_600_000);
      const now = stats.series.find((s) => s.tool === 'now.tool')!;
      expect(now.calls).toBe(3);
      expect(now.points.length).toBeGreaterThanOrEqual(60);
      expect(now.points.length).toBeLessThanOrEqual(61);
      expect(now.points.reduce((sum, p) => sum + p.errors, 0)).toBe(1);
    });

    it.each([
      ['/v1/traces?decision=maybe', 'query parameter decision: one of allow, deny, approval, none'],
      ['/v1/traces?zone=a&zone=b', 'query parameter zone: give it once, as a string'],
      [
        '/v1/traces?rule=x%00y',
        'query parameter rule: holds NUL or a lone surrogate, which no stored value can; send well-formed Unicode text',
      ],
      ['/v1/traces/stats?bucket=0', 'query parameter bucket: a whole number from 1 to 2592000'],
      ['/v1/traces/stats?bucket=1.5', 'query parameter bucket: a whole number from 1 to 2592000'],
      ['/v1/traces/stats?from=soon', 'query parameter from: not an ISO 8601 date-time'],
      [
        '/v1/traces/stats?from=2026-10-02T12:00:00Z&to=2026-10-02T11:00:00Z',
        'query parameter from: not before to',
      ],
      ['/v1/traces/stats?from=2999-01-01T00:00:00Z', 'query parameter from: in the future (give to as well)'],
      ['/v1/traces/stats?tool=a&tool=b', 'query parameter tool: give it once, as a string'],
    ])('answers %s with 400 naming the parameter', async (path, message) => {
      expect(await get(path)).toEqual({ status: 400, body: { error: { code: 'bad_request', message } } });
    });
  });
}

consoleSuite('Postgres', () => createDatabase({ url: pgDatabase.url }));
consoleSuite('PGlite', () => createDatabase({ dataDir: 'memory://' }));

describe('statsWindow', () => {
  const now = new Date('2026-10-02T12:34:56.789Z');

  it('defaults to the hour before now in 60 round buckets aligned to the epoch', () => {
    const w = statsWindow({}, now);
    expect(w.to).toEqual(now);
    expect(w.from).toEqual(new Date(now.getTime() - 3_600_000));
    expect(w.bucketSeconds).toBe(60);
    expect(w.firstBucket.toISOString()).toBe('2026-10-02T11:34:00.000Z');
    expect(w.buckets).toBe(61);
  });

  it('rounds the default bucket up to a round width for longer ranges', () => {
    expect(statsWindow({ from: new Date(now.getTime() - 86_400_000) }, now).bucketSeconds).toBe(1800);
    expect(statsWindow({ from: new Date(now.getTime() - 30 * 86_400_000) }, now).bucketSeconds).toBe(43200);
    expect(roundBucket(0.2)).toBe(1);
    expect(roundBucket(86_401)).toBe(172_800);
  });

  it('never makes more than 500 buckets', () => {
    expect(
      statsWindow({ from: new Date(now.getTime() - 86_400_000), bucketSeconds: 3600 }, now).bucketWidened,
    ).toBe(false);
    for (const bucketSeconds of [1, 7, 59, 3600]) {
      for (const days of [1, 30, 400]) {
        const w = statsWindow({ from: new Date(now.getTime() - days * 86_400_000), bucketSeconds }, now);
        expect(w.buckets).toBeLessThanOrEqual(500);
        if (w.bucketWidened) expect(w.bucketSeconds).toBeGreaterThan(bucketSeconds);
        else expect(w.bucketSeconds).toBe(bucketSeconds);
      }
    }
  });
});
