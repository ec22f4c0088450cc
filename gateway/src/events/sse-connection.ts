/**
 * One GET /v1/events stream: writes the hub's events to the response and keeps a slow reader from growing the
 * gateway's memory. While the socket accepts writes, events go straight out. Once `res.write` returns false
 * (the client reads too slowly), events wait in a queue bounded by count and bytes; past either bound they are
 * dropped and counted. When the socket drains, the queue is written, then one `dropped` event
 * (`{ count, total }`: lost since the last notice, and on this connection in all), then live events resume.
 *
 * A client that takes nothing for four heartbeat intervals in a row (a minute by default) is disconnected:
 * its queue is bounded, but its socket would otherwise stay open for good. A browser reconnects by itself
 * and resumes with Last-Event-ID.
 *
 * `dropped` and `reset` frames carry no `id:`, so a browser's Last-Event-ID stays at the last event it really
 * received.
 */
import type { ServerResponse } from 'node:http';
import type { EventSubscriber, HubEvent } from './types.ts';

export interface SseConnectionOptions {
  /** Decides, per event, whether this caller asked for it and may see it. */
  accepts: (event: HubEvent) => boolean;
  /** Events waiting for a slow reader at most. Default 1 000. */
  maxQueuedEvents?: number;
  /** Bytes of events waiting for a slow reader at most. Default 1 MiB. */
  maxQueuedBytes?: number;
  /** Interval of the `: ping` comment, in ms; 0 sends none. Default 15 000. */
  heartbeatMs?: number;
  /** The `retry:` hint sent first: how long a browser waits before reconnecting, in ms. Default 3 000. */
  retryMs?: number;
  onSent?: (type: string) => void;
  onDropped?: (type: string) => void;
}

/** What a connection holds for its client right now (tests assert the bounds on it). */
export interface SseConnectionStats {
  /** Events queued while the socket would not take more. */
  queuedEvents: number;
  queuedBytes: number;
  /** Bytes Node holds for the socket (res.writableLength): below `bufferLimit` plus one event. */
  bufferedBytes: number;
  /** The socket's high-water mark: past it `res.write` returns false and events queue here instead. */
  bufferLimit: number;
  /** Events dropped since the last `dropped` notice. */
  dropped: number;
  /** Events dropped on this connection in all. */
  totalDropped: number;
  sent: number;
  /** True while waiting for the socket to drain. */
  blocked: boolean;
}

/** Heartbeat intervals a socket may stay blocked before the connection is dropped. */
const STALLED_HEARTBEATS = 4;

export class SseConnection implements EventSubscriber {
  readonly #res: ServerResponse;
  readonly #accepts: (event: HubEvent) => boolean;
  readonly #maxQueuedEvents: number;
  readonly #maxQueuedBytes: number;
  readonly #onSent: (type: string) => void;
  readonly #onDropped: (type: string) => void;
  #queue: { frame: string; bytes: number; type: string }[] = [];
  #queuedBytes = 0;
  #dropped = 0;
  #totalDropped = 0;
  #sent = 0;
  #blocked = false;
  #corked = false;
  #closed = false;
  /** Heartbeats that found the socket still blocked, in a row. */
  #stalled = 0;
  #ended: () => void = () => {};
  /** Settles when the stream is over: the client went, it stalled, or the gateway ended it. */
  readonly done = new Promise<void>((resolve) => {
    this.#ended = resolve;
  });
  #heartbeat: NodeJS.Timeout | null = null;

  constructor(res: ServerResponse, options: SseConnectionOptions) {
    this.#res = res;
    this.#accepts = options.accepts;
    this.#maxQueuedEvents = options.maxQueuedEvents ?? 1_000;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? 1024 * 1024;
    this.#onSent = options.onSent ?? (() => {});
    this.#onDropped = options.onDropped ?? (() => {});
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // Proxies (nginx) must pass events on as they come.
      'x-accel-buffering': 'no',
    });
    this.#write(`retry: ${options.retryMs ?? 3_000}\n\n`);
    res.on('drain', () => this.#pump());
    res.on('close', () => this.#stop());
    const heartbeatMs = options.heartbeatMs ?? 15_000;
    if (heartbeatMs > 0) {
      this.#heartbeat = setInterval(() => {
        // A blocked socket is not idle: nothing to add to it; blocked for too long, the client is gone.
        if (!this.#blocked) this.#write(': ping\n\n');
        else if (++this.#stalled >= STALLED_HEARTBEATS) this.#res.destroy();
      }, heartbeatMs);
      this.#heartbeat.unref();
    }
  }

  accepts(event: HubEvent): boolean {
    return !this.#closed && this.#accepts(event);
  }

  deliver(event: HubEvent): void {
    if (this.#closed) return;
    if (!this.#blocked) {
      // The hub delivers a turn's events together: one socket write for all of them, not one per event.
      if (!this.#corked) {
        this.#corked = true;
        this.#res.cork();
        process.nextTick(() => {
          this.#corked = false;
          this.#res.uncork();
        });
      }
      this.#write(event.frame);
      this.#sent++;
      this.#onSent(event.type);
      return;
    }
    if (
      this.#queue.length < this.#maxQueuedEvents &&
      this.#queuedBytes + event.bytes <= this.#maxQueuedBytes
    ) {
      this.#queue.push({ frame: event.frame, bytes: event.bytes, type: event.type });
      this.#queuedBytes += event.bytes;
      return;
    }
    this.#dropped++;
    this.#totalDropped++;
    this.#onDropped(event.type);
  }

  reset(reason: string): void {
    if (!this.#closed) this.#write(`event: reset\ndata: ${JSON.stringify({ reason })}\n\n`);
  }

  end(): void {
    if (this.#closed) return;
    this.#stop();
    this.#res.end();
  }

  stats(): SseConnectionStats {
    return {
      queuedEvents: this.#queue.length,
      queuedBytes: this.#queuedBytes,
      bufferedBytes: this.#res.writableLength,
      bufferLimit: this.#res.writableHighWaterMark,
      dropped: this.#dropped,
      totalDropped: this.#totalDropped,
      sent: this.#sent,
      blocked: this.#blocked,
    };
  }

  /** Writes a frame; a false return (Node buffered it past the high-water mark) blocks until 'drain'. */
  #write(frame: string): void {
    if (!this.#res.write(frame)) this.#blocked = true;
  }

  /** After 'drain': the queue, then the `dropped` notice, stopping again whenever the socket fills. */
  #pump(): void {
    if (this.#closed) return;
    this.#blocked = false;
    this.#stalled = 0;
    while (this.#queue.length > 0 && !this.#blocked) {
      const next = this.#queue.shift()!;
      this.#queuedBytes -= next.bytes;
      this.#write(next.frame);
      this.#sent++;
      this.#onSent(next.type);
    }
    if (!this.#blocked && this.#dropped > 0) {
      const count = this.#dropped;
      this.#dropped = 0;
      this.#write(`event: dropped\ndata: ${JSON.stringify({ count, total: this.#totalDropped })}\n\n`);
    }
  }

  #stop(): void {
    this.#closed = true;
    this.#ended();
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    this.#queue = [];
    this.#queuedBytes = 0;
  }
}
