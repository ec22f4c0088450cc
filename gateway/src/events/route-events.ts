/**
 * Publishes the route table report (GET /v1/routes) when health or a breaker changes, coalesced: the first
 * change goes out at once, later ones at most once per `intervalMs`, always with the report as it is when sent.
 */
import type { EventPublisher } from './types.ts';

export interface RouteEvents {
  /** The route table changed (a breaker moved, a health check flipped, a bundle was loaded). */
  changed(): void;
  /** Stops the pending publication, if any. */
  close(): void;
}

export function createRouteEvents(
  events: EventPublisher,
  report: () => unknown,
  intervalMs = 2_000,
): RouteEvents {
  let timer: NodeJS.Timeout | null = null;
  let dirty = false;
  let closed = false;
  const send = () => {
    events.publish({ type: 'routes', data: report });
    timer = setTimeout(() => {
      timer = null;
      if (dirty && !closed) {
        dirty = false;
        send();
      }
    }, intervalMs);
    timer.unref();
  };
  return {
    changed() {
      if (closed) return;
      if (timer) dirty = true;
      else send();
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
