import { describe, expect, it } from 'vitest';
import { BufferedTraceSink } from './trace-sink.ts';
import type { TraceWriter } from './trace-writer.ts';
import type { TraceRecord } from './types.ts';

function call(i: number): TraceRecord {
  return {
    time: new Date(Date.UTC(2026, 10, 23, 12, 0, 0, i)),
    subject: 'agent:bot',
    subjectKind: 'agent',
    tool: `petstore.get_pet_${i}`,
    route: 'pack:petstore',
    target: null,
    decision: 'allow',
    rule: 'reader',
    revision: 'rev-1',
    latencyMs: 1,
    status: 'ok',
    args: { petId: i },
  };
}

/** A writer that keeps the tools of each batch and holds the first write until `release` is called. */
function heldWriter() {
  const batches: string[][] = [];
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let started = () => {};
  const firstStarted = new Promise<void>((resolve) => {
    started = resolve;
  });
  const writer: TraceWriter = {
    async write(rows) {
      batches.push(rows.map((r) => r.tool));
      if (batches.length === 1) {
        started();
        await held;
      }
    },
    ping: async () => true,
  };
  return { writer, batches, firstStarted, release: () => release() };
}

const turns = (n: number) => new Promise((resolve) => setTimeout(resolve, n));

describe('BufferedTraceSink batching', () => {
  it('leaves rows recorded during a write for the next flush instead of writing them as a batch of their own', async () => {
    const { writer, batches, firstStarted, release } = heldWriter();
    const sink = new BufferedTraceSink({ writer, batchSize: 4, flushIntervalMs: 60_000 });
    for (let i = 0; i < 4; i++) sink.record(call(i)); // a full batch: written at once
    await firstStarted;
    sink.record(call(4));
    sink.record(call(5));
    release();
    await turns(20);
    expect(batches).toHaveLength(1);
    expect(sink.stats()).toMatchObject({ queued: 2, written: 4 });

    sink.record(call(6));
    sink.record(call(7)); // the queue holds a full batch again: written without waiting for the interval
    await turns(20);
    expect(batches).toHaveLength(2);
    expect(batches[1]).toEqual([
      'petstore.get_pet_4',
      'petstore.get_pet_5',
      'petstore.get_pet_6',
      'petstore.get_pet_7',
    ]);

    sink.record(call(8));
    await sink.flush();
    expect(batches.map((b) => b.length)).toEqual([4, 4, 1]);
    expect(sink.stats()).toEqual({ queued: 0, queuedBytes: 0, dropped: 0, written: 9, failures: 0 });
    await sink.close();
  });

  it('writes every full batch queued behind a write before it waits again', async () => {
    const { writer, batches, firstStarted, release } = heldWriter();
    const sink = new BufferedTraceSink({ writer, batchSize: 2, flushIntervalMs: 60_000 });
    sink.record(call(0));
    sink.record(call(1));
    await firstStarted;
    for (let i = 2; i < 7; i++) sink.record(call(i));
    release();
    await turns(20);
    expect(batches.map((b) => b.length)).toEqual([2, 2, 2]);
    expect(sink.stats()).toMatchObject({ queued: 1, written: 6 });
    await sink.close();
    expect(sink.stats()).toMatchObject({ queued: 0, written: 7, dropped: 0 });
  });
});
