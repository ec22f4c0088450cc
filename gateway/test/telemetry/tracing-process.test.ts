/**
 * Tracing as the container runs it: the pack-server role in its own process (`main.ts`), configured only by
 * environment variables, tracing to an OTLP receiver started here. Its export delay is longer than the test,
 * so the spans arrive only because SIGTERM exports what is queued before the process ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeUpstream, json, startFakeUpstream } from '../helpers/fake-upstream.ts';
import { WIDGETS_SECRET_ENV, widgetsPack } from '../helpers/test-pack.ts';
import { startTraceReceiver, type TraceReceiver } from './otlp-trace-receiver.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let upstream: FakeUpstream;
let receiver: TraceReceiver;
let child: ChildProcess;
let dir: string;
let url: string;
let stderr = '';

beforeAll(async () => {
  upstream = await startFakeUpstream();
  upstream.routes.set('GET /api/widgets/w1', (_req, res) => json(res, 200, { id: 'w1' }));
  receiver = await startTraceReceiver();
  dir = mkdtempSync(path.join(tmpdir(), 'raku-otel-'));
  writeFileSync(path.join(dir, 'widgets.json'), JSON.stringify(widgetsPack(upstream.url)));
  child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'gateway/src/main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'],
      RAKU_ROLE: 'pack-server',
      RAKU_PACKS_DIR: dir,
      RAKU_ALLOW_PRIVATE_NETWORKS: 'true',
      [WIDGETS_SECRET_ENV]: 'upstream-secret',
      PORT: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_BSP_SCHEDULE_DELAY: '3600000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /listening on (http:\/\/\S+\/mcp)/.exec(stderr);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`pack server exited with ${code}: ${stderr}`)));
  });
}, 90_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await upstream?.close();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('pack server process with OTEL_* set', () => {
  it('traces each call under the caller span, and exports what is queued at SIGTERM', async () => {
    expect(stderr).toContain(`tracing: spans of raku-pack-server exported to ${receiver.url}/v1/traces`);
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const client = new Client(
      { name: 'raku-test', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const result = await client.callTool({
      name: 'widgets.get_widget',
      arguments: { id: 'w1' },
      _meta: { traceparent: `00-${traceId}-${callerSpan}-01` },
    });
    expect(result.isError).toBeFalsy();
    await client.close();
    // Nothing exported yet: the next export is an hour away.
    expect(receiver.spans).toHaveLength(0);

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const spans = await receiver.waitForTrace(traceId, 2);
    const server = spans.find((s) => s.name === 'tools/call widgets.get_widget');
    expect(server).toMatchObject({
      kind: 2,
      parentSpanId: callerSpan,
      resource: { 'service.name': 'raku-pack-server' },
      attributes: { 'raku.pack': 'widgets', 'raku.pack.version': '1.0.0', 'mcp.method.name': 'tools/call' },
    });
    const get = spans.find((s) => s.name === 'GET');
    expect(get).toMatchObject({ kind: 3, parentSpanId: server?.spanId });
    expect(upstream.requests.at(-1)?.headers['traceparent']).toBe(`00-${traceId}-${get?.spanId}-01`);
  });
});
