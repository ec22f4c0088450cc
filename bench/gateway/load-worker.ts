/**
 * Load generator for bench/gateway.bench.ts, run in a worker thread so it does not share the event loop with
 * the servers it measures. Closed loop: `concurrency` clients each send the next request when the previous
 * one answered, over keep-alive connections, for `durationMs`.
 */
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

export interface LoadJob {
  url: string;
  headers: Record<string, string>;
  body: string;
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  /** Text every answer must contain (catches a benchmark measuring errors). */
  expect: string;
}

export interface LoadResult {
  /** Requests answered in the measured window. */
  requests: number;
  /** Requests answered in all, warm-up included (what the servers' CPU time was spent on). */
  answered: number;
  errors: number;
  firstError: string | null;
  rps: number;
  p50: number;
  p99: number;
}

const job = workerData as LoadJob;
const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
const url = new URL(job.url);
const body = Buffer.from(job.body);
const headers = { ...job.headers, 'content-length': String(body.length) };

function once(): Promise<{ ok: boolean; text: string }> {
  return new Promise((resolve) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({
            ok: res.statusCode === 200 && text.includes(job.expect),
            text: `${res.statusCode} ${text.slice(0, 300)}`,
          });
        });
      },
    );
    req.on('error', (err) => resolve({ ok: false, text: err.message }));
    req.end(body);
  });
}

async function run(): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const warmEnd = performance.now() + job.warmupMs;
  let end = Number.POSITIVE_INFINITY;
  let measuredStart = 0;
  let answered = 0;
  const loop = async () => {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= end) return;
      const { ok, text } = await once();
      const t1 = performance.now();
      answered++;
      if (t0 < warmEnd) continue;
      if (!ok) {
        errors++;
        firstError ??= text;
      }
      latencies.push(t1 - t0);
    }
  };
  setTimeout(() => {
    measuredStart = performance.now();
    end = measuredStart + job.durationMs;
  }, job.warmupMs);
  await Promise.all(Array.from({ length: job.concurrency }, loop));
  const elapsed = performance.now() - measuredStart;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  agent.destroy();
  return {
    requests: latencies.length,
    answered,
    errors,
    firstError,
    rps: (latencies.length / elapsed) * 1000,
    p50: at(0.5),
    p99: at(0.99),
  };
}

parentPort?.postMessage(await run());
