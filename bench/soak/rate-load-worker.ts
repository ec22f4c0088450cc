/**
 * Open-loop load for bench/soak.bench.ts, in a worker thread: sends `rate` requests a second, on a schedule that
 * does not wait for answers (a slow gateway meets the same arrivals, as agents would give it), over keep-alive
 * connections, until told to stop. Every `reportMs` it posts the window's counts and latencies.
 */
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

export interface RateJob {
  url: string;
  headers: Record<string, string>;
  body: string;
  rate: number;
  reportMs: number;
  /** Text every answer must contain. */
  expect: string;
}

export interface RateWindow {
  sent: number;
  answered: number;
  errors: number;
  firstError: string | null;
  /** Requests sent but not answered yet when the window closed. */
  inFlight: number;
  p50: number;
  p99: number;
}

const job = workerData as RateJob;
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const url = new URL(job.url);
const body = Buffer.from(job.body);
const headers = { ...job.headers, 'content-length': String(body.length) };

let window: {
  sent: number;
  answered: number;
  errors: number;
  firstError: string | null;
  latencies: number[];
} = {
  sent: 0,
  answered: 0,
  errors: 0,
  firstError: null,
  latencies: [],
};
let inFlight = 0;

function send(): void {
  const started = performance.now();
  window.sent++;
  inFlight++;
  const req = http.request(
    { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers, agent },
    (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        inFlight--;
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode === 200 && text.includes(job.expect)) {
          window.answered++;
          window.latencies.push(performance.now() - started);
        } else {
          window.errors++;
          window.firstError ??= `${res.statusCode} ${text.slice(0, 200)}`;
        }
      });
    },
  );
  req.on('error', (err) => {
    inFlight--;
    window.errors++;
    window.firstError ??= err.message;
  });
  req.end(body);
}

// Every 10 ms, send what the schedule says is due since the start: the rate holds even when a tick is late.
const start = performance.now();
let due = 0;
const tick = setInterval(() => {
  const target = Math.floor(((performance.now() - start) / 1000) * job.rate);
  for (; due < target; due++) send();
}, 10);

const pct = (sorted: number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0);
const report = setInterval(() => {
  const sorted = window.latencies.sort((a, b) => a - b);
  const out: RateWindow = {
    sent: window.sent,
    answered: window.answered,
    errors: window.errors,
    firstError: window.firstError,
    inFlight,
    p50: pct(sorted, 0.5),
    p99: pct(sorted, 0.99),
  };
  window = { sent: 0, answered: 0, errors: 0, firstError: null, latencies: [] };
  parentPort?.postMessage(out);
}, job.reportMs);

parentPort?.on('message', (msg) => {
  if (msg !== 'stop') return;
  clearInterval(tick);
  clearInterval(report);
  agent.destroy();
  parentPort?.close();
});
