/**
 * The in-process event hub behind GET /v1/events. Producers (trace sink, approval store, job service,
 * deployment store, route table) `publish`; the hub numbers events, encodes each once, keeps the most recent in
 * a bounded replay ring (for `Last-Event-ID`) and hands them to the subscribers whose filter accepts them.
 *
 * Publishing never slows or breaks the request path: `publish` only pushes onto a bounded pending list (O(1))
 * and schedules one flush per event-loop turn; building payloads, encoding and fan-out happen in that flush,
 * and every producer's or subscriber's error is contained there (told to `onError`, never thrown).
 *
 * Ids grow by one per event and start at the process's start time in microseconds, so a Last-Event-ID from an
 * earlier process (a restart, another replica) is older than anything retained and gets a `reset`, never a
 * replay of unrelated events.
 */
import type {
  EventAudience,
  EventInput,
  EventPublisher,
  EventStreamSettings,
  EventSubscriber,
  EventType,
  HubEvent,
} from './types.ts';

export interface EventHubOptions {
  /** Events kept for replay at most. Default 10 000. */
  replayEvents?: number;
  /** Bytes of encoded events kept for replay at most. Default 16 MiB. */
  replayBytes?: number;
  /** Events published but not yet flushed at most; past it they are dropped (counted). Default 10 000. */
  maxPending?: number;
  /** First event id. Default: the process start time in microseconds (see the file header). */
  firstId?: number;
  /** Told about errors of producers' payload functions and of subscribers. */
  onError?: (error: unknown) => void;
  /** Bounds, heartbeat and retry hint of the streams served from this hub. */
  stream?: EventStreamSettings;
  /** Streams one subject may hold open at once (each holds a socket and up to 1 MiB of queue). Default 20. */
  maxStreamsPerSubject?: number;
}

/** Counters exported as metrics (server/metrics.ts registerEventStats). */
export interface EventHubStats {
  /** Open subscribers (SSE connections). */
  connections: number;
  /** Events written to connections, by type. */
  sent: Record<string, number>;
  /** Events lost, by type: a connection's buffer was full, or the hub's pending list was. */
  dropped: Record<string, number>;
}

type Pending = EventInput;

