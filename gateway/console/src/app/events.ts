/**
 * Live updates: one EventSource per page on GET /v1/events, shared by every `useEvents` of the page. The
 * stream asks for the union of the types the mounted views want and is reopened when that set changes. The
 * browser reconnects by itself (sending Last-Event-ID, so the gateway replays what was missed); when the
 * gateway refuses the stream (401, 403, 5xx) the browser stops and we retry with a growing delay.
 *
 * `dropped` events (the gateway lost events because this page read too slowly) add up into a count the shell
 * shows; `reset` (the gap was too long to replay) reaches every subscriber, which refetches its lists.
 */
import type { Schema } from '@raku/client';
import { createContext, useContext, useEffect, useRef, useSyncExternalStore } from 'react';

/** The kinds of live event a view can ask for. */
export type LiveEventType = 'trace' | 'approval' | 'job' | 'deployment' | 'routes';

/** A live event, with its payload as the matching list endpoint returns it. */
export type LiveEvent =
  | { type: 'trace'; data: Schema<'Trace'> }
  | { type: 'approval'; data: Schema<'Approval'> }
  | { type: 'job'; data: Schema<'Job'> }
  | { type: 'deployment'; data: Schema<'Deployment'> }
  | { type: 'routes'; data: Record<string, unknown> }
  /** The stream could not replay what this page missed: refetch. Sent to every subscriber. */
  | { type: 'reset'; data: { reason: string } };

/** The stream's state, for the shell's status line. */
export interface LiveStatus {
  state: 'idle' | 'connecting' | 'open' | 'reconnecting' | 'refused';
  /** Events the gateway dropped for this page since it was loaded. */
  dropped: number;
}

interface Subscriber {
  types: readonly LiveEventType[];
  onEvent(event: LiveEvent): void;
}

const MAX_RETRY_MS = 30_000;
/** After a stream's first open, when views refetch a second time (see onopen). */
const CATCH_UP_MS = 2000;

/** The page's event stream. Created once by the shell. */
export class EventHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly statusListeners = new Set<() => void>();
  private source: EventSource | null = null;
  private openTypes = '';
  private syncQueued = false;
  private retryMs = 1000;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private status: LiveStatus = { state: 'idle', dropped: 0 };

  /**
   * @param url The events endpoint ('/v1/events').
   * @param onRefused Runs when the gateway refuses the stream (the session may have ended).
   */
  constructor(
    private readonly url: string,
    private readonly onRefused: () => void,
  ) {}

  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    this.queueSync();
    return () => {
      this.subscribers.delete(subscriber);
      this.queueSync();
    };
  }

  getStatus = (): LiveStatus => this.status;

  onStatus = (listener: () => void): (() => void) => {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  };

  /** Closes the stream for good (signed out, page left). */
  close(): void {
    clearTimeout(this.retryTimer);
    this.source?.close();
    this.source = null;
    this.openTypes = '';
    this.subscribers.clear();
    this.setStatus({ state: 'idle' });
  }

  private setStatus(change: Partial<LiveStatus>): void {
    this.status = { ...this.status, ...change };
    for (const listener of this.statusListeners) listener();
  }

  /** Views mount and unmount together on navigation: open one stream for the final set, not one per view. */
  private queueSync(): void {
    if (this.syncQueued) return;
    this.syncQueued = true;
    setTimeout(() => {
      this.syncQueued = false;
      this.sync();
    }, 0);
  }

  private wantedTypes(): string {
    const types = new Set<string>();
    for (const s of this.subscribers) for (const t of s.types) types.add(t);
    return [...types].sort().join(',');
  }

  private sync(force = false): void {
    const types = this.wantedTypes();
    if (types === this.openTypes && !force) return;
    clearTimeout(this.retryTimer);
    this.source?.close();
    this.source = null;
    this.openTypes = types;
    if (!types) {
      this.setStatus({ state: 'idle' });
      return;
    }
    const source = new EventSource(`${this.url}?types=${types}`, { withCredentials: true });
    this.source = source;
    this.setStatus({ state: 'connecting' });
    let opened = false;
    source.onopen = () => {
      this.retryMs = 1000;
      this.setStatus({ state: 'open' });
      // What happened between a view's first load and this stream's start was never sent to it (a new stream
      // has no Last-Event-ID): the first open tells every view to refetch, as a `reset` does, and once more
      // CATCH_UP_MS later, since what was published just before the open may not be stored yet (traces are
      // written in batches after their event). Reconnects of the same stream resume with Last-Event-ID instead.
      if (!opened) {
        const reset = () => {
          if (this.source === source)
            this.dispatch('reset', JSON.stringify({ reason: 'the live stream started' }));
        };
        reset();
        setTimeout(reset, CATCH_UP_MS);
      }
      opened = true;
    };
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        // The gateway answered with an error status (or not an event stream): the browser gives up.
        this.setStatus({ state: 'refused' });
        this.onRefused();
        this.retryTimer = setTimeout(() => this.sync(true), this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
      } else {
        this.setStatus({ state: 'reconnecting' });
      }
    };
    for (const type of types.split(',') as LiveEventType[]) {
      source.addEventListener(type, (e) => this.dispatch(type, (e as MessageEvent<string>).data));
    }
    source.addEventListener('reset', (e) => this.dispatch('reset', (e as MessageEvent<string>).data));
    source.addEventListener('dropped', (e) => {
      const data = parse((e as MessageEvent<string>).data) as { count?: unknown } | undefined;
      const count = typeof data?.count === 'number' ? data.count : 0;
      this.setStatus({ dropped: this.status.dropped + count });
    });
  }

  private dispatch(type: LiveEvent['type'], text: string): void {
    const data = parse(text);
    if (data === undefined) return;
    const event = { type, data } as LiveEvent;
    for (const s of this.subscribers) {
      if (type === 'reset' || s.types.includes(type)) s.onEvent(event);
    }
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const EventsContext = createContext<EventHub | null>(null);

function useHub(): EventHub {
  const hub = useContext(EventsContext);
  if (!hub) throw new Error('useEvents used outside the signed-in console shell (App)');
  return hub;
}

/**
 * Calls `onEvent` for each live event of `types` (and every `reset`) while the component is mounted. The
 * latest `onEvent` is used, so it may close over state without resubscribing.
 */
export function useEvents<T extends LiveEventType>(
  types: readonly T[],
  onEvent: (event: Extract<LiveEvent, { type: T | 'reset' }>) => void,
): void {
  const hub = useHub();
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const key = [...types].sort().join(',');
  useEffect(
    () =>
      hub.subscribe({
        types: key.split(',').filter(Boolean) as LiveEventType[],
        onEvent: (event) => handler.current(event as Extract<LiveEvent, { type: T | 'reset' }>),
      }),
    [hub, key],
  );
}

/** The stream's state and dropped-event count, for the shell. */
export function useLiveStatus(): LiveStatus {
  const hub = useHub();
  return useSyncExternalStore(hub.onStatus, hub.getStatus);
}
