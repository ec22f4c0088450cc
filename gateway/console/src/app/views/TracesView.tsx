/**
 * Traces (/console/traces): every tool call the gateway served, newest first. Filters (time range, subject,
 * tool, status, decision, rule, zone) live in the URL query; "Older" pages with the server's cursor (also in the
 * URL, so the back button returns to newer pages). At the head of the list new calls arrive live from `trace`
 * events (batched four times a second, so a busy gateway does not re-render per call), unless paused; the
 * per-tool charts above the list (ToolCharts, loaded with uPlot only here) follow the same filters.
 */
import { lazy, Suspense, useEffect, useId, useRef, useState } from 'react';
import { api, unwrap, useSession } from '../api.ts';
import { useEvents } from '../events.ts';
import { useLoad } from '../load.ts';
import { useNavigate, useQueryState } from '../router.ts';
import { showsTenants, tenantFilterChoices } from '../tenancy.ts';
import { Empty } from '../ui/Empty.tsx';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { StatusBadge } from '../ui/StatusBadge.tsx';
import { type Column, Table } from '../ui/Table.tsx';
import { TenantBadge, TenantFilter } from '../ui/TenantFilter.tsx';
import { TraceTimeLink } from '../ui/TraceTimeLink.tsx';
import { ViewHeader } from '../ui/ViewHeader.tsx';
import {
  isLive,
  listQuery,
  matches,
  RANGES,
  readFilters,
  TRACE_DECISIONS,
  TRACE_STATUSES,
  type Trace,
  type TraceFilters,
} from './trace-filters.ts';

const ToolCharts = lazy(() => import('./ToolCharts.tsx').then((m) => ({ default: m.ToolCharts })));

/** Rows per page, and how many the live head may hold before the oldest leave it. */
const PAGE = 50;
const LIVE_MAX = 200;
const FLUSH_MS = 250;

interface ListState {
  items: Trace[];
  nextCursor: string | null;
  /** Live rows pushed older rows out: `nextCursor` no longer follows the last row shown. */
  truncated: boolean;
}

