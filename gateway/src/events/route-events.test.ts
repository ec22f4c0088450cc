import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRouteEvents } from './route-events.ts';
import type { EventInput } from './types.ts';

describe('createRouteEvents', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the first change at once and later ones at most once per interval, with the report as it is then', () => {
    const sent: EventInput[] = [];
    let version = 0;
    const routes = createRouteEvents({ publish: (e) => sent.push(e) }, () => ({ version }), 2_000);
    const reports = () => sent.map((e) => (e.data as () => unknown)());

    version = 1;
    routes.changed();
    expect(sent).toHaveLength(1);
    version = 2;
    routes.changed();
    version = 3;
    routes.changed();
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1_999);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent.map((e) => e.type)).toEqual(['routes', 'routes']);
    expect(reports()).toEqual([{ version: 3 }, { version: 3 }]); // each report is read when the hub sends it

    vi.advanceTimersByTime(10_000); // nothing changed since: nothing more
    expect(sent).toHaveLength(2);
    routes.changed();
    expect(sent).toHaveLength(3);
    routes.changed();
    routes.close();
    vi.advanceTimersByTime(10_000);
    expect(sent).toHaveLength(3);
  });
});