export class EventHub implements EventPublisher {
  /**
   * Counts a stream of `subject` as open; false when the subject already holds the most it may (the caller
   * answers 429). Give each stream that was admitted back with `releaseStream`.
   */
  admitStream(subject: string): boolean {
    const open = this.#streamsBySubject.get(subject) ?? 0;
    if (open >= this.#maxStreamsPerSubject) return false;
    this.#streamsBySubject.set(subject, open + 1);
    return true;
  }

  releaseStream(subject: string): void {
    const open = (this.#streamsBySubject.get(subject) ?? 1) - 1;
    if (open > 0) this.#streamsBySubject.set(subject, open);
    else this.#streamsBySubject.delete(subject);
  }

  get maxStreamsPerSubject(): number {
    return this.#maxStreamsPerSubject;
  }

  readonly #replayEvents: number;
  readonly #replayBytes: number;
  readonly #maxPending: number;
  readonly #onError: (error: unknown) => void;
  readonly #subscribers = new Set<EventSubscriber>();
  /** Oldest first; `#ringStart` is the index of the oldest live entry (shifted lazily). */
  #ring: HubEvent[] = [];
  #ringStart = 0;
  #ringBytes = 0;
  #nextId: number;
  #pending: Pending[] = [];
  #scheduled: NodeJS.Immediate | null = null;
  #closed = false;
  readonly #sent = new Map<string, number>();
  readonly #dropped = new Map<string, number>();
  /** Bounds, heartbeat and retry hint of the streams served from this hub. */
  readonly streamSettings: EventStreamSettings;
  readonly #maxStreamsPerSubject: number;
  readonly #streamsBySubject = new Map<string, number>();

  constructor(options: EventHubOptions = {}) {
    this.streamSettings = { ...options.stream };
    this.#maxStreamsPerSubject = options.maxStreamsPerSubject ?? 20;
    this.#replayEvents = options.replayEvents ?? 10_000;
    this.#replayBytes = options.replayBytes ?? 16 * 1024 * 1024;
    this.#maxPending = options.maxPending ?? 10_000;
    this.#nextId = options.firstId ?? Math.floor(performance.timeOrigin * 1000);
    const onError = options.onError ?? (() => {});
    this.#onError = (error) => {
      try {
        onError(error);
      } catch {
        // nothing left to tell
      }
    };
  }

  publish(event: EventInput): void {
    if (this.#closed) return;
    if (this.#pending.length >= this.#maxPending) {
      this.countDropped(event.type);
      return;
    }
    this.#pending.push(event);
    this.#scheduled ??= setImmediate(() => this.flush());
  }

  /** Numbers, encodes, retains and fans out everything published so far. Called once per event-loop turn. */
  flush(): void {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = null;
    const pending = this.#pending;
    this.#pending = [];
    for (const input of pending) {
      const event = this.#encode(input);
      if (!event) continue;
      this.#retain(event);
      for (const subscriber of this.#subscribers) {
        try {
          if (subscriber.accepts(event)) subscriber.deliver(event);
        } catch (error) {
          this.#onError(error);
        }
      }
    }
  }

  /**
   * Adds a subscriber. With `lastEventId`, first replays the retained events after it that the subscriber
   * accepts, or sends it a `reset` when that id is no longer (or never was) in the ring.
   */
  subscribe(subscriber: EventSubscriber, lastEventId?: number): () => void {
    // Whatever was published before the subscription is part of the replay, not of the live stream.
    this.flush();
    if (lastEventId !== undefined) {
      const oldest = this.#ring.length > this.#ringStart ? this.#ring[this.#ringStart]!.id : this.#nextId;
      if (lastEventId < oldest - 1 || lastEventId >= this.#nextId) {
        subscriber.reset(
          lastEventId >= this.#nextId
            ? `event ${lastEventId} was not sent by this gateway process: refetch the lists`
            : `event ${lastEventId} is older than the ${this.#ring.length - this.#ringStart} events kept for replay: refetch the lists`,
        );
      } else {
        for (let i = this.#ringStart; i < this.#ring.length; i++) {
          const event = this.#ring[i]!;
          if (event.id > lastEventId && subscriber.accepts(event)) subscriber.deliver(event);
        }
      }
    }
    this.#subscribers.add(subscriber);
    return () => {
      this.#subscribers.delete(subscriber);
    };
  }

  /** The subscribers now open (tests look at their buffers through this). */
  subscribers(): EventSubscriber[] {
    return [...this.#subscribers];
  }

  /** The id the next event will get (tests; a client starting fresh may use `this - 1` as its Last-Event-ID). */
  get nextId(): number {
    return this.#nextId;
  }

  /** Counts an event a subscriber could not take (its buffer was full). */
  countDropped(type: string): void {
    this.#dropped.set(type, (this.#dropped.get(type) ?? 0) + 1);
  }

  /** Counts an event written to a subscriber. */
  countSent(type: string): void {
    this.#sent.set(type, (this.#sent.get(type) ?? 0) + 1);
  }

  stats(): EventHubStats {
    return {
      connections: this.#subscribers.size,
      sent: Object.fromEntries(this.#sent),
      dropped: Object.fromEntries(this.#dropped),
    };
  }

  /** Ends every stream and refuses further events (gateway shutdown). */
  close(): void {
    this.#closed = true;
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = null;
    this.#pending = [];
    for (const subscriber of [...this.#subscribers]) {
      try {
        subscriber.end();
      } catch (error) {
        this.#onError(error);
      }
    }
    this.#subscribers.clear();
  }

  #encode(input: EventInput): HubEvent | null {
    let json: string | undefined;
    try {
      const data = typeof input.data === 'function' ? (input.data as () => unknown)() : input.data;
      json = JSON.stringify(data);
    } catch (error) {
      this.#onError(error);
      return null;
    }
    if (json === undefined) return null;
    const id = this.#nextId++;
    const frame = `id: ${id}\nevent: ${input.type}\ndata: ${json}\n\n`;
    return {
      id,
      type: input.type as EventType,
      frame,
      bytes: Buffer.byteLength(frame),
      audience: audienceOf(input),
    };
  }

  /** Keeps the event for replay, evicting the oldest past either bound (the newest is always kept). */
  #retain(event: HubEvent): void {
    this.#ring.push(event);
    this.#ringBytes += event.bytes;
    while (
      this.#ring.length - this.#ringStart > 1 &&
      (this.#ring.length - this.#ringStart > this.#replayEvents || this.#ringBytes > this.#replayBytes)
    ) {
      this.#ringBytes -= this.#ring[this.#ringStart]!.bytes;
      this.#ringStart++;
    }
    // Compact now and then rather than shifting on every eviction (Array#shift is O(n)).
    if (this.#ringStart > 1024 && this.#ringStart * 2 > this.#ring.length) {
      this.#ring = this.#ring.slice(this.#ringStart);
      this.#ringStart = 0;
    }
  }
}

/** Who may receive an event (a trace's lazy tenant is read here, off the request path, like its data). */
function audienceOf(input: EventInput): EventAudience {
  switch (input.type) {
    case 'approval':
      return { kind: 'approval', subject: input.subject, approvers: input.approvers, tenant: input.tenant };
    case 'job':
      return { kind: 'job', subject: input.subject, tenant: input.tenant };
    case 'trace':
      return { kind: 'admin', tenant: typeof input.tenant === 'function' ? input.tenant() : input.tenant };
    default:
      return { kind: 'admin' };
  }
}
