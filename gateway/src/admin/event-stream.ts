/**
 * GET /v1/events for one caller: which types it asked for (checked against its rights as the list endpoints
 * check them), where to resume from (`Last-Event-ID` header, or `lastEventId` in the query for clients that
 * cannot set headers), and the stream itself. The admin router authenticates and maps a refusal to its error
 * shape; everything about events is here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventHub } from '../events/event-hub.ts';
import { SseConnection } from '../events/sse-connection.ts';
import { ADMIN_EVENT_TYPES, EVENT_TYPES, type EventType, type HubEvent } from '../events/types.ts';
import type { ApiCaller } from './types.ts';
import { administers, administersAny, canSeeApproval, ownsJob } from './visibility.ts';

export interface EventStreamRequest {
  types: ReadonlySet<EventType>;
  lastEventId?: number;
}

export type CheckedEventRequest =
  | { ok: true; value: EventStreamRequest }
  | { ok: false; status: 400 | 403; code: 'bad_request' | 'forbidden'; message: string };

const LAST_EVENT_ID = /^\d{1,16}$/;

function listOf(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const parts = Array.isArray(value) ? value : [value];
  return parts
    .flatMap((p) => String(p).split(','))
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/**
 * Checks `types` and the resume point. No `types`: every type the caller may receive. An admin-only type asked
 * for by a non-admin is a 403 naming it, as its list endpoint would answer (a tenant's admin may ask for
 * traces: those of its tenants).
 */
export function checkEventRequest(
  query: Record<string, unknown>,
  lastEventIdHeader: string | string[] | undefined,
  caller: Pick<ApiCaller, 'admin' | 'subject' | 'scope' | 'adminOf'>,
): CheckedEventRequest {
  const allowed = (t: EventType) =>
    caller.admin || !ADMIN_EVENT_TYPES.includes(t) || (t === 'trace' && administersAny(caller));
  // `types=` (empty) asks for nothing in particular, as no `types` at all.
  const listed = listOf(query['types']);
  const asked = listed?.length ? listed : undefined;
  const known: readonly string[] = EVENT_TYPES;
  const unknown = asked?.filter((t) => !known.includes(t)) ?? [];
  if (unknown.length > 0) {
    return {
      ok: false,
      status: 400,
      code: 'bad_request',
      message: `query parameter types: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not an event type (one of ${EVENT_TYPES.join(', ')})`,
    };
  }
  const types = (asked ?? EVENT_TYPES.filter(allowed)) as EventType[];
  const refused = types.filter((t) => !allowed(t));
  if (refused.length > 0) {
    return {
      ok: false,
      status: 403,
      code: 'forbidden',
      message: `${caller.subject} does not hold the admin role, which events of type ${refused.join(', ')} need`,
    };
  }
  const header = Array.isArray(lastEventIdHeader) ? lastEventIdHeader[0] : lastEventIdHeader;
  const given = header ?? (typeof query['lastEventId'] === 'string' ? query['lastEventId'] : undefined);
  if (given !== undefined && given !== '' && !LAST_EVENT_ID.test(given.trim())) {
    return {
      ok: false,
      status: 400,
      code: 'bad_request',
      message: `${header !== undefined ? 'header Last-Event-ID' : 'query parameter lastEventId'}: an event id (digits), not ${JSON.stringify(given.slice(0, 40))}`,
    };
  }
  return {
    ok: true,
    value: {
      types: new Set(types),
      ...(given !== undefined && given !== '' ? { lastEventId: Number(given.trim()) } : {}),
    },
  };
}

/** Whether the caller may receive the event: the list endpoints' rules (../admin/visibility.ts). */
export function mayReceive(caller: ApiCaller, event: HubEvent): boolean {
  switch (event.audience.kind) {
    case 'admin':
      // A trace: the admins of its tenant. Deployments and routes are the organisation's: its admins.
      return event.audience.tenant === undefined ? caller.admin : administers(caller, event.audience.tenant);
    case 'approval':
      return canSeeApproval(caller, event.audience);
    case 'job':
      return ownsJob(caller, event.audience);
  }
}

/**
 * Opens the stream on `res` and subscribes it to the hub until the client goes or the gateway stops. A HEAD
 * request (Express routes it here with GET) gets the headers and nothing else: it has no body to stream.
 */
/** How long one /v1/events stream lasts before the client must reconnect (and be authorized again). */
export const STREAM_LIFETIME_MS = 15 * 60_000;

export function serveEventStream(
  req: IncomingMessage,
  res: ServerResponse,
  hub: EventHub,
  caller: ApiCaller,
  request: EventStreamRequest,
): SseConnection | null {
  if (req.method === 'HEAD') {
    res
      .writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' })
      .end();
    return null;
  }
  // The client may have gone while it was being authorized: its 'close' has fired already and will not again,
  // so a stream opened now would stay subscribed for good.
  if (req.socket.destroyed || res.destroyed) return null;
  // An idle stream is normal: no socket timeout may end it (heartbeats keep proxies from doing so).
  req.socket.setTimeout(0);
  req.socket.setNoDelay(true);
  const connection = new SseConnection(res, {
    ...hub.streamSettings,
    accepts: (event) => request.types.has(event.type) && mayReceive(caller, event),
    onSent: (type) => hub.countSent(type),
    onDropped: (type) => hub.countDropped(type),
  });
  const unsubscribe = hub.subscribe(connection, request.lastEventId);
  // Rights were checked once, at connect: end the stream after a while so a signed-out or demoted subject,
  // or an expired token, stops receiving. The browser reconnects with Last-Event-ID and loses nothing.
  const lifetime = setTimeout(() => res.end(), STREAM_LIFETIME_MS);
  lifetime.unref();
  res.on('close', () => {
    clearTimeout(lifetime);
    unsubscribe();
  });
  return connection;
}
