/**
 * `npm run bench fuzz`: a bounded loopback fuzz of the MCP endpoint and the admin API (issue 11, "Done means").
 *
 * Starts the real runtime as a child process (`gateway/src/main.ts local`, the repository's dev zone, traces in
 * a fresh database of the machine's Postgres, RAKU_AUTH=none on 127.0.0.1), sends RAKU_FUZZ_REQUESTS
 * (default 100,000) generated hostile requests (bench/lib/fuzz-requests.ts, seed RAKU_FUZZ_SEED) from
 * RAKU_FUZZ_CONCURRENCY (default 32) connections, then checks:
 *   - the process is alive and still answers;
 *   - every request got an HTTP answer, none a 5xx;
 *   - every tool call the gateway counted (raku_tool_calls_total) has its trace: rows in the traces table +
 *     traces dropped (raku_trace_dropped_total) = calls, with nothing left queued.
 * Exit code 1 when a check fails. Not part of `npm test`: it takes minutes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createScratchDatabase } from '../gateway/test/helpers/scratch-database.ts';
import { type FuzzRequest, hostileRequests } from './lib/fuzz-requests.ts';

/** A request unanswered this long counts as not answered. */
const ANSWER_TIMEOUT_MS = 60_000;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

interface Answered {
  status: number;
  body: string;
}

