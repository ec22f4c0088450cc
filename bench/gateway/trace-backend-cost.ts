/**
 * The Postgres backend's CPU per trace row for the trace writer's statement (one JSON parameter read with
 * jsonb_array_elements) against the unnest of twenty arrays it replaced: 400-row batches in the scoped
 * transaction, on one connection whose backend's CPU time is read from /proc (Linux, Postgres on this
 * machine). Interleaved rounds, medians of 5.
 *
 *   node --import tsx bench/gateway/trace-backend-cost.ts
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { createDatabase } from '../../gateway/src/db/database.ts';
import { type TraceRow, toTraceRow } from '../../gateway/src/traces/trace-row.ts';
import { createScratchDatabase } from '../../gateway/test/helpers/scratch-database.ts';
import { benchTraceRecord, median } from './harness.ts';

const scratch = await createScratchDatabase();
const db = await createDatabase({ url: scratch.url });
await db.migrate();
const client = new pg.Client({ connectionString: scratch.url });
await client.connect();
const pid = (await client.query<{ p: number }>('SELECT pg_backend_pid() AS p')).rows[0]!.p;
/** The backend's user + system CPU in ms (10 ms ticks). */
const cpu = () => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(x[11]) + Number(x[12])) * 10;
};
let n = 0;
const mk = () =>
  Array.from({ length: 40 }, () =>
    Array.from({ length: 400 }, () =>
      toTraceRow(`00000000-0000-4000-8000-${(n++).toString(16).padStart(12, '0')}`, benchTraceRecord()),
    ),
  );
const KEYS: (keyof TraceRow)[] = [
  'id',
  'time',
  'subject',
  'subjectKind',
  'tool',
  'route',
  'target',
  'decision',
  'rule',
  'revision',
  'latencyMs',
  'status',
  'argsBytes',
  'resultBytes',
  'args',
  'result',
  'error',
  'zone',
  'traceId',
  'tenant',
];
const UNNEST = `INSERT INTO "traces" ("id", "time", "subject", "subject_kind", "tool", "route", "target", "decision", "rule", "revision", "latency_ms", "status", "args_bytes", "result_bytes", "args", "result", "error", "zone", "trace_id", "tenant")
  SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::float8[], $12::text[], $13::int4[], $14::int4[], $15::jsonb[], $16::jsonb[], $17::text[], $18::text[], $19::text[], $20::text[]) ON CONFLICT ("id") DO NOTHING`;
const JSONQ = `INSERT INTO "traces" ("id", "time", "subject", "subject_kind", "tool", "route", "target", "decision", "rule", "revision", "latency_ms", "status", "args_bytes", "result_bytes", "args", "result", "error", "zone", "trace_id", "tenant")
  SELECT (r->>0)::uuid, (r->>1)::timestamptz, r->>2, r->>3, r->>4, r->>5, r->>6, r->>7, r->>8, r->>9, (r->>10)::float8, r->>11, (r->>12)::int4, (r->>13)::int4, (r->>14)::jsonb, (r->>15)::jsonb, r->>16, r->>17, r->>18, r->>19
  FROM jsonb_array_elements($1::jsonb) AS r ON CONFLICT ("id") DO NOTHING`;
const tx = async (q: string, p: unknown[]) => {
  await client.query('BEGIN');
  await client.query(
    "SELECT set_config('raku.tenants', 'default', true), set_config('raku.all_tenants', 'off', true)",
  );
  await client.query(q, p);
  await client.query('COMMIT');
};
const subjects: [string, (rows: TraceRow[]) => Promise<void>][] = [
  [
    'unnest (before)',
    (rows) =>
      tx(
        UNNEST,
        KEYS.map((k) => rows.map((r) => r[k])),
      ),
  ],
  ['jsonb array (now)', (rows) => tx(JSONQ, [JSON.stringify(rows.map((r) => KEYS.map((k) => r[k])))])],
];
const R = new Map<string, number[]>();
const loads = [os.loadavg()[0]!];
for (let round = 0; round < 5; round++)
  for (const [name, w] of round % 2 ? [...subjects].reverse() : subjects) {
    const b = mk();
    const c0 = cpu();
    for (const rows of b) await w(rows);
    R.set(name, [...(R.get(name) ?? []), ((cpu() - c0) * 1000) / (40 * 400)]);
    loads.push(os.loadavg()[0]!);
  }
console.log(`load average ${loads.map((l) => l.toFixed(2)).join(', ')}`);
for (const [name] of subjects)
  console.log(
    'postgres backend',
    name.padEnd(12),
    median(R.get(name)!).toFixed(1),
    'µs/row',
    R.get(name)!
      .map((x) => x.toFixed(1))
      .join(' '),
  );
await client.end();
await db.close();
await scratch.drop();
