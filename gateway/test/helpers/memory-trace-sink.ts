/** A trace sink that keeps traces in an array: the gateway tests assert on what would be written. */
import type { TraceRecord, TraceSink, TraceSinkStats } from '../../src/traces/types.ts';

export class MemoryTraceSink implements TraceSink {
  readonly traces: TraceRecord[] = [];
  record(trace: TraceRecord): void {
    this.traces.push(trace);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  stats(): TraceSinkStats {
    return { queued: 0, queuedBytes: 0, dropped: 0, written: this.traces.length, failures: 0 };
  }
}
