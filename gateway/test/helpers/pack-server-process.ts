/**
 * The pack-server role as the container runs it: `gateway/src/main.ts` in its own process, serving the packs in
 * `packsDir` (the widgets pack's secret set, private networks allowed for a fake upstream on 127.0.0.1), with
 * `env` on top: the OTEL_* variables of the telemetry tests. startWidgetsPacksDir makes such a `packsDir`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type FakeUpstream, json, startFakeUpstream } from './fake-upstream.ts';
import { WIDGETS_SECRET_ENV, widgetsPack } from './test-pack.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

export interface MainProcess {
  child: ChildProcess;
  /** What the process has written to stderr so far (its log). */
  stderr(): string;
  /**
   * Resolves with the exit code once stderr is read to its end ('close': 'exit' can come before the last
   * lines, and a test reading the log then misses them).
   */
  exited: Promise<number | null>;
}

export function startPackServerProcess(packsDir: string, env: Record<string, string>): MainProcess {
  let stderr = '';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'gateway/src/main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'],
      RAKU_ROLE: 'pack-server',
      RAKU_PACKS_DIR: packsDir,
      RAKU_ALLOW_PRIVATE_NETWORKS: 'true',
      [WIDGETS_SECRET_ENV]: 'upstream-secret',
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

export interface WidgetsPacksDir {
  /** Answers GET /api/widgets/w1 with { id: 'w1' }. */
  upstream: FakeUpstream;
  /** A temporary directory holding widgets.json, the widgets pack calling `upstream`. */
  dir: string;
  /** Stops the upstream and removes the directory. */
  close(): Promise<void>;
}

export async function startWidgetsPacksDir(): Promise<WidgetsPacksDir> {
  const upstream = await startFakeUpstream();
  upstream.routes.set('GET /api/widgets/w1', (_req, res) => json(res, 200, { id: 'w1' }));
  const dir = mkdtempSync(path.join(tmpdir(), 'raku-packs-'));
  writeFileSync(path.join(dir, 'widgets.json'), JSON.stringify(widgetsPack(upstream.url)));
  return {
    upstream,
    dir,
    async close() {
      await upstream.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
