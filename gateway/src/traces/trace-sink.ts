/**
 * The buffered trace sink. `record` only pushes onto an in-memory queue; once per event-loop turn, off the
 * request path, each new trace becomes its stored row (redacted JSON text) and lets go of the raw arguments and
 * result; a background writer writes batches of rows. While the database is unreachable the queue keeps at most
 * `maxBuffered` traces and `maxBufferedBytes` of rows and retries with backoff; what does not fit is counted in
 * `dropped` (exported as a metric), never lost silently. A batch the database refuses while reachable (a data error) is retried row by row so one bad
 * trace cannot block the others; a row it still refuses is written again with its payloads replaced by
 * markers (./trace-row.ts), and only a row refused even then is dropped (counted).
 *
 * Nothing thrown in the writer's loop leaves it: building a row never throws, write errors are caught, and the
 * loop itself is guarded, so no trace can end the process or stop later traces from being written.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_REDACTION, type RedactionRules } from './redaction.ts';
import { markedRowOf, type TraceRow, toTraceRow, traceRowBytes } from './trace-row.ts';
import type { TraceWriter } from './trace-writer.ts';
import type { TraceRecord, TraceSink, TraceSinkStats } from './types.ts';

export interface TraceSinkOptions {
  writer: TraceWriter;
  redaction?: RedactionRules;
  /** Traces kept in memory at most (queued + being written). Default 10 000. */
  maxBuffered?: number;
  /**
   * Bytes of stored rows kept in memory at most (queued + being written), counted as the length of their text
   * and JSON payloads plus a fixed share per row (see traceRowBytes). A trace whose row does not fit is dropped
   * (counted). This, not the count, is what bounds memory when payloads are large and the database is down:
   * 10,000 traces of 1 MB results would otherwise hold 10 GB. Default 32 MiB.
   */
  maxBufferedBytes?: number;
  /** Rows per INSERT. Default 500. */
  batchSize?: number;
  /** How long a partial batch may wait before it is written, in ms. Default 200. */
  flushIntervalMs?: number;
  /** First retry delay after a failed write, doubled up to `maxRetryDelayMs`. Default 250. */
  retryDelayMs?: number;
  /** Default 5000. */
  maxRetryDelayMs?: number;
  /**
   * A write (or the reachability check after a failed one) taking longer than this counts as failed, so an
   * unresponsive database (network partition) cannot stall the writer or `close()`. Default 30 000.
   */
  writeTimeoutMs?: number;
  /** Told about each failed write (for logs). */
  onError?: (error: unknown) => void;
  /**
   * Told about each trace as it is recorded (the live event stream), with a function giving its stored row:
   * called later, off the request path, it builds the row once and the writer reuses it (same id).
   */
  onRecorded?: (row: () => TraceRow) => void;
}

interface Queued {
  /** Assigned when the row is built, off the request path (randomUUID can cost microseconds under load). */
  id: string | null;
  /** The call as recorded, until its row is built (then null: the raw payloads are not kept). */
  record: TraceRecord | null;
  /** The stored row, once built (at the turn's end, or earlier for the live stream). */
  row: TraceRow | null;
  /** What the row counts against `maxBufferedBytes` (0 until the turn's end counts it). */
  bytes: number;
}

export class BufferedTraceSink implements TraceSink {
  readonly #writer: TraceWriter;
  readonly #rules: RedactionRules;
  readonly #maxBuffered: number;
  readonly #maxBufferedBytes: number;
  readonly #batchSize: number;
  readonly #flushIntervalMs: number;
  readonly #retryDelayMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #writeTimeoutMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #onRecorded: ((row: () => TraceRow) => void) | undefined;
  #queue: Queued[] = [];
  /** Traces at the end of the queue whose rows are not built and counted yet. */
  #unsettled = 0;
  #settling: NodeJS.Immediate | null = null;
  #bytes = 0;
  #dropped = 0;
  #written = 0;
  #failures = 0;
  #closed = false;
  #timer: NodeJS.Timeout | null = null;
  #draining: Promise<boolean> | null = null;
  #retryDelay: number;