function send(agent: http.Agent, port: number, request: FuzzRequest): Promise<Answered> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        agent,
        method: request.method,
        path: request.path,
        headers: {
          ...request.headers,
          ...(request.body ? { 'content-length': String(request.body.length) } : {}),
        },
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    // A body over the limit is answered 413 before it is read, and the connection closed: writing the rest then
    // fails (EPIPE, ECONNRESET) while the answer is on its way. Only a connection closed with no answer fails.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
    });
    req.on('close', () => {
      if (!answered) reject(new Error('connection closed without an answer'));
    });
    req.setTimeout(ANSWER_TIMEOUT_MS, () =>
      req.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`)),
    );
    const body = request.body;
    if (!body || body.length <= CHUNK) {
      req.end(body);
      return;
    }
    // A large body goes in chunks, as a browser or SDK client sends it, and stops once the answer is in (a
    // 413 comes before the body is read): writing it all at once loses the answer to the reset that follows.
    void (async () => {
      for (let at = 0; at < body.length && !answered && !req.destroyed; at += CHUNK) {
        if (!req.write(body.subarray(at, at + CHUNK))) {
          await new Promise<void>((resolve) => {
            const go = () => {
              req.off('drain', go);
              req.off('close', go);
              resolve();
            };
            req.on('drain', go);
            req.on('close', go);
          });
        }
      }
      if (!req.destroyed && !answered) req.end();
    })();
  });
}

const CHUNK = 64 * 1024;

async function metrics(port: number): Promise<Map<string, number>> {
  const text = await new Promise<string>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
        let out = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          out += c;
        });
        res.on('end', () => resolve(out));
      })
      .on('error', reject);
  });
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match) sums.set(match[1]!, (sums.get(match[1]!) ?? 0) + Number(match[3]));
  }
  return sums;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function startGateway(port: number, databaseUrl: string): { child: ChildProcess; stderr: string[] } {
  const stderr: string[] = [];
  // RAKU_FUZZ_CPU_PROF=<dir> writes a V8 CPU profile of the gateway there when it stops.
  const profile = process.env['RAKU_FUZZ_CPU_PROF'];
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', 'gateway/src/main.ts', 'local'], {
    cwd: ROOT,
    env: {
      ...process.env,
      RAKU_ROOT: ROOT,
      RAKU_AUTH: 'none',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      RAKU_APPROVAL_WAIT_MS: '1',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr.push(chunk);
    if (stderr.length > 200) stderr.shift();
  });
  return { child, stderr };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export default async function fuzz(): Promise<void> {
  const total = Number(process.env['RAKU_FUZZ_REQUESTS'] ?? 100_000);
  const concurrency = Number(process.env['RAKU_FUZZ_CONCURRENCY'] ?? 32);
  const seed = Number(process.env['RAKU_FUZZ_SEED'] ?? 20261204);
  const database = await createScratchDatabase();
  const port = await freePort();
  const { child, stderr } = startGateway(port, database.url);
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = `exited with ${code ?? signal}`;
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    await waitFor(
      'the gateway to listen',
      async () => ((await metrics(port)).size > 0 ? true : undefined),
      180_000,
    );
    console.log(
      `fuzzing the gateway (pid ${child.pid}, port ${port}) with ${fmt(total)} requests, seed ${seed}, ${concurrency} connections`,
    );
    const next = hostileRequests(seed);
    const byKind = new Map<string, { sent: number; ms: number; statuses: Map<number, number> }>();
    let sent = 0;
    let answered = 0;
    const failures: string[] = [];
    const serverErrors: string[] = [];
    const started = performance.now();
    const worker = async () => {
      while (sent < total && exited === undefined) {
        sent++;
        const request = next();
        const kind = byKind.get(request.kind) ?? { sent: 0, ms: 0, statuses: new Map() };
        byKind.set(request.kind, kind);
        kind.sent++;
        try {
          const began = performance.now();
          const answer = await send(agent, port, request);
          kind.ms += performance.now() - began;
          answered++;
          if (answered % 10_000 === 0) {
            console.log(
              `  ${fmt(answered)} answered, ${((performance.now() - started) / 1000).toFixed(0)} s`,
            );
          }
          kind.statuses.set(answer.status, (kind.statuses.get(answer.status) ?? 0) + 1);
          if (answer.status >= 500 && serverErrors.length < 10) {
            serverErrors.push(
              `${request.kind} ${request.method} ${request.path}: ${answer.status} ${answer.body.slice(0, 200)}`,
            );
          }
        } catch (err) {
          if (failures.length < 10) {
            failures.push(`${request.kind} ${request.method} ${request.path}: ${(err as Error).message}`);
            console.log(`  unanswered: ${failures.at(-1)} (${request.body?.length ?? 0} bytes)`);
          } else failures.push('');
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;

    // Let the trace writer finish: queue empty and the written count still.
    const settled = await waitFor(
      'the trace queue to drain',
      async () => {
        const before = await metrics(port);
        await new Promise((r) => setTimeout(r, 1000));
        const after = await metrics(port);
        return after.get('raku_trace_queue_depth') === 0 &&
          after.get('raku_trace_written_total') === before.get('raku_trace_written_total')
          ? after
          : undefined;
      },
      300_000,
    );
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const rows = Number((await client.query('SELECT count(*)::int AS n FROM traces')).rows[0].n);
    const marked = Number(
      (
        await client.query(
          `SELECT count(*)::int AS n FROM traces WHERE args->>'$raku' = 'truncated' OR result->>'$raku' = 'truncated'`,
        )
      ).rows[0].n,
    );
    await client.end();
    const calls = settled.get('raku_tool_calls_total') ?? 0;
    const written = settled.get('raku_trace_written_total') ?? 0;
    const dropped = settled.get('raku_trace_dropped_total') ?? 0;
    const faults = settled.get('raku_process_faults_total') ?? 0;
    const alive = exited === undefined && (await metrics(port)).size > 0;

    console.log(
      `\n  ${fmt(sent)} requests in ${seconds.toFixed(1)} s (${fmt(sent / seconds)} req/s), ${fmt(answered)} answered`,
    );
    for (const [kind, k] of [...byKind].sort()) {
      const statuses = [...k.statuses]
        .sort((a, b) => a[0] - b[0])
        .map(([s, c]) => `${s}×${fmt(c)}`)
        .join(' ');
      console.log(
        `    ${kind.padEnd(18)} ${fmt(k.sent).padStart(7)}  ${(k.ms / k.sent).toFixed(1).padStart(6)} ms  ${statuses}`,
      );
    }
    console.log(`  tool calls counted by the gateway: ${fmt(calls)}`);
    console.log(
      `  traces: ${fmt(rows)} rows in the database (${fmt(marked)} with a truncation marker), ${fmt(written)} written, ${fmt(dropped)} dropped`,
    );
    console.log(
      `  rows + dropped = ${fmt(rows + dropped)} ${rows + dropped === calls ? '=' : '≠'} calls ${fmt(calls)}`,
    );
    console.log(
      `  process faults caught by the guard: ${fmt(faults)}; process ${alive ? 'alive' : `NOT alive (${exited})`}`,
    );
    const problems: string[] = [];
    if (!alive) problems.push(`the gateway process is not alive (${exited})`);
    if (answered !== sent)
      problems.push(`${fmt(sent - answered)} requests got no answer: ${failures.filter(Boolean).join('; ')}`);
    if (serverErrors.length > 0) problems.push(`server errors: ${serverErrors.join(' | ')}`);
    if (rows + dropped !== calls)
      problems.push(`traces (${fmt(rows)} rows + ${fmt(dropped)} dropped) ≠ calls (${fmt(calls)})`);
    if (problems.length > 0) {
      console.log(`\n  FAILED:\n  - ${problems.join('\n  - ')}`);
      console.log(`  last gateway log lines:\n${stderr.join('').split('\n').slice(-20).join('\n')}`);
      process.exitCode = 1;
    } else
      console.log(
        '  OK: process alive, every request answered, every counted call traced or counted as dropped',
      );
  } finally {
    agent.destroy();
    if (exited === undefined) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
      if (exited === undefined) child.kill('SIGKILL');
    }
    await database.drop();
  }
}
