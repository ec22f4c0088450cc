/**
 * Soak (issue 15): the gateway under a fixed rate of tools/call for minutes, its memory sampled as it goes.
 * Aim: RSS <= 200 MiB at 1,000 calls/s, flat after warm-up. The gateway runs alone in a child process
 * (bench/soak/soak-gateway.ts: auth, policy, routing, traces written to a scratch Postgres) so its RSS is its
 * own, bundled as the images run the runtime (bundleRuntime: esbuild ESM, plain node, no tsx transpiling at run
 * time, which alone holds ~100 MiB); the pack server and its upstream run in a worker thread here, and an open-loop generator
 * (bench/soak/rate-load-worker.ts) sends the calls on a schedule that does not wait for answers.
 * Baseline in the same run: the gateway's RSS idle, before the load starts.
 *
 * The gateway runs with the NODE_OPTIONS its Deployment gets at the default memory limit (heap sizes from
 * generator/render/src/generate/node-heap.ts); RAKU_SOAK_NODE_OPTIONS replaces them ('' runs node's own sizing).
 *
 * Not part of a plain `npm run bench` (it runs for minutes): `npm run bench soak`. RAKU_SOAK_MINUTES (default 10)
 * and RAKU_SOAK_RATE (calls/s, default 1000) change it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createScratchDatabase } from '../gateway/test/helpers/scratch-database.ts';
import { bundleRuntime } from '../generator/release/src/build/runtime-bundle.ts';
import { nodeHeapOptions } from '../generator/render/src/generate/node-heap.ts';
import { GATEWAY_LIMITS } from '../generator/render/src/generate/render-zone.ts';
import { CALL, EXPECT, GATEWAY_HEADERS, startServerThread, tsWorker } from './gateway/harness.ts';
import type { RateJob, RateWindow } from './soak/rate-load-worker.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 1024 * 1024;
const SAMPLE_MS = 10_000;
const AIM_RSS_MIB = 200;

interface Sample {
  seconds: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Peak RSS of the process so far (process.resourceUsage().maxRSS, in bytes). */
  maxRss: number;
  /** The gateway process's CPU time so far (user + system), in µs. */
  cpuMicros: number;
  /** Main-thread pauses for garbage collection so far: scavenges (minor) and the rest (major), count and ms. */
  gc: { minor: number; minorMs: number; major: number; majorMs: number };
  /** Bytes per V8 heap space (v8.getHeapSpaceStatistics). */
  spaces: Record<string, number>;
  traces: { queued: number; dropped: number; written: number; failures: number };
}

