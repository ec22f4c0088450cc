import { describe, expect, it } from 'vitest';
import { isLive, listQuery, matches, readFilters, type Trace } from './trace-filters.ts';

const trace = (over: Partial<Trace> = {}): Trace => ({
  id: '00000000-0000-4000-8000-000000000001',
  time: '2026-12-04T12:00:00.000Z',
  subject: 'agent:bot',
  subjectKind: 'agent',
  tool: 'github.list_issues',
  route: 'pack:github-issues@1.2.0',
  target: 'in-process:github-issues',
  decision: 'allow',
  rule: 'bots',
  revision: 'abc1234',
  latencyMs: 12,
  status: 'ok',
  argsBytes: 2,
  resultBytes: 2,
  error: null,
  zone: 'dev',
  traceId: null,
  tenant: 'default',
  ...over,
});

describe('trace filters', () => {
  it('reads the URL query, ignoring unknown statuses, decisions and ranges', () => {
    const filters = readFilters(
      new URLSearchParams('range=nope&tool=%20github.list_issues%20&status=bogus&decision=deny&zone=prod'),
    );
    expect(filters).toEqual({ range: '1h', tool: 'github.list_issues', decision: 'deny', zone: 'prod' });
  });

  it('turns from/to into a custom range that is live only while it reaches the present', () => {
    const open = readFilters(new URLSearchParams('from=2026-12-04T10:00:00Z'));
    expect(open).toEqual({ range: 'custom', from: '2026-12-04T10:00:00.000Z' });
    expect(isLive(open)).toBe(true);
    const closed = readFilters(new URLSearchParams('from=2026-12-04T10:00:00Z&to=2026-12-04T11:00:00Z'));
    expect(isLive(closed)).toBe(false);
    expect(listQuery(closed, 0)).toEqual({
      from: '2026-12-04T10:00:00.000Z',
      to: '2026-12-04T11:00:00.000Z',
    });
  });

  it('asks the server for a relative range ending now', () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    expect(listQuery(readFilters(new URLSearchParams('range=15m&subject=agent:bot')), now)).toEqual({
      from: '2026-12-04T11:45:00.000Z',
      subject: 'agent:bot',
    });
  });

  it('lets a live trace into the list only when every filter matches exactly', () => {
    const filters = readFilters(new URLSearchParams('tool=github.list_issues&status=ok&rule=bots&zone=dev'));
    expect(matches(trace(), filters)).toBe(true);
    expect(matches(trace({ tool: 'github.list_issues_x' }), filters)).toBe(false);
    expect(matches(trace({ status: 'error' }), filters)).toBe(false);
    expect(matches(trace({ rule: null }), filters)).toBe(false);
    expect(matches(trace({ zone: 'prod' }), filters)).toBe(false);
    const window = readFilters(new URLSearchParams('from=2026-12-04T12:00:00Z&to=2026-12-04T13:00:00Z'));
    expect(matches(trace(), window)).toBe(true);
    expect(matches(trace({ time: '2026-12-04T13:00:00.000Z' }), window)).toBe(false);
  });
});