export function TracesView(_props: { params: Record<string, string> }) {
  const [query, setQuery] = useQueryState();
  const navigate = useNavigate();
  const session = useSession();
  const filters = readFilters(query);
  // A tenant the caller does not read (an old bookmark) filters nothing: the list shows what it may read.
  if (filters.tenant && !tenantFilterChoices(session, 'traces').includes(filters.tenant))
    delete filters.tenant;
  const cursor = query.get('cursor') ?? undefined;
  const key = query.toString();
  const [paused, setPaused] = useState(false);
  const [showCharts, setShowCharts] = useState(true);
  const [waiting, setWaiting] = useState(0);
  const fresh = useRef(new Set<string>());

  // Traces that arrived live for these filters, newest first. A (re)load of the head page joins them to what
  // the database returned: a trace event leaves before its batched write, so a load racing the stream (its
  // first open, a reset, a resume) would otherwise drop rows the page had already shown.
  const arrived = useRef<{ key: string; items: Trace[] }>({ key, items: [] });
  const list = useLoad<ListState>(async () => {
    const page = unwrap(
      await api.GET('/v1/traces', {
        params: { query: { ...listQuery(filters, Date.now()), limit: PAGE, ...(cursor ? { cursor } : {}) } },
      }),
    );
    const live = !cursor && arrived.current.key === key ? arrived.current.items : [];
    return { items: mergeNewestFirst(live, page.items), nextCursor: page.nextCursor, truncated: false };
  }, [key]);

  const atHead = !cursor && isLive(filters);
  const live = atHead && !paused;

  // New traces wait in a buffer and join the list in one render per FLUSH_MS.
  const pending = useRef<Trace[]>([]);
  useEvents(['trace'], (event) => {
    if (event.type === 'reset') {
      if (atHead) list.reload();
      return;
    }
    if (!atHead || !matches(event.data, filters)) return;
    if (arrived.current.key !== key) arrived.current = { key, items: [] };
    arrived.current.items = [event.data, ...arrived.current.items].slice(0, LIVE_MAX);
    if (paused) setWaiting((n) => n + 1);
    else pending.current.push(event.data);
  });
  const { setData } = list;
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => {
      if (pending.current.length === 0) return;
      const arrived = pending.current.reverse();
      pending.current = [];
      fresh.current = new Set(arrived.map((t) => t.id));
      setData((state) => {
        if (!state) return state;
        const seen = new Set(state.items.map((t) => t.id));
        const items = [...arrived.filter((t) => !seen.has(t.id)), ...state.items];
        return {
          items: items.slice(0, LIVE_MAX),
          nextCursor: state.nextCursor,
          truncated: state.truncated || items.length > LIVE_MAX,
        };
      });
    }, FLUSH_MS);
    return () => clearInterval(timer);
  }, [live, setData]);

  const resume = () => {
    setPaused(false);
    setWaiting(0);
    pending.current = [];
    list.reload();
  };

  const older = async () => {
    let next = list.data?.nextCursor ?? null;
    if (list.data?.truncated) {
      // The rows shown are the newest LIVE_MAX: ask for a cursor that follows them.
      const head = unwrap(
        await api.GET('/v1/traces', {
          params: { query: { ...listQuery(filters, Date.now()), limit: list.data.items.length } },
        }),
      );
      next = head.nextCursor;
    }
    if (!next) return;
    const params = new URLSearchParams(query);
    params.set('cursor', next);
    navigate(`/traces?${params.toString()}`);
  };

  const rows = list.data?.items ?? [];
  const columns: Column<Trace>[] = [
    {
      header: 'Time',
      kind: 'nowrap',
      cell: (t) => <TraceTimeLink trace={t} />,
    },
    ...(showsTenants(session) ? [{ header: 'Tenant', cell: (t: Trace) => <TenantBadge row={t} /> }] : []),
    { header: 'Subject', cell: (t) => t.subject },
    { header: 'Tool', cell: (t) => <span className="mono">{t.tool}</span> },
    { header: 'Decision', cell: (t) => <StatusBadge status={t.decision} /> },
    { header: 'Rule', cell: (t) => t.rule ?? <span className="muted">none</span> },
    { header: 'Status', cell: (t) => <StatusBadge status={t.status} /> },
    { header: 'Latency', kind: 'num', cell: (t) => `${formatMs(t.latencyMs)}` },
    { header: 'Zone', cell: (t) => t.zone ?? <span className="muted">–</span> },
    {
      header: 'Target',
      cell: (t) =>
        t.target ? <span className="mono break-anywhere">{t.target}</span> : <span className="muted">–</span>,
    },
  ];

  return (
    <section className="view">
      <ViewHeader
        title="Traces"
        subtitle={
          cursor
            ? 'Older calls (live updates resume at the newest page).'
            : atHead
              ? 'Every tool call, newest first; new calls appear as they happen.'
              : 'Every tool call in the chosen window, newest first.'
        }
      >
        <button
          type="button"
          className="button"
          aria-pressed={showCharts}
          onClick={() => setShowCharts((s) => !s)}
        >
          Charts
        </button>
        {atHead ? (
          <button
            type="button"
            className="button"
            aria-pressed={paused}
            onClick={() => (paused ? resume() : setPaused(true))}
          >
            {paused ? 'Resume live' : 'Pause live'}
          </button>
        ) : null}
      </ViewHeader>

      <TenantFilter list="traces" />
      <FilterForm filters={filters} onApply={(values) => setQuery({ ...values, cursor: undefined })} />

      {showCharts ? (
        <Suspense fallback={<p className="loading">Loading charts…</p>}>
          <ToolCharts filters={filters} live={live} />
        </Suspense>
      ) : null}

      <h2>Calls</h2>
      {paused && waiting > 0 ? (
        <p className="notice" role="status">
          {waiting.toLocaleString()} new {waiting === 1 ? 'call' : 'calls'} while paused.{' '}
          <button type="button" className="button button-small" onClick={resume}>
            Show them
          </button>
        </p>
      ) : null}
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {list.data === undefined && list.loading ? <p className="loading">Loading traces…</p> : null}
      {list.data !== undefined && rows.length === 0 ? (
        <Empty title="No calls match these filters">
          {atHead
            ? 'New calls will appear here as agents make them.'
            : 'Widen the time range or clear a filter.'}
        </Empty>
      ) : null}
      {rows.length > 0 ? (
        <Table
          caption="Tool calls, newest first"
          columns={columns}
          rows={rows}
          rowKey={(t) => t.id}
          rowClass={(t) => (fresh.current.has(t.id) ? 'row-new' : undefined)}
        />
      ) : null}
      <div className="pager">
        {cursor ? (
          <button type="button" className="button" onClick={() => setQuery({ cursor: undefined })}>
            Newest
          </button>
        ) : null}
        {list.data?.nextCursor ? (
          <button type="button" className="button" onClick={() => void older().catch(() => list.reload())}>
            Older
          </button>
        ) : null}
      </div>
    </section>
  );
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** datetime-local wants local 'YYYY-MM-DDTHH:mm'. */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function FilterForm({
  filters,
  onApply,
}: {
  filters: TraceFilters;
  onApply(values: Record<string, string | undefined>): void;
}) {
  const id = useId();
  const initial = () => ({
    range: filters.range,
    from: toLocalInput(filters.from),
    to: toLocalInput(filters.to),
    subject: filters.subject ?? '',
    tool: filters.tool ?? '',
    status: filters.status ?? '',
    decision: filters.decision ?? '',
    rule: filters.rule ?? '',
    zone: filters.zone ?? '',
  });
  const [form, setForm] = useState(initial);
  const filterKey = JSON.stringify(filters);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset the form when the URL's filters change (back button)
  useEffect(() => setForm(initial()), [filterKey]);
  const set = (name: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [name]: e.target.value }));

  const apply = (values: typeof form) => {
    const custom = values.range === 'custom';
    onApply({
      range: custom ? undefined : values.range,
      from: custom && values.from ? new Date(values.from).toISOString() : undefined,
      to: custom && values.to ? new Date(values.to).toISOString() : undefined,
      subject: values.subject.trim() || undefined,
      tool: values.tool.trim() || undefined,
      status: values.status || undefined,
      decision: values.decision || undefined,
      rule: values.rule.trim() || undefined,
      zone: values.zone.trim() || undefined,
    });
  };

  return (
    <form
      className="filters"
      aria-label="Filter traces"
      onSubmit={(e) => {
        e.preventDefault();
        apply(form);
      }}
    >
      <label className="field" htmlFor={`${id}-range`}>
        Time range
        <select id={`${id}-range`} value={form.range} onChange={set('range')}>
          {Object.entries(RANGES).map(([value, r]) => (
            <option key={value} value={value}>
              {r.label}
            </option>
          ))}
          <option value="custom">Custom…</option>
        </select>
      </label>
      {form.range === 'custom' ? (
        <>
          <label className="field" htmlFor={`${id}-from`}>
            From
            <input id={`${id}-from`} type="datetime-local" value={form.from} onChange={set('from')} />
          </label>
          <label className="field" htmlFor={`${id}-to`}>
            To
            <input id={`${id}-to`} type="datetime-local" value={form.to} onChange={set('to')} />
          </label>
        </>
      ) : null}
      <label className="field" htmlFor={`${id}-subject`}>
        Subject
        <input
          id={`${id}-subject`}
          value={form.subject}
          onChange={set('subject')}
          placeholder="agent:triage-bot"
        />
      </label>
      <label className="field" htmlFor={`${id}-tool`}>
        Tool
        <input id={`${id}-tool`} value={form.tool} onChange={set('tool')} placeholder="github.list_issues" />
      </label>
      <label className="field" htmlFor={`${id}-status`}>
        Status
        <select id={`${id}-status`} value={form.status} onChange={set('status')}>
          <option value="">Any</option>
          {TRACE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label className="field" htmlFor={`${id}-decision`}>
        Decision
        <select id={`${id}-decision`} value={form.decision} onChange={set('decision')}>
          <option value="">Any</option>
          {TRACE_DECISIONS.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
      </label>
      <label className="field" htmlFor={`${id}-rule`}>
        Rule
        <input id={`${id}-rule`} value={form.rule} onChange={set('rule')} />
      </label>
      <label className="field" htmlFor={`${id}-zone`}>
        Zone
        <input id={`${id}-zone`} value={form.zone} onChange={set('zone')} />
      </label>
      <div className="filter-actions">
        <button type="submit" className="button button-primary">
          Apply
        </button>
        <button
          type="button"
          className="button"
          onClick={() => {
            const cleared = {
              ...initial(),
              range: '1h',
              from: '',
              to: '',
              subject: '',
              tool: '',
              status: '',
              decision: '',
              rule: '',
              zone: '',
            };
            setForm(cleared);
            apply(cleared);
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}

/** Both lists' traces once each (by id), newest first, at most LIVE_MAX. */
function mergeNewestFirst(live: readonly Trace[], page: readonly Trace[]): Trace[] {
  if (live.length === 0) return [...page];
  const byId = new Map<string, Trace>();
  for (const t of [...live, ...page]) byId.set(t.id, t);
  return [...byId.values()]
    .sort((a, b) => (a.time === b.time ? (a.id < b.id ? 1 : -1) : a.time < b.time ? 1 : -1))
    .slice(0, Math.max(LIVE_MAX, page.length));
}
