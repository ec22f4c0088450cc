/**
 * Process-wide settings and the last-resort guard of a running server, installed by the entry point
 * (gateway/src/main.ts) once the server has started.
 *
 * The guard turns an exception nobody caught, or a promise rejection nobody handled, into a log line and a
 * count (`raku_process_faults_total{kind}`) instead of the end of the process. Node's default (exit) would let
 * one request that reaches a missed error path stop the service for every caller and lose the traces still
 * queued in memory (issue 11). Why keeping on is acceptable here: request state lives in the request (the
 * gateway is stateless, Postgres and Redis hold the rest), the trace writer and the servers catch their own
 * errors, so what reaches the guard is one request's failure that escaped its handler. What it costs: such a
 * request may never be answered (its client times out), and a resource it held may leak. So every fault is
 * counted and should alert: the metric above zero is a bug to fix, not a state to live with. Startup failures
 * are not guarded (the guard is installed after start): they still exit 1 or 2.
 */

import { UserError } from '@raku/config';
import { jsonBoundsFromEnv, setJsonBounds } from '@raku/pack-runtime';
import { Gauge, type Registry } from 'prom-client';

const faults = { exception: 0, rejection: 0 };

/** Faults the guard caught in this process, by kind. */
export function processFaults(): Readonly<typeof faults> {
  return faults;
}

/** Exports the guard's counts on every scrape. */
export function registerProcessFaults(registry: Registry): void {
  new Gauge({
    name: 'raku_process_faults_total',
    help: 'Uncaught exceptions and unhandled rejections the last-resort guard logged instead of exiting.',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.set({ kind: 'exception' }, faults.exception);
      this.set({ kind: 'rejection' }, faults.rejection);
    },
  });
}

/** Full log lines per minute at most; past that, faults are counted and summed up in the next line. */
const LOG_LINES_PER_MINUTE = 60;

/**
 * Installs the guard on `proc` (default: this process); returns a function that removes it. `log` must not
 * throw (a throwing logger is ignored).
 */
export function installProcessGuard(
  log: (message: string) => void,
  proc: NodeJS.Process = process,
): () => void {
  let windowStart = 0;
  let logged = 0;
  let suppressed = 0;
  const report = (kind: keyof typeof faults, error: unknown) => {
    faults[kind]++;
    const now = Date.now();
    if (now - windowStart >= 60_000) {
      windowStart = now;
      logged = 0;
    }
    if (logged >= LOG_LINES_PER_MINUTE) {
      suppressed++;
      return;
    }
    logged++;
    const more = suppressed > 0 ? ` (${suppressed} more not logged)` : '';
    suppressed = 0;
    let detail: string;
    try {
      detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    } catch {
      detail = '(unprintable)';
    }
    try {
      log(
        `internal error (${kind === 'exception' ? 'uncaught exception' : 'unhandled rejection'}, kept running)${more}: ${detail}`,
      );
    } catch {
      // nowhere left to report it; it is counted
    }
  };
  const onException = (error: unknown) => report('exception', error);
  const onRejection = (reason: unknown) => report('rejection', reason);
  proc.on('uncaughtException', onException);
  proc.on('unhandledRejection', onRejection);
  return () => {
    proc.off('uncaughtException', onException);
    proc.off('unhandledRejection', onRejection);
  };
}

/**
 * Applies `RAKU_JSON_MAX_DEPTH` / `RAKU_JSON_MAX_BYTES` to this process (@raku/pack-runtime json-bounds); a bad value
 * is a user error naming the variable.
 */
export function configureJsonBounds(env: Record<string, string | undefined>): void {
  const read = jsonBoundsFromEnv(env);
  if (!read.ok) throw new UserError(read.message);
  setJsonBounds(read.bounds);
}
