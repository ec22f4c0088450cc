/**
 * The live event contract (GET /v1/events, docs/admin-api.md): the event types, which of them only admins
 * see, and what a producer hands the hub. Pure types and constants: no I/O here.
 */

/**
 * The event types a client may ask for, written once and reused by the request check, the filter and the
 * OpenAPI document. `dropped` and `reset` are not asked for: the stream sends them when they apply.
 */
export const EVENT_TYPES = ['trace', 'approval', 'job', 'deployment', 'routes'] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** Types only admins may receive, as their list endpoints (/v1/traces, /v1/deployments, /v1/routes). */
export const ADMIN_EVENT_TYPES: readonly EventType[] = ['trace', 'deployment', 'routes'];

/**
 * What decides who may receive an event, besides its type: admin events name their tenant (a trace: the
 * admins of that tenant) or none (deployments, routes: organisation admins only); an approval its tenant, its
 * requester and its rule's approvers; a job its tenant and its own subject.
 */
export type EventAudience =
  | { kind: 'admin'; tenant?: string }
  | { kind: 'approval'; subject: string; approvers: readonly string[]; tenant: string }
  | { kind: 'job'; subject: string; tenant: string };

/**
 * What a producer publishes. `data` may be a function: it is then called once, off the request path, when the
 * hub assigns the event its id (a trace's redacted row is built there, not in the call); so may a trace's
 * `tenant`, read at the same moment.
 */
export type EventInput =
  | { type: 'trace'; tenant: string | (() => string); data: unknown }
  | { type: 'deployment' | 'routes'; data: unknown }
  | { type: 'approval'; subject: string; approvers: readonly string[]; tenant: string; data: unknown }
  | { type: 'job'; subject: string; tenant: string; data: unknown };

/** One event as the hub keeps it: its id, its encoded frame (shared by every connection) and its audience. */
export interface HubEvent {
  id: number;
  type: EventType;
  /** `id: …\nevent: …\ndata: …\n\n`, encoded once. */
  frame: string;
  /** UTF-8 length of `frame`. */
  bytes: number;
  audience: EventAudience;
}

/** Where the hub sends events: one per SSE connection. */
export interface EventSubscriber {
  /** True when this subscriber asked for the event's type and may see it. */
  accepts(event: HubEvent): boolean;
  /** Sends (or queues, or drops and counts) the event. Must not throw or wait. */
  deliver(event: HubEvent): void;
  /** The Last-Event-ID given is too old (or from another process): tells the client to refetch. */
  reset(reason: string): void;
  /** Ends the stream (gateway shutting down). */
  end(): void;
}

/** Producers' side of the hub: never throws, never waits. */
export interface EventPublisher {
  publish(event: EventInput): void;
}

/** Settings of every stream a hub serves (see SseConnectionOptions for each). */
export interface EventStreamSettings {
  /** Events waiting for a slow reader at most, per connection. Default 1 000. */
  maxQueuedEvents?: number;
  /** Bytes of events waiting for a slow reader at most, per connection. Default 1 MiB. */
  maxQueuedBytes?: number;
  /** Interval of the `: ping` heartbeat comment, in ms; 0 sends none. Default 15 000. */
  heartbeatMs?: number;
  /** The `retry:` reconnection hint, in ms. Default 3 000. */
  retryMs?: number;
}