export default async function soakBench(): Promise<void> {
  if (!process.argv.slice(2).includes('soak')) {
    console.log('skipped: runs for minutes; run it by name: npm run bench soak');
    return;
  }
  const minutes = Number(process.env['RAKU_SOAK_MINUTES'] ?? 10);
  const rate = Number(process.env['RAKU_SOAK_RATE'] ?? 1000);
  if (!(minutes > 0) || !(rate > 0))
    throw new Error('RAKU_SOAK_MINUTES and RAKU_SOAK_RATE must be positive numbers');
  const scratch = await createScratchDatabase();
  const packSide = await startServerThread('pack-side-worker.ts');
  const runtime = await bundleRuntime({ root: ROOT, entry: 'bench/soak/soak-gateway.ts', fromSource: true });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'raku-soak-'));
  for (const file of [...runtime.files, ...runtime.gatewayFiles]) {
    mkdirSync(path.dirname(path.join(dir, file.path)), { recursive: true });
    writeFileSync(path.join(dir, file.path), file.content);
  }
  // What the gateway's Deployment sets at its default memory limit, unless the run names its own ('' for none).
  const nodeOptions = process.env['RAKU_SOAK_NODE_OPTIONS'] ?? nodeHeapOptions(GATEWAY_LIMITS.memory) ?? '';
  const child = spawn(process.execPath, [path.join(dir, 'app/gateway.mjs'), packSide.url, scratch.url], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
  });
  const lines = createInterface({ input: child.stdout });
  try {
    const url = await readReady(lines);
    const ask = memoryProbe(child.stdin, lines);
    const idle = await ask(0);
    console.log(
      `gateway process idle: RSS ${(idle.rss / MiB).toFixed(0)} MiB, heap ${(idle.heapUsed / MiB).toFixed(0)}/${(idle.heapTotal / MiB).toFixed(0)} MiB, code ${((idle.spaces['code_space'] ?? 0) / MiB).toFixed(0)} MiB, external ${(idle.external / MiB).toFixed(0)} MiB; NODE_OPTIONS: ${nodeOptions || 'none'}; load: ${rate} calls/s for ${minutes} min (open loop), traces to Postgres`,
    );
    const job: RateJob = {
      url,
      headers: GATEWAY_HEADERS,
      body: CALL,
      rate,
      reportMs: SAMPLE_MS,
      expect: EXPECT,
    };
    const load = tsWorker('../soak/rate-load-worker.ts', job);
    const windows: RateWindow[] = [];
    load.on('message', (w: RateWindow) => windows.push(w));
    const samples: Sample[] = [];
    const started = performance.now();
    const loads: number[] = [];
    console.log(
      'minute  calls/s   p50 ms   p99 ms  errors  CPU µs/call  GC µs/call  scavenges/s  RSS MiB  peak  heap used/total  new  old  code  external  trace queue  dropped  load',
    );
    for (let i = 1; i <= (minutes * 60_000) / SAMPLE_MS; i++) {
      await new Promise((r) => setTimeout(r, started + i * SAMPLE_MS - performance.now()));
      const sample = await ask((performance.now() - started) / 1000);
      samples.push(sample);
      if ((i * SAMPLE_MS) % 60_000 === 0) {
        loads.push(os.loadavg()[0]!);
        const last = windows.slice(-6);
        const answered = last.reduce((n, w) => n + w.answered, 0);
        const errors = last.reduce((n, w) => n + w.errors, 0);
        const mid = (f: (w: RateWindow) => number) => median(last.map(f));
        const mib = (n: number | undefined, width: number) => ((n ?? 0) / MiB).toFixed(0).padStart(width);
        const sp = sample.spaces;
        const minuteAgo = samples.at(-7) ?? idle;
        console.log(
          [
            String(i / 6).padStart(6),
            (answered / 60).toFixed(0).padStart(7),
            mid((w) => w.p50)
              .toFixed(2)
              .padStart(7),
            mid((w) => w.p99)
              .toFixed(2)
              .padStart(7),
            String(errors).padStart(6),
            ((sample.cpuMicros - minuteAgo.cpuMicros) / Math.max(1, answered)).toFixed(0).padStart(11),
            (
              ((sample.gc.minorMs + sample.gc.majorMs - minuteAgo.gc.minorMs - minuteAgo.gc.majorMs) * 1000) /
              Math.max(1, answered)
            )
              .toFixed(1)
              .padStart(10),
            ((sample.gc.minor - minuteAgo.gc.minor) / 60).toFixed(1).padStart(11),
            mib(sample.rss, 7),
            mib(sample.maxRss, 5),
            `${mib(sample.heapUsed, 10)}/${mib(sample.heapTotal, 5)}`,
            mib(sp['new_space'], 4),
            mib(sp['old_space'], 4),
            mib(sp['code_space'], 5),
            mib(sample.external, 9),
            String(sample.traces.queued).padStart(11),
            String(sample.traces.dropped).padStart(7),
            loads.at(-1)!.toFixed(2),
          ].join('  '),
        );
        const failed = last.find((w) => w.firstError);
        if (failed) console.log(`        first error: ${failed.firstError}`);
      }
    }
    load.postMessage('stop');
    report(samples, idle, minutes);
  } finally {
    child.stdin.end('close\n');
    await new Promise((r) => child.once('exit', r));
    await packSide.close();
    await scratch.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(samples: Sample[], idle: Sample, minutes: number): void {
  const at = (minute: number) => samples.find((s) => s.seconds >= minute * 60 - 1);
  const fmt = (s: Sample | undefined) => (s ? `${(s.rss / MiB).toFixed(0)} MiB` : '-');
  const marks = [1, 5, 10].filter((m) => m <= minutes);
  console.log(`RSS at ${marks.map((m) => `${m} min ${fmt(at(m))}`).join(', ')}; idle ${fmt(idle)}`);
  // Flat after warm-up: the last third of the run against the second third (a leak grows steadily).
  const third = Math.floor(samples.length / 3);
  const middle = median(samples.slice(third, 2 * third).map((s) => s.rss));
  const end = median(samples.slice(2 * third).map((s) => s.rss));
  // The process's own high-water mark, so a peak between two samples counts too.
  const peak = Math.max(...samples.map((s) => s.maxRss));
  const growth = (end - middle) / middle;
  console.log(
    `peak RSS ${(peak / MiB).toFixed(0)} MiB (aim <= ${AIM_RSS_MIB}: ${(peak / MiB / AIM_RSS_MIB).toFixed(2)}x, ${peak / MiB <= AIM_RSS_MIB ? 'met' : 'missed'}); last third vs middle third ${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}% (${Math.abs(growth) <= 0.05 ? 'flat' : 'not flat'}); ${(peak / idle.rss).toFixed(2)}x its idle RSS`,
  );
}

function median(values: readonly number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : (sorted[Math.floor(sorted.length / 2)] ?? Number.NaN);
}

/** The URL of the `ready <url>` line (read by listening: leaving a for-await would close the interface). */
function readReady(lines: Interface): Promise<string> {
  return new Promise((resolve, reject) => {
    const onLine = (line: string) => {
      if (!line.startsWith('ready ')) return;
      lines.off('line', onLine);
      resolve(line.slice(6));
    };
    lines.on('line', onLine);
    lines.once('close', () => reject(new Error('the soak gateway exited before it was ready')));
  });
}

/** Asks the child for its memory and reads the JSON line it answers. */
function memoryProbe(stdin: NodeJS.WritableStream, lines: Interface) {
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  return (seconds: number) =>
    new Promise<Sample>((resolve) => {
      waiting.push((line) => resolve({ seconds, ...(JSON.parse(line) as Omit<Sample, 'seconds'>) }));
      stdin.write('mem\n');
    });
}
