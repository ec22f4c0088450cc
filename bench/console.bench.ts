/**
 * `npm run bench console` (issue #13): what the console costs at scale, against its aims.
 *  1. The trace list query (first page, each filter the console offers, a page half a million traces deep)
 *     and the per-tool chart query, at 1,000,000 traces in a scratch Postgres database (dropped afterwards),
 *     through the real reader functions and through the HTTP endpoints: median of N runs each; aim ≤ 50 ms.
 *  2. The JavaScript of the console's first view, gzipped: what dist/index.html loads plus the lazy chunk of
 *     the first route (Zones); aim ≤ 150 KB.
 *  3. The live tail at ~1,000 calls/s with the traces view open in headless Chromium (bench/lib/
 *     console-live-tail.ts): events sent, received, dropped (counted and shown), unaccounted.
 *  4. The Import view at the GitHub REST description's scale (12 MB, ~1,200 operations; bench/lib/
 *     console-import.ts): server-side analysis over HTTP, aim ≤ 2 s; in Chromium, Analyse → first operation row
 *     clickable, and scrolling the virtualised list to its last row.
 * Prints tables; no pass/fail: these machines are shared and noisy. RAKU_BENCH_TRACES=<n> seeds fewer traces
 * (a quick look), RAKU_BENCH_RUNS=<n> changes N (default 15), RAKU_BENCH_PARTS=traces,bundle,live,import runs
 * only those parts (default all).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { createAdminRouter } from '../gateway/src/admin/admin-router.ts';
import type { AdminDeps, ApiCaller } from '../gateway/src/admin/types.ts';
import { encodeCursor } from '../gateway/src/db/cursor.ts';
import { createDatabase, type Database } from '../gateway/src/db/database.ts';
import { ALL_TENANTS } from '../gateway/src/tenancy/scope.ts';
import { createTraceReader } from '../gateway/src/traces/trace-reader.ts';
import type { TraceFilter, TraceReader, TraceStatsQuery } from '../gateway/src/traces/types.ts';
import { createTestDatabase } from '../gateway/test/persistence/helpers/test-database.ts';
import { formatImport, measureImport } from './lib/console-import.ts';
import { formatLiveTail, measureLiveTail } from './lib/console-live-tail.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TRACES = Number(process.env['RAKU_BENCH_TRACES'] ?? 1_000_000);
const RUNS = Number(process.env['RAKU_BENCH_RUNS'] ?? 15);
const AIM_MS = 50;
const AIM_KB = 150;
const CHUNK = 100_000;
const PARTS = new Set((process.env['RAKU_BENCH_PARTS'] ?? 'traces,bundle,live,import').split(','));

/**
 * One chunk of synthetic traces, in time order (as the gateway appends them) over the 30 days before now:
 * ~200 tools with a skewed popularity (the busiest ~7% of calls), 300 agents, 90% ok and the rest spread
 * over every other status (decision and rule follow the status), zones prod 60% / staging 30% / dev 10%,
 * latencies 2-402 ms skewed low. Small redacted-looking arguments and results.
 */
