/**
 * The gateway's hop to a pack server, client side alone: CPU time of this thread per call for the same
 * tools/call POST sent by node:http with the http.Agent settings PackServerTarget uses, by other Agent
 * settings, and by undici's Pool (a transitive dependency here, not one of the gateway's). The server is
 * bench/gateway/canned-pack-worker.ts in another thread, answering at once, so what differs is the client.
 *
 *   node --import tsx bench/gateway/hop-clients.ts
 *
 * Closed loop, 32 calls in flight, interleaved rounds, median of 3 (Linux only: CPU from /proc).
 */
import http from 'node:http';
import os from 'node:os';
import { Pool } from 'undici';
import { currentThreadId, threadCpuMs } from '../lib/thread-cpu.ts';
import { CALL, MCP_HEADERS, median, startServerThread } from './harness.ts';

const IN_FLIGHT = 32;
const CALLS = 6000;
const ROUNDS = 3;
const body = Buffer.from(CALL);
const headers = { ...MCP_HEADERS, 'content-length': String(body.length) };

type Send = () => Promise<string>;

function viaAgent(url: URL, agent: http.Agent): Send {
  const options = { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers, agent };
  return () =>
    new Promise((resolve, reject) => {
      const req = http.request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      });
      req.on('error', reject);
      req.end(body);
    });
}

function viaPool(url: URL, pool: Pool): Send {
  return async () => {
    const res = await pool.request({ path: url.pathname, method: 'POST', headers, body });
    return res.body.text();
  };
}

async function run(send: Send): Promise<{ us: number; rps: number }> {
  const tid = currentThreadId();
  let left = CALLS;
  const cpu0 = threadCpuMs(tid);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (left-- > 0) {
        const text = await send();
        if (!text.includes('"color":"red"')) throw new Error(`unexpected answer: ${text.slice(0, 200)}`);
      }
    }),
  );
  const ms = performance.now() - t0;
  const cpu1 = threadCpuMs(tid);
  return {
    us: cpu0 === null || cpu1 === null ? Number.NaN : ((cpu1 - cpu0) * 1000) / CALLS,
    rps: (CALLS / ms) * 1000,
  };
}

const canned = await startServerThread('canned-pack-worker.ts');
const url = new URL(canned.url);
const clients: [string, Send, () => Promise<void>][] = [];
const add = (name: string, agent: http.Agent) =>
  clients.push([name, viaAgent(url, agent), async () => agent.destroy()]);
add(
  'http.Agent keepAlive, maxSockets 256 (PackServerTarget)',
  new http.Agent({ keepAlive: true, maxSockets: 256 }),
);
add('http.Agent keepAlive, maxSockets 32', new http.Agent({ keepAlive: true, maxSockets: 32 }));
add('http.Agent keepAlive, maxSockets 8', new http.Agent({ keepAlive: true, maxSockets: 8 }));
for (const connections of [32, 8]) {
  const pool = new Pool(url.origin, { connections, pipelining: 1 });
  clients.push([`undici Pool, ${connections} connections`, viaPool(url, pool), () => pool.close()]);
}
const results = new Map<string, { us: number; rps: number }[]>();
for (const [, send] of clients) await run(send); // warm-up
const loads = [os.loadavg()[0]!];
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, send] of round % 2 ? [...clients].reverse() : clients) {
    results.set(name, [...(results.get(name) ?? []), await run(send)]);
  }
  loads.push(os.loadavg()[0]!);
}
console.log(
  `${CALLS} calls, ${IN_FLIGHT} in flight, median of ${ROUNDS}; load average ${loads.map((l) => l.toFixed(2)).join(', ')}`,
);
for (const [name] of clients) {
  const runs = results.get(name) ?? [];
  console.log(
    `${name.padEnd(58)} ${median(runs.map((r) => r.us))
      .toFixed(0)
      .padStart(5)} µs/call  ${median(runs.map((r) => r.rps))
      .toFixed(0)
      .padStart(6)} calls/s`,
  );
}
for (const [, , close] of clients) await close();
await canned.close();
