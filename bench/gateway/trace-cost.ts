/**
 * Where a trace's CPU goes on the gateway's thread, per trace, for the trace the gateway bench writes (a
 * widgets.get_widget call): building its stored row (redaction, JSON encoding), and writing batches of rows to
 * a scratch database on the Postgres at 127.0.0.1:5432 under the tenant scope: the trace writer as it is (on the pg
 * pool under Prisma's adapter) and the same statement through Prisma's $executeRawUnsafe (its PGlite path).
 *
 *   node --import tsx bench/gateway/trace-cost.ts
 *
 * Batches of 400 rows (what the sink's 200 ms flush gathers at 2,000 calls/s), interleaved rounds, medians of 3.
 * CPU of this thread only (Linux: /proc); the Postgres server's own work is not counted.
 */
import os from 'node:os';
import { createDatabase } from '../../gateway/src/db/database.ts';
import { toTraceRow } from '../../gateway/src/traces/trace-row.ts';
import { createPrismaTraceWriter, type TraceWriter } from '../../gateway/src/traces/trace-writer.ts';
import { createScratchDatabase } from '../../gateway/test/helpers/scratch-database.ts';
import { currentThreadId, threadCpuMs } from '../lib/thread-cpu.ts';
import { median, benchTraceRecord as record } from './harness.ts';

const BATCH = 400;
const BATCHES = 40;
const ROUNDS = 3;

const tid = currentThreadId();
const cpu = () => threadCpuMs(tid) ?? Number.NaN;
let serial = 0;
const uuid = () => `00000000-0000-4000-8000-${(serial++).toString(16).padStart(12, '0')}`;

async function rowsCost(): Promise<number> {
  const records = Array.from({ length: BATCH * BATCHES }, (_, i) => record(i));
  const c0 = cpu();
  for (const r of records) toTraceRow(uuid(), r);
  return ((cpu() - c0) * 1000) / records.length;
}

async function writeCost(writer: TraceWriter): Promise<number> {
  const batches = Array.from({ length: BATCHES }, () =>
    Array.from({ length: BATCH }, (_, i) => toTraceRow(uuid(), record(i))),
  );
  const c0 = cpu();
  for (const rows of batches) await writer.write(rows);
  return ((cpu() - c0) * 1000) / (BATCH * BATCHES);
}

const scratch = await createScratchDatabase();
const db = await createDatabase({ url: scratch.url });
try {
  await db.migrate();
  const subjects: [string, () => Promise<number>][] = [
    ['build the row (redaction, JSON)', rowsCost],
    ['write: the pg pool (the writer)', () => writeCost(createPrismaTraceWriter(db))],
    [
      'write: through Prisma (PGlite path)',
      () => writeCost(createPrismaTraceWriter({ prisma: db.prisma, rlsRole: db.rlsRole })),
    ],
  ];
  for (const [, run] of subjects) await run(); // warm-up
  const results = new Map<string, number[]>();
  const loads = [os.loadavg()[0]!];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of round % 2 ? [...subjects].reverse() : subjects) {
      results.set(name, [...(results.get(name) ?? []), await run()]);
    }
    loads.push(os.loadavg()[0]!);
  }
  console.log(
    `${BATCHES} batches of ${BATCH} rows, median of ${ROUNDS}; load average ${loads.map((l) => l.toFixed(2)).join(', ')}`,
  );
  for (const [name] of subjects) {
    const runs = results.get(name) ?? [];
    console.log(
      `${name.padEnd(40)} ${median(runs).toFixed(1).padStart(6)} µs/trace  (${runs.map((r) => r.toFixed(1)).join(', ')})`,
    );
  }
} finally {
  await db.close();
  await scratch.drop();
}
