import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { isUserError } from '@raku/config';
import { DEFAULT_JSON_BOUNDS, jsonBounds, setJsonBounds } from '@raku/pack-runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';
import { configureJsonBounds, installProcessGuard, processFaults } from './process-guard.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../../..');

afterEach(() => setJsonBounds(DEFAULT_JSON_BOUNDS));

describe('installProcessGuard', () => {
  it('counts and logs uncaught exceptions and unhandled rejections, and can be removed', () => {
    const emitter = new EventEmitter();
    const proc = emitter as unknown as NodeJS.Process;
    const lines: string[] = [];
    const before = { ...processFaults() };
    const remove = installProcessGuard((line) => lines.push(line), proc);
    emitter.emit('uncaughtException', new RangeError('Maximum call stack size exceeded'));
    emitter.emit('unhandledRejection', 'plain reason');
    expect(processFaults()).toEqual({ exception: before.exception + 1, rejection: before.rejection + 1 });
    expect(lines[0]).toMatch(
      /^internal error \(uncaught exception, kept running\): RangeError: Maximum call stack/,
    );
    expect(lines[1]).toBe('internal error (unhandled rejection, kept running): plain reason');
    remove();
    expect(proc.listenerCount('uncaughtException')).toBe(0);
  });

  it('survives a logger that throws and limits how much it logs in a burst', () => {
    const emitter = new EventEmitter();
    const proc = emitter as unknown as NodeJS.Process;
    let lines = 0;
    installProcessGuard(() => {
      lines++;
      throw new Error('log is broken');
    }, proc);
    const before = processFaults().exception;
    for (let i = 0; i < 500; i++) emitter.emit('uncaughtException', new Error(`fault ${i}`));
    expect(processFaults().exception).toBe(before + 500);
    expect(lines).toBe(60);
  });

  it('keeps a real process running after an uncaught exception and an unhandled rejection', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'raku-guard-'));
    try {
      const script = path.join(dir, 'guarded.ts');
      writeFileSync(
        script,
        `import { installProcessGuard, processFaults } from ${JSON.stringify(path.join(ROOT, 'gateway/src/server/process-guard.ts'))};
installProcessGuard((line) => process.stderr.write(line + '\\n'));
setTimeout(() => { throw new Error('escaped a handler'); }, 1);
void Promise.reject(new Error('nobody waited'));
setTimeout(() => { process.stdout.write(JSON.stringify(processFaults())); }, 50);
`,
      );
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', script], { cwd: ROOT });
      expect(JSON.parse(stdout)).toEqual({ exception: 1, rejection: 1 });
      expect(stderr).toContain('kept running');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('exports the counts as raku_process_faults_total on every registry', async () => {
    const text = await createMetrics({ defaultMetrics: false }).registry.metrics();
    expect(text).toMatch(/^raku_process_faults_total\{kind="exception"\} \d+$/m);
    expect(text).toMatch(/^raku_process_faults_total\{kind="rejection"\} \d+$/m);
  });
});

describe('configureJsonBounds', () => {
  it('applies RAKU_JSON_MAX_DEPTH to the process', () => {
    configureJsonBounds({ RAKU_JSON_MAX_DEPTH: '64' });
    expect(jsonBounds().maxDepth).toBe(64);
  });

  it('refuses a bad value as a user error naming the variable', () => {
    let caught: unknown;
    try {
      configureJsonBounds({ RAKU_JSON_MAX_DEPTH: '1e9' });
    } catch (err) {
      caught = err;
    }
    expect(isUserError(caught)).toBe(true);
    expect((caught as Error).message).toContain('RAKU_JSON_MAX_DEPTH');
    expect(jsonBounds()).toEqual(DEFAULT_JSON_BOUNDS);
  });
});