const SEED_SQL = `
INSERT INTO traces (id, time, subject, subject_kind, tool, route, target, decision, rule, revision, latency_ms,
  status, args_bytes, result_bytes, args, result, error, zone)
SELECT gen_random_uuid(), now() - interval '30 days' * (($2::int - g)::float8 / $2::int) - random() * interval '2 seconds',
  'agent:bot-' || floor(300 * rs * rs)::int, 'agent',
  'pack' || (t % 20) || '.tool_' || t, 'pack:pack' || (t % 20) || '@1.0.0', 'http://pack' || (t % 20) || ':8080/mcp',
  CASE WHEN st = 'denied' THEN 'deny' WHEN st IN ('pending', 'rejected', 'expired') THEN 'approval'
       WHEN st = 'unknown_tool' THEN 'none' ELSE 'allow' END,
  CASE WHEN st = 'denied' THEN 'deny/secrets-' || (t % 3) WHEN st IN ('pending', 'rejected', 'expired') THEN 'approve/prod-writes'
       WHEN st = 'unknown_tool' THEN NULL ELSE 'bindings/' || (t % 10) END,
  'rev-' || (g % 7), 2 + 400 * rl * rl * rl, st, 40 + (g % 200), 100 + (g % 2000),
  '{"owner":"acme","repo":"web","per_page":30}'::jsonb, '{"content":[{"type":"text","text":"ok"}]}'::jsonb,
  CASE WHEN st IN ('error', 'timeout') THEN 'upstream failed' END,
  CASE WHEN g % 10 < 6 THEN 'prod' WHEN g % 10 < 9 THEN 'staging' ELSE 'dev' END
FROM (
  SELECT g, random() AS rs, random() AS rl, floor(200 * random() ^ 2)::int AS t,
    (SELECT CASE WHEN x < 0.90 THEN 'ok' WHEN x < 0.94 THEN 'error' WHEN x < 0.97 THEN 'denied'
      WHEN x < 0.98 THEN 'timeout' WHEN x < 0.99 THEN 'rate_limited' WHEN x < 0.994 THEN 'pending'
      WHEN x < 0.996 THEN 'rejected' WHEN x < 0.997 THEN 'expired' WHEN x < 0.998 THEN 'no_route'
      WHEN x < 0.999 THEN 'invalid' ELSE 'unknown_tool' END FROM (SELECT random() + g * 0 AS x) r) AS st
  FROM generate_series($1::int, LEAST($1::int + ${CHUNK - 1}, $2::int)) g
) s`;

const ADMIN: ApiCaller = {
  subject: 'user:bench',
  subjectKind: 'user',
  groups: [],
  claims: {},
  principals: ['user:bench'],
  admin: true,
};

/** A dependency the trace routes never use: touching it throws. */
function untouched<T>(name: string): T {
  return new Proxy({} as object, {
    get(_target, key) {
      throw new Error(`the trace routes used ${name}.${String(key)}`);
    },
  }) as T;
}

async function seed(db: Database): Promise<number> {
  const session = await db.session();
  const started = performance.now();
  try {
    for (let from = 1; from <= TRACES; from += CHUNK) {
      await session.query(SEED_SQL, [from, TRACES]);
      process.stdout.write(`\rseeding traces: ${Math.min(from + CHUNK - 1, TRACES).toLocaleString('en-US')}`);
    }
    process.stdout.write('\n');
    // What autovacuum does to an append-only table: statistics and the visibility map.
    await session.exec('VACUUM ANALYZE "traces"');
    // Write the seeded pages out now, not while the first queries are timed (a superuser's right; else skip).
    await session.exec('CHECKPOINT').catch(() => undefined);
  } finally {
    await session.close();
  }
  return (performance.now() - started) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median and worst of RUNS timed runs after three warm-up runs; the last result is returned for a sanity column. */
async function timed<T>(fn: () => Promise<T>): Promise<{ median: number; max: number; result: T }> {
  let result = await fn();
  for (let i = 0; i < 2; i++) result = await fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    result = await fn();
    times.push(performance.now() - t);
  }
  return { median: median(times), max: Math.max(...times), result };
}

interface Row {
  what: string;
  median: number;
  max: number;
  detail: string;
}

