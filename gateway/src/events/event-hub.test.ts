import { describe, expect, it } from 'vitest';
import { EventHub } from './event-hub.ts';
import type { EventSubscriber, HubEvent } from './types.ts';

/** A subscriber that keeps what it is given (`accept` decides per event). */
function recorder(accept: (event: HubEvent) => boolean = () => true) {
  const got: (HubEvent | { reset: string } | 'end')[] = [];
  const subscriber: EventSubscriber = {
    accepts: accept,
    deliver: (event) => got.push(event),
    reset: (reason) => got.push({ reset: reason }),
    end: () => got.push('end'),
  };
  return { subscriber, got, ids: () => got.map((e) => (typeof e === 'object' && 'id' in e ? e.id : e)) };
}

describe('EventHub', () => {
  it('numbers events one by one, encodes each as one SSE frame and gives it only to subscribers that accept it', () => {
    const hub = new EventHub({ firstId: 100 });
    const all = recorder();
    const jobsOnly = recorder((e) => e.type === 'job');
    hub.subscribe(all.subscriber);
    hub.subscribe(jobsOnly.subscriber);
    hub.publish({ type: 'deployment', data: { pack: 'a' } });
    hub.publish({ type: 'job', subject: 'user:ann', tenant: 'default', data: () => ({ id: 'j1' }) });
    expect(all.got).toEqual([]); // nothing before the flush: publish only enqueues
    hub.flush();
    expect(all.ids()).toEqual([100, 101]);
    expect(jobsOnly.ids()).toEqual([101]);
    const job = jobsOnly.got[0] as HubEvent;
    expect(job.frame).toBe('id: 101\nevent: job\ndata: {"id":"j1"}\n\n');
    expect(job.bytes).toBe(Buffer.byteLength(job.frame));
    expect(job.audience).toEqual({ kind: 'job', subject: 'user:ann', tenant: 'default' });
  });

  it('replays retained events after a Last-Event-ID, and resets one the ring no longer holds (by count or bytes)', () => {
    const hub = new EventHub({ firstId: 1, replayEvents: 3 });
    for (let n = 0; n < 5; n++) hub.publish({ type: 'deployment', data: { n } });
    hub.flush(); // ids 1..5; 3, 4, 5 kept
    const resumed = recorder();
    hub.subscribe(resumed.subscriber, 2);
    expect(resumed.ids()).toEqual([3, 4, 5]);
    const tooOld = recorder();
    hub.subscribe(tooOld.subscriber, 1);
    expect(tooOld.got).toEqual([
      { reset: 'event 1 is older than the 3 events kept for replay: refetch the lists' },
    ]);
    const upToDate = recorder();
    hub.subscribe(upToDate.subscriber, 5);
    expect(upToDate.got).toEqual([]);

    const small = new EventHub({ firstId: 1, replayBytes: 250 });
    for (let n = 0; n < 4; n++) small.publish({ type: 'deployment', data: { pad: 'x'.repeat(60) } });
    small.flush(); // each frame is 102 bytes: two fit in 250
    const bytes = recorder();
    small.subscribe(bytes.subscriber, 1);
    expect(bytes.got).toEqual([
      { reset: 'event 1 is older than the 2 events kept for replay: refetch the lists' },
    ]);
  });

  it('keeps going when a payload function or a subscriber throws, and tells onError', () => {
    const errors: unknown[] = [];
    const hub = new EventHub({ firstId: 1, onError: (e) => errors.push(e) });
    const broken: EventSubscriber = {
      accepts: () => true,
      deliver: () => {
        throw new Error('socket gone');
      },
      reset: () => {},
      end: () => {},
    };
    const fine = recorder();
    hub.subscribe(broken);
    hub.subscribe(fine.subscriber);
    hub.publish({
      type: 'trace',
      tenant: 'default',
      data: () => {
        throw new Error('row failed');
      },
    });
    hub.publish({ type: 'trace', tenant: () => 'payments', data: { ok: true } });
    hub.flush();
    expect(fine.ids()).toEqual([1]);
    expect(errors.map((e) => (e as Error).message)).toEqual(['row failed', 'socket gone']);
  });

  it('drops and counts what is published past maxPending before a flush, and nothing after close', () => {
    const hub = new EventHub({ firstId: 1, maxPending: 2 });
    const sub = recorder();
    hub.subscribe(sub.subscriber);
    for (let n = 0; n < 5; n++) hub.publish({ type: 'deployment', data: { n } });
    hub.flush();
    expect(sub.ids()).toEqual([1, 2]);
    expect(hub.stats().dropped).toEqual({ deployment: 3 });
    hub.close();
    expect(sub.got.at(-1)).toBe('end');
    hub.publish({ type: 'deployment', data: {} });
    hub.flush();
    expect(sub.got).toHaveLength(3);
    expect(hub.stats().connections).toBe(0);
  });
});
