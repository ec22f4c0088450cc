/**
 * The pack-server role as the container runs it: `gateway/src/main.ts` in its own process, serving the packs in
 * `packsDir` (the widgets pack's secret set, private networks allowed for a fake upstream on 127.0.0.1), with
 * `env` on top: the OTEL_* variables of the telemetry tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { WIDGETS_SECRET_ENV } from './test-pack.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

export interface MainProcess {
  child: ChildProcess;
  /** What the process has written to stderr so far (its log). */
  stderr(): string;
  /** Resolves with the exit code. */
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
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}
