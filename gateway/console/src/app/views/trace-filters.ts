/**
 * The traces view's filters, kept in the URL query so a filtered view can be bookmarked and shared:
 * `range` (15m, 1h, 6h, 24h, 7d, 30d; default 1h) or `from`/`to` (ISO times), and `subject`, `tool`, `status`,
 * `decision`, `rule`, `zone`, `tenant` as GET /v1/traces takes them. Also decides whether a live `trace` event belongs
 * in the list, with the same rules as the server's filters.
 */
import { type Schema, traceDecisionValues, traceStatusValues } from '@raku/client';
import { rowTenant } from '../tenancy.ts';

export type Trace = Schema<'Trace'>;
export type TraceStatus = Schema<'TraceStatus'>;
export type TraceDecision = Trace['decision'];

/** The statuses and decisions GET /v1/traces filters by, from the gateway's own document (@raku/client). */
export const TRACE_STATUSES: readonly TraceStatus[] = traceStatusValues;
export const TRACE_DECISIONS: readonly TraceDecision[] = traceDecisionValues;

export const RANGES: Readonly<Record<string, { label: string; seconds: number }>> = {
  '15m': { label: 'Last 15 minutes', seconds: 15 * 60 },
  '1h': { label: 'Last hour', seconds: 3600 },
  '6h': { label: 'Last 6 hours', seconds: 6 * 3600 },
  '24h': { label: 'Last 24 hours', seconds: 86_400 },
  '7d': { label: 'Last 7 days', seconds: 7 * 86_400 },
  '30d': { label: 'Last 30 days', seconds: 30 * 86_400 },
};
export const DEFAULT_RANGE = '1h';

/** The text filters, by query parameter name. */
export const TEXT_FILTERS = ['subject', 'tool', 'rule', 'zone', 'tenant'] as const;

export interface TraceFilters {
  /** A key of RANGES, or 'custom' when `from`/`to` are given. */
  range: string;
  from?: string;
  to?: string;
  subject?: string;
  tool?: string;
  status?: TraceStatus;
  decision?: TraceDecision;
  rule?: string;
  zone?: string;
  /** The tenant the calls were made in (the tenant filter of a caller reading several). */
  tenant?: string;
}

const isoOrUndefined = (value: string | null) =>
  value && !Number.isNaN(new Date(value).getTime()) ? new Date(value).toISOString() : undefined;

/** The filters of a URL query (unknown values are ignored). */
export function readFilters(query: URLSearchParams): TraceFilters {
  const from = isoOrUndefined(query.get('from'));
  const to = isoOrUndefined(query.get('to'));
  const range = query.get('range') ?? '';
  const filters: TraceFilters = {
    range: from || to ? 'custom' : range in RANGES ? range : DEFAULT_RANGE,
  };
  if (from) filters.from = from;
  if (to) filters.to = to;
  for (const name of TEXT_FILTERS) {
    const value = query.get(name)?.trim();
    if (value) filters[name] = value;
  }
  const status = query.get('status') as TraceStatus | null;
  if (status && TRACE_STATUSES.includes(status)) filters.status = status;
  const decision = query.get('decision') as TraceDecision | null;
  if (decision && TRACE_DECISIONS.includes(decision)) filters.decision = decision;
  return filters;
}

/** `from`/`to` of the filters at `now`: a relative range ends now; a custom one is as given. */
export function timeWindow(filters: TraceFilters, now: number): { from?: string; to?: string } {
  if (filters.range === 'custom')
    return { ...(filters.from ? { from: filters.from } : {}), ...(filters.to ? { to: filters.to } : {}) };
  const seconds = RANGES[filters.range]?.seconds ?? 3600;
  return { from: new Date(now - seconds * 1000).toISOString() };
}

/** The query of GET /v1/traces for these filters (without cursor and limit). */
export function listQuery(filters: TraceFilters, now: number) {
  const { range: _range, from: _from, to: _to, ...rest } = filters;
  return { ...timeWindow(filters, now), ...rest };
}

/** Live tail makes sense only when the window reaches the present. */
export function isLive(filters: TraceFilters): boolean {
  return filters.range !== 'custom' || !filters.to;
}

/** Whether a new trace belongs in the list the filters describe (exact matches, as the server filters). */
export function matches(trace: Trace, filters: TraceFilters): boolean {
  if (filters.subject && trace.subject !== filters.subject) return false;
  if (filters.tool && trace.tool !== filters.tool) return false;
  if (filters.status && trace.status !== filters.status) return false;
  if (filters.decision && trace.decision !== filters.decision) return false;
  if (filters.rule && trace.rule !== filters.rule) return false;
  if (filters.zone && trace.zone !== filters.zone) return false;
  if (filters.tenant && rowTenant(trace) !== filters.tenant) return false;
  const time = new Date(trace.time).getTime();
  if (filters.from && time < new Date(filters.from).getTime()) return false;
  if (filters.to && time >= new Date(filters.to).getTime()) return false;
  return true;
}