  constructor(options: TraceSinkOptions) {
    this.#writer = options.writer;
    this.#rules = options.redaction ?? DEFAULT_REDACTION;
    this.#maxBuffered = options.maxBuffered ?? 10_000;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? 32 * 1024 * 1024;
    this.#batchSize = options.batchSize ?? 500;
    this.#flushIntervalMs = options.flushIntervalMs ?? 200;
    this.#retryDelayMs = options.retryDelayMs ?? 250;
    this.#maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;
    this.#writeTimeoutMs = options.writeTimeoutMs ?? 30_000;
    const onError = options.onError ?? (() => {});
    // A logger that throws must not break the writer either.
    this.#onError = (error) => {
      try {
        onError(error);
      } catch {
        // nothing left to tell
      }
    };
    this.#retryDelay = this.#retryDelayMs;
    this.#onRecorded = options.onRecorded;
  }

  record(trace: TraceRecord): void {
    if (this.#closed || this.#queue.length >= this.#maxBuffered) {
      this.#dropped++;
      return;
    }
    const queued: Queued = { id: null, record: trace, row: null, bytes: 0 };
    this.#queue.push(queued);
    this.#unsettled++;
    this.#settling ??= setImmediate(() => this.#settle());
    if (this.#onRecorded) {
      try {
        this.#onRecorded(() => this.#rowOf(queued));
      } catch (error) {
        this.#onError(error);
      }
    }
    if (this.#queue.length === this.#batchSize) this.#schedule(0);
    else if (this.#timer === null) this.#schedule(this.#flushIntervalMs);
  }

  stats(): TraceSinkStats {
    return {
      queued: this.#queue.length,
      queuedBytes: this.#bytes,
      dropped: this.#dropped,
      written: this.#written,
      failures: this.#failures,
    };
  }

  async flush(): Promise<void> {
    this.#clearTimer();
    // A drain in progress may have started before the latest records: wait for it, then drain again.
    while (this.#queue.length > 0) {
      const ok = await this.#drain();
      if (!ok) {
        if (!this.#closed) this.#schedule(this.#retryDelay);
        return;
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.flush();
    this.#clearTimer();
    if (this.#queue.length > 0) {
      this.#dropped += this.#queue.length;
      this.#queue = [];
      this.#unsettled = 0;
      this.#bytes = 0;
    }
  }

  #schedule(delayMs: number): void {
    this.#clearTimer();
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#drain()
        .catch(() => false)
        .then((ok) => {
          if (this.#closed || this.#queue.length === 0) return;
          this.#schedule(
            ok ? (this.#queue.length >= this.#batchSize ? 0 : this.#flushIntervalMs) : this.#retryDelay,
          );
        });
    }, delayMs);
    this.#timer.unref();
  }

  /**
   * Builds and counts the rows of the traces recorded since the last time, dropping (counted) those that would
   * take the buffer past `maxBufferedBytes`. Only the unsettled end of the queue moves: a batch being written
   * is always settled (the writer settles before it slices one).
   */
  #settle(): void {
    if (this.#settling !== null) clearImmediate(this.#settling);
    this.#settling = null;
    const start = this.#queue.length - this.#unsettled;
    let kept = start;
    for (let i = start; i < this.#queue.length; i++) {
      const q = this.#queue[i]!;
      const bytes = traceRowBytes(this.#rowOf(q));
      if (this.#bytes + bytes > this.#maxBufferedBytes) {
        this.#dropped++;
        continue;
      }
      q.bytes = bytes;
      this.#bytes += bytes;
      this.#queue[kept++] = q;
    }
    this.#queue.length = kept;
    this.#unsettled = 0;
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Writes what is due (see #drainLoop); false when a write failed (the rest waits for a retry). */
  #drain(): Promise<boolean> {
    if (this.#draining) return this.#draining;
    this.#draining = this.#drainLoop().finally(() => {
      this.#draining = null;
    });
    return this.#draining;
  }

  /**
   * Writes the batch that is due, then only full batches. Rows recorded while a write is in flight wait for the
   * next flush (the interval, a full batch, or flush()): chasing them as they came made a steady load write a
   * transaction of a few rows every few milliseconds instead of one of hundreds per interval, and those
   * transactions' round trips cost the gateway's thread more than building the rows (docs/traces.md).
   */
  async #drainLoop(): Promise<boolean> {
    try {
      let due = true;
      while (this.#queue.length > 0 && (due || this.#queue.length >= this.#batchSize)) {
        due = false;
        this.#settle();
        const batch = this.#queue.slice(0, this.#batchSize);
        const rows = batch.map((q) => this.#rowOf(q));
        try {
          await this.#bounded(this.#writer.write(rows), 'write');
        } catch (error) {
          this.#failures++;
          this.#onError(error);
          if (!(await this.#reachable())) {
            this.#retryDelay = Math.min(this.#retryDelay * 2, this.#maxRetryDelayMs);
            return false;
          }
          // Reachable but refused: find the bad rows instead of retrying the batch forever.
          if (!(await this.#writeOneByOne(rows))) return false;
        }
        this.#queue.splice(0, batch.length);
        for (const q of batch) this.#bytes -= q.bytes;
        this.#written += batch.length;
        this.#retryDelay = this.#retryDelayMs;
      }
      return true;
    } catch (error) {
      // A fault of the writer's own (not a write error): report it and retry later; never let it out.
      this.#failures++;
      this.#onError(error);
      this.#retryDelay = Math.min(this.#retryDelay * 2, this.#maxRetryDelayMs);
      return false;
    }
  }

  /** The id is kept across retries, so a batch written but not acknowledged is not written twice. */
  #rowOf(q: Queued): TraceRow {
    if (q.row === null) {
      const record = q.record!;
      q.id = record.id ?? randomUUID();
      q.row = toTraceRow(q.id, record, this.#rules);
      q.record = null;
    }
    return q.row;
  }

  async #writeRow(row: TraceRow): Promise<boolean> {
    try {
      await this.#bounded(this.#writer.write([row]), 'write');
      return true;
    } catch (error) {
      this.#failures++;
      this.#onError(error);
      return false;
    }
  }

  /** Rejects when `work` outlasts the write timeout. The late write may still land: ids make that harmless. */
  #bounded<T>(work: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`trace ${what} timed out after ${this.#writeTimeoutMs} ms`)),
        this.#writeTimeoutMs,
      );
    });
    work.catch(() => {}); // a late failure after the timeout is already counted
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  async #reachable(): Promise<boolean> {
    try {
      return await this.#bounded(this.#writer.ping(), 'reachability check');
    } catch {
      return false;
    }
  }

  /**
   * Writes each row alone; a row refused while the database answers is written again with its payloads
   * replaced by markers, and dropped (counted) only if that is refused too.
   */
  async #writeOneByOne(rows: TraceRow[]): Promise<boolean> {
    let refused = 0;
    for (const row of rows) {
      if (await this.#writeRow(row)) continue;
      if (!(await this.#reachable())) return false;
      const marked = markedRowOf(row, 'refused');
      if (await this.#writeRow(marked)) continue;
      if (!(await this.#reachable())) return false;
      refused++;
    }
    // The caller counts the batch as written; correct it for the refused rows.
    this.#written -= refused;
    this.#dropped += refused;
    return true;
  }
}

/** A sink writing to Prisma (Postgres or PGlite) with the default options. */
export function createTraceSink(options: TraceSinkOptions): TraceSink {
  return new BufferedTraceSink(options);
}
