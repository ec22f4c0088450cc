/**
 * `npm run bench events` (issue #13, GET /v1/events), in one process, no database:
 *  1. what live events add to the request path: `TraceSink.record` with the hub listening (the enqueue only)
 *     against the same sink without it (baseline), per call;
 *  2. a live tail at 1,000 trace events/s for 5 s, to 1 and to 20 real SSE connections over HTTP (clients in
 *     this process, so they share its CPU with the gateway side): events received and dropped per connection,
 *     and the delay from publish to arrival (p50, p99), against the aim (keep up at 1,000 calls/s, none lost).
 * Prints figures; no pass/fail: these machines are shared and noisy.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { serveEventStream } from '../gateway/src/admin/event-stream.ts';
import { EventHub } from '../gateway/src/events/event-hub.ts';
import { storedTraceOfRow } from '../gateway/src/events/trace-event.ts';
import { BufferedTraceSink } from '../gateway/src/traces/trace-sink.ts';
import type { TraceRecord } from '../gateway/src/traces/types.ts';
import { trace } from './lib/trace-record.ts';

const RATE = 1_000;
const SECONDS = 5;

const idleWriter = { write: async () => {}, ping: async () => true };

/** ns per record() over n calls, the writer idle (flush interval long, so only the enqueue is timed). */
function recordCost(sink: BufferedTraceSink, records: TraceRecord[]): number {
  const start = performance.now();
  for (const r of records) sink.record(r);
  return ((performance.now() - start) * 1e6) / records.length;
}

async function requestPath(): Promise<void> {
  const n = 20_000;
  const records = Array.from({ length: n }, (_, i) => trace(i));
  const options = { writer: idleWriter, maxBuffered: n * 2, batchSize: n * 2, flushIntervalMs: 60_000 };
  const rounds: { plain: number; live: number }[] = [];
  for (let round = 0; round < 9; round++) {
    const plain = new BufferedTraceSink(options);
    const hub = new EventHub({ maxPending: n });
    const live = new BufferedTraceSink({
      ...options,
      onRecorded: (row) =>
        hub.publish({ type: 'trace', tenant: () => row().tenant, data: () => storedTraceOfRow(row()) }),
    });
    // Alternate which goes first, so neither always runs on a warmer (or more crowded) machine.
    if (round % 2 === 0) rounds.push({ plain: recordCost(plain, records), live: recordCost(live, records) });
    else rounds.push({ live: recordCost(live, records), plain: recordCost(plain, records) });
    hub.close(); // drops the pending events unbuilt: only the request path is measured here
    await plain.close();
    await live.close();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const plain = median(rounds.map((r) => r.plain));
  const live = median(rounds.map((r) => r.live));
  console.log('1. request path: TraceSink.record, median of 9 rounds of 20,000 calls');
  console.log(`   without live events (baseline)  ${plain.toFixed(0)} ns/call`);
  console.log(
    `   with the hub listening          ${live.toFixed(0)} ns/call  (${(live / plain).toFixed(2)}× baseline)`,
  );
}

interface Reader {
  received: number;
  dropped: number;
  delays: number[];
  close(): void;
}

function read(url: string, sentAt: Map<number, number>): Promise<Reader> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      const reader: Reader = { received: 0, dropped: 0, delays: [], close: () => req.destroy() };
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (\d+)$/m.exec(frame)?.[1];
          if (frame.includes('event: dropped')) {
            reader.dropped += (
              JSON.parse(frame.slice(frame.indexOf('data: ') + 6)) as { count: number }
            ).count;
          } else if (id) {
            reader.received++;
            const at = sentAt.get(Number(id));
            if (at !== undefined) reader.delays.push(performance.now() - at);
          }
          end = buffer.indexOf('\n\n');
        }
      });
      resolve(reader);
    });
    req.on('error', reject);
  });
}

async function liveTail(connections: number): Promise<void> {
  const hub = new EventHub();
  const admin = {
    subject: 'user:admin',
    subjectKind: 'user',
    groups: [],
    claims: {},
    principals: [],
    admin: true,
  };
  const server = http.createServer((req, res) => {
    serveEventStream(req, res, hub, admin, { types: new Set(['trace']) });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/events`;
  const sentAt = new Map<number, number>();
  const readers = await Promise.all(Array.from({ length: connections }, () => read(url, sentAt)));
  while (hub.stats().connections < connections) await new Promise((r) => setTimeout(r, 10));
  const sink = new BufferedTraceSink({
    writer: idleWriter,
    flushIntervalMs: 50,
    onRecorded: (row) => {
      // The id the hub will give this event: events are numbered in publish order.
      sentAt.set(hub.nextId + pending++, performance.now());
      hub.publish({ type: 'trace', tenant: () => row().tenant, data: () => storedTraceOfRow(row()) });
    },
  });
  let pending = 0;
  const total = RATE * SECONDS;
  const start = performance.now();
  let sent = 0;
  // 10 calls every 10 ms, the pace a busy gateway records at.
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * RATE));
    while (sent < due) {
      sink.record(trace(sent++));
    }
    await new Promise((r) => setTimeout(r, 10));
    pending = 0;
  }
  const elapsed = (performance.now() - start) / 1000;
  const settle = performance.now();
  while (readers.some((r) => r.received + r.dropped < total) && performance.now() - settle < 5_000) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const delays = readers.flatMap((r) => r.delays).sort((a, b) => a - b);
  const pct = (p: number) => delays[Math.min(delays.length - 1, Math.floor(delays.length * p))] ?? NaN;
  const received = readers.map((r) => r.received);
  const dropped = readers.reduce((n, r) => n + r.dropped, 0);
  console.log(
    `   ${String(connections).padStart(2)} connection(s): ${total.toLocaleString('en-US')} events in ${elapsed.toFixed(2)} s (${Math.round(total / elapsed)}/s); received per connection min ${Math.min(...received)}, max ${Math.max(...received)}; dropped ${dropped}; delay p50 ${pct(0.5).toFixed(1)} ms, p99 ${pct(0.99).toFixed(1)} ms`,
  );
  for (const r of readers) r.close();
  hub.close();
  await sink.close();
  await new Promise((r) => server.close(() => r(undefined)));
}

export default async function bench(): Promise<void> {
  await requestPath();
  console.log(
    `2. live tail at ${RATE.toLocaleString('en-US')} trace events/s for ${SECONDS} s (aim: every event arrives)`,
  );
  await liveTail(1);
  await liveTail(20);
}
