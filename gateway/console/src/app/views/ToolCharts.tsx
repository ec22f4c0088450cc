/**
 * Per-tool charts of the traces view: for each of the busiest tools in the window, calls and errors per bucket
 * and p50/p95/p99 latency, from GET /v1/traces/stats (computed in Postgres). Follows the view's tool and zone
 * filters and time range; while live, refetched at most every 5 s when `trace` events arrive (a new call changes
 * the last bucket), not per call. Lazily loaded with the view, so uPlot is not in the first view's JavaScript.
 */
import type { Schema } from '@raku/client';
import { useEffect, useMemo, useRef } from 'react';
import { api, unwrap } from '../api.ts';
import { useEvents } from '../events.ts';
import { useLoad } from '../load.ts';
import { Chart } from '../ui/Chart.tsx';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { type TraceFilters, timeWindow } from './trace-filters.ts';

type Stats = Schema<'TraceStats'>;

const REFRESH_MS = 5000;
/**
 * A `trace` event leaves the gateway when the call is recorded, before its batched database write (about
 * 200 ms later, longer under load). The charts are read again until one read started this long after the last
 * event, so the last calls are counted even when a read fell between an event and its write.
 */
const WRITE_LAG_MS = 2000;

export function ToolCharts({ filters, live }: { filters: TraceFilters; live: boolean }) {
  const key = JSON.stringify([
    filters.range,
    filters.from,
    filters.to,
    filters.tool,
    filters.zone,
    filters.tenant,
  ]);
  const stats = useLoad<Stats>(
    async () =>
      unwrap(
        await api.GET('/v1/traces/stats', {
          params: {
            query: {
              ...timeWindow(filters, Date.now()),
              ...(filters.tool ? { tool: filters.tool } : {}),
              ...(filters.zone ? { zone: filters.zone } : {}),
              ...(filters.tenant ? { tenant: filters.tenant } : {}),
            },
          },
        }),
      ),
    [key],
  );

  // A trace event marks the charts stale; one refetch per REFRESH_MS at most, until a read started WRITE_LAG_MS
  // after the last event.
  const lastEventAt = useRef(0);
  const lastReadAt = useRef(0);
  useEvents(['trace'], (event) => {
    if (event.type === 'reset' || live) lastEventAt.current = Date.now();
  });
  const { reload } = stats;
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => {
      if (lastEventAt.current === 0 || lastReadAt.current > lastEventAt.current + WRITE_LAG_MS) return;
      lastReadAt.current = Date.now();
      reload();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [live, reload]);

  const data = stats.data;
  return (
    <section className="panel" aria-labelledby="tool-charts-title">
      <h2 id="tool-charts-title" className="panel-title">
        Per tool
        {data ? (
          <span className="muted panel-note">
            {' '}
            {data.bucketSeconds >= 60 ? `${data.bucketSeconds / 60} min` : `${data.bucketSeconds} s`} buckets
            {data.toolsTotal > data.series.length
              ? `, busiest ${data.series.length} of ${data.toolsTotal} tools`
              : ''}
          </span>
        ) : null}
      </h2>
      <ErrorBanner error={stats.error} onRetry={stats.reload} />
      {data === undefined && stats.loading ? <p className="loading">Loading charts…</p> : null}
      {data && data.series.length === 0 ? <p className="muted">No calls in this time range.</p> : null}
      {data ? <SeriesCharts stats={data} /> : null}
    </section>
  );
}

function SeriesCharts({ stats }: { stats: Stats }) {
  const charts = useMemo(
    () =>
      stats.series.map((s) => {
        const times = s.points.map((p) => new Date(p.time).getTime() / 1000);
        return {
          tool: s.tool,
          calls: s.calls,
          times,
          volume: [
            { label: 'calls', values: s.points.map((p) => p.calls) },
            { label: 'errors', values: s.points.map((p) => p.errors), color: '#be123c' },
          ],
          latency: [
            { label: 'p50', values: s.points.map((p) => p.p50), points: true },
            { label: 'p95', values: s.points.map((p) => p.p95), points: true },
            { label: 'p99', values: s.points.map((p) => p.p99), points: true },
          ],
        };
      }),
    [stats],
  );
  return (
    <div className="tool-charts">
      {charts.map((c) => (
        <div key={c.tool} className="tool-chart-pair">
          <h3 className="mono">
            {c.tool} <span className="muted">({c.calls.toLocaleString()} calls)</span>
          </h3>
          <div className="charts">
            <Chart title={`${c.tool}: calls and errors`} times={c.times} series={c.volume} unit="calls" />
            <Chart title={`${c.tool}: latency`} times={c.times} series={c.latency} unit="ms" />
          </div>
        </div>
      ))}
    </div>
  );
}