function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title} (median of ${RUNS} runs, aim ≤ ${AIM_MS} ms)`);
  const width = Math.max(...rows.map((r) => r.what.length));
  console.log(`${'query'.padEnd(width)}  median ms  worst ms  vs aim  result`);
  for (const r of rows) {
    console.log(
      `${r.what.padEnd(width)}  ${r.median.toFixed(1).padStart(9)}  ${r.max.toFixed(1).padStart(8)}  ${(r.median / AIM_MS).toFixed(2).padStart(5)}x  ${r.detail}`,
    );
  }
}

async function queryFigures(db: Database): Promise<void> {
  const reader: TraceReader = createTraceReader(db);
  const session = await db.session();
  let deep: string;
  let busiest: string;
  let rare: string;
  let subject: string;
  try {
    const half = Math.floor(TRACES / 2);
    const [row] = await session.query<{ time: Date; id: string }>(
      `SELECT "time", "id" FROM "traces" ORDER BY "time" DESC, "id" DESC OFFSET $1 LIMIT 1`,
      [half],
    );
    deep = encodeCursor({ time: new Date(row!.time), id: row!.id });
    const tools = await session.query<{ tool: string }>(
      `SELECT "tool" FROM "traces" GROUP BY "tool" ORDER BY count(*) DESC, "tool"`,
    );
    busiest = tools[0]!.tool;
    rare = tools.at(-1)!.tool;
    const subjects = await session.query<{ subject: string }>(
      `SELECT "subject" FROM "traces" GROUP BY "subject" ORDER BY count(*), "subject" LIMIT 1`,
    );
    subject = subjects[0]!.subject;
  } finally {
    await session.close();
  }
  const now = Date.now();
  const day = 86_400_000;
  const lists: [string, TraceFilter][] = [
    ['list: first page, no filter', {}],
    [`list: tool (busiest, ${busiest})`, { tool: busiest }],
    [`list: tool (rarest, ${rare})`, { tool: rare }],
    ['list: status=error', { status: 'error' }],
    ['list: status=no_route (0.1%)', { status: 'no_route' }],
    [`list: subject (rarest, ${subject})`, { subject }],
    ['list: decision=deny', { decision: 'deny' }],
    ['list: decision=none (0.1%)', { decision: 'none' }],
    ['list: rule=approve/prod-writes', { rule: 'approve/prod-writes' }],
    ['list: zone=dev', { zone: 'dev' }],
    [
      'list: time range (a day, a week ago) + tool',
      { from: new Date(now - 8 * day), to: new Date(now - 7 * day), tool: rare },
    ],
    ['list: zone + decision + status', { zone: 'prod', decision: 'approval', status: 'pending' }],
    [`list: cursor page ${Math.floor(TRACES / 2).toLocaleString('en-US')} deep`, { cursor: deep }],
    ['list: cursor page half deep + zone=dev', { cursor: deep, zone: 'dev' }],
    // The first query of the table also pays for whatever the seeding left running (autovacuum): once more.
    ['list: first page, no filter (again, last)', {}],
  ];
  const rows: Row[] = [];
  for (const [what, filter] of lists) {
    const r = await timed(() => reader.list(ALL_TENANTS, { ...filter, limit: 100 }));
    rows.push({ what, median: r.median, max: r.max, detail: `${r.result.items.length} items` });
  }
  const charts: [string, TraceStatsQuery][] = [
    ['charts: last hour (default), top 20 tools', {}],
    [`charts: last hour, one tool (${busiest})`, { tool: busiest }],
    ['charts: last hour, zone=prod', { zone: 'prod' }],
    ['charts: last 24 hours', { from: new Date(now - day) }],
    [`charts: last 24 hours, one tool (${busiest})`, { from: new Date(now - day), tool: busiest }],
    ['charts: last 7 days', { from: new Date(now - 7 * day) }],
  ];
  for (const [what, query] of charts) {
    const r = await timed(() => reader.stats(ALL_TENANTS, { to: new Date(), ...query }));
    const calls = r.result.series.reduce((sum, s) => sum + s.calls, 0);
    rows.push({
      what,
      median: r.median,
      max: r.max,
      detail: `${r.result.series.length} tools x ${r.result.series[0]?.points.length ?? 0} buckets of ${r.result.bucketSeconds} s, ${calls.toLocaleString('en-US')} calls`,
    });
  }
  printTable(`Reader functions at ${TRACES.toLocaleString('en-US')} traces`, rows);

  // The same through HTTP: Express, authentication, validation and JSON included.
  const deps: AdminDeps = {
    traces: reader,
    approvals: untouched('approvals'),
    jobs: untouched('jobs'),
    deployments: untouched('deployments'),
    routes: () => ({}),
    authorize: () => ({ ok: true, caller: ADMIN }),
  };
  const app = express();
  app.use(createAdminRouter(deps));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const http: Row[] = [];
    const paths: [string, string][] = [
      ['GET /v1/traces', '/v1/traces'],
      ['GET /v1/traces?decision=none', '/v1/traces?decision=none'],
      ['GET /v1/traces?cursor=<half deep>', `/v1/traces?cursor=${encodeURIComponent(deep)}`],
      ['GET /v1/traces/stats (last hour)', '/v1/traces/stats'],
    ];
    for (const [what, p] of paths) {
      const r = await timed(async () => {
        const res = await fetch(`${base}${p}`);
        const text = await res.text();
        if (res.status !== 200) throw new Error(`${p}: ${res.status} ${text}`);
        return text.length;
      });
      http.push({ what, median: r.median, max: r.max, detail: `${(r.result / 1024).toFixed(0)} KB of JSON` });
    }
    printTable('HTTP endpoints', http);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Gzipped size (default level, as a server compresses) of the first view's JavaScript. */
function bundleFigures(): void {
  console.log(`\nConsole first view JavaScript, gzipped (aim ≤ ${AIM_KB} KB)`);
  const scripts = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts ?? {};
  if (!scripts['build:console']) {
    console.log('skipped: package.json has no build:console script yet');
    return;
  }
  try {
    execFileSync('npm', ['run', '--silent', 'build:console'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    console.log(
      `skipped: npm run build:console failed: ${(error as { stderr?: Buffer }).stderr?.toString() ?? error}`,
    );
    return;
  }
  const dist = path.join(ROOT, 'gateway/console/dist');
  const indexFile = path.join(dist, 'index.html');
  if (!existsSync(indexFile)) {
    console.log('skipped: gateway/console/dist/index.html was not built');
    return;
  }
  const html = readFileSync(indexFile, 'utf8');
  const referenced = [
    ...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g),
    ...html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"/g),
  ].map((m) => m[1]!.replace(/^\/console\//, ''));
  const files = new Map<string, string>();
  for (const file of referenced) files.set(file, 'index.html');
  // The first route (/console/ → Zones) is a lazy chunk: its file and the chunks it imports load too.
  const manifestFile = path.join(dist, '.vite/manifest.json');
  if (existsSync(manifestFile)) {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<
      string,
      { file: string; imports?: string[]; src?: string }
    >;
    const zones = Object.entries(manifest).find(([key]) => /views\/ZonesView\.tsx$/.test(key));
    const add = (key: string) => {
      const entry = manifest[key];
      if (!entry || files.has(entry.file)) return;
      files.set(entry.file, 'first route (Zones)');
      for (const imported of entry.imports ?? []) add(imported);
    };
    if (zones) add(zones[0]);
    else console.log('(no ZonesView chunk in the manifest: only what index.html loads is counted)');
  }
  let total = 0;
  const width = Math.max(...[...files.keys()].map((f) => f.length), 4);
  console.log(`${'file'.padEnd(width)}  loaded by             raw KB  gzip KB`);
  for (const [file, by] of files) {
    if (!file.endsWith('.js')) continue;
    const bytes = readFileSync(path.join(dist, file));
    const gz = gzipSync(bytes).length;
    total += gz;
    console.log(
      `${file.padEnd(width)}  ${by.padEnd(20)} ${(bytes.length / 1024).toFixed(1).padStart(7)}  ${(gz / 1024).toFixed(1).padStart(7)}`,
    );
  }
  console.log(
    `${'total'.padEnd(width)}  ${''.padEnd(20)} ${''.padStart(7)}  ${(total / 1024).toFixed(1).padStart(7)}  = ${(total / 1024 / AIM_KB).toFixed(2)}x the aim`,
  );
}

export default async function bench(): Promise<void> {
  if (PARTS.has('traces')) {
    const target = await createTestDatabase();
    const db = await createDatabase({ url: target.url });
    try {
      await db.migrate();
      const seconds = await seed(db);
      console.log(
        `seeded ${TRACES.toLocaleString('en-US')} traces in ${seconds.toFixed(0)} s (generate_series in SQL, 7 indexes)`,
      );
      await queryFigures(db);
    } finally {
      await db.close();
      await target.drop();
    }
  }
  if (PARTS.has('bundle')) bundleFigures();
  if (PARTS.has('live')) {
    console.log('\nLive tail: ~1,000 calls/s with the traces view open in headless Chromium');
    try {
      console.log(formatLiveTail(await measureLiveTail()));
    } catch (error) {
      console.log(`skipped: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (PARTS.has('import')) {
    console.log(
      '\nImport view: the GitHub REST description, analysed by the gateway and listed in headless Chromium',
    );
    try {
      console.log(formatImport(await measureImport()));
    } catch (error) {
      console.log(`skipped: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
