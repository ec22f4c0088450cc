/**
 * Health (/console/health): is the gateway ready (GET /readyz), and for every exposed tool the targets that can
 * serve it, in order, with each target's circuit breaker and health check (GET /v1/routes), live through
 * `routes` events (the gateway sends the table when a breaker or health check changes, at most every 2 s);
 * the trace queue (queued, dropped, written, failed writes) from the same report, read again every 5 s while
 * the page is open because it moves with every call.
 */
import { useEffect, useState } from 'react';
import { api, unwrap } from '../api.ts';
import { useEvents, useLiveStatus } from '../events.ts';
import { useLoad } from '../load.ts';
import { Empty } from '../ui/Empty.tsx';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { StatusBadge } from '../ui/StatusBadge.tsx';
import { TimeAgo } from '../ui/TimeAgo.tsx';
import { ViewHeader } from '../ui/ViewHeader.tsx';

/** GET /v1/routes as the gateway's route table reports it (the document types it as an open object). */
interface RouteReport {
  zone?: string;
  revision?: string;
  routes?: {
    tool: string;
    targets: {
      route: string;
      target: string;
      tool: string;
      breaker: string;
      health: { healthy: boolean; detail?: string };
    }[];
  }[];
  hiddenTools?: unknown[];
  traces?: { queued: number; dropped: number; written: number; failures: number };
}

/** The route table's health of a target nobody has checked (in-process packs, or before the first check). */
const NOT_CHECKED = 'not checked';

/** How often the trace queue figures are read again while the page is open. */
const TRACE_QUEUE_POLL_MS = 5_000;

interface Readiness {
  ready: boolean;
  /** What the gateway checked, as it reports it: zone, revision, policy, database… */
  detail: (readonly [string, string])[];
  checkedAt: number;
}

export function HealthView(_props: { params: Record<string, string> }) {
  const routes = useLoad<RouteReport>(async () => unwrap(await api.GET('/v1/routes')) as RouteReport, []);
  const readiness = useLoad<Readiness>(async () => {
    // 200 or 503 with a JSON body: { status, zone, revision, policy, database, … }.
    const { data, error, response } = await api.GET('/readyz');
    const body = ((data ?? error) as Record<string, unknown> | undefined) ?? {};
    const detail = Object.entries(body)
      .filter(([key]) => key !== 'status')
      .map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)] as const);
    return { ready: response.ok, detail, checkedAt: Date.now() };
  }, []);
  const [updatedAt, setUpdatedAt] = useState<number>();
  const live = useLiveStatus();
  const reloadRoutes = routes.reload;
  useEffect(() => {
    const timer = setInterval(reloadRoutes, TRACE_QUEUE_POLL_MS);
    return () => clearInterval(timer);
  }, [reloadRoutes]);

  useEvents(['routes'], (event) => {
    if (event.type === 'reset') {
      routes.reload();
      return;
    }
    routes.setData(() => event.data as RouteReport);
    setUpdatedAt(Date.now());
    readiness.reload();
  });

  const report = routes.data;
  const targets = (report?.routes ?? []).flatMap((r) => r.targets.map((t) => ({ ...t, exposed: r.tool })));
  const unhealthy = targets.filter((t) => !t.health.healthy || t.breaker !== 'closed').length;
  const unchecked = new Set(targets.filter((t) => t.health.detail === NOT_CHECKED).map((t) => t.target)).size;

  return (
    <section className="view">
      <ViewHeader
        title="Health"
        subtitle={
          report ? (
            <>
              Zone <strong>{report.zone ?? 'unknown'}</strong>, config revision{' '}
              <span className="mono">{report.revision ?? 'unknown'}</span>
              {updatedAt ? (
                <>
                  {' '}
                  · updated <TimeAgo time={updatedAt} />
                </>
              ) : null}
            </>
          ) : undefined
        }
      >
        <button
          type="button"
          className="button"
          onClick={() => {
            routes.reload();
            readiness.reload();
          }}
        >
          Check now
        </button>
      </ViewHeader>

      <div className="stat-grid">
        <div className="panel stat">
          <h2 className="stat-label">Gateway</h2>
          {readiness.data ? (
            <>
              <StatusBadge
                status={readiness.data.ready ? 'ready' : 'down'}
                label={readiness.data.ready ? 'Ready' : 'Not ready'}
              />
              <dl className="details stat-detail">
                {readiness.data.detail.map(([key, value]) => (
                  <div key={key} className="details-row">
                    <dt>{key}</dt>
                    <dd>{value}</dd>
                  </div>
                ))}
              </dl>
            </>
          ) : (
            <p className="loading">Checking…</p>
          )}
        </div>
        <div className="panel stat">
          <h2 className="stat-label">Targets</h2>
          {report ? (
            <>
              <StatusBadge
                status={unhealthy === 0 ? 'healthy' : 'degraded'}
                label={unhealthy === 0 ? 'None failing' : `${unhealthy} of ${targets.length} need attention`}
              />
              <p className="muted stat-detail">
                {(report.routes ?? []).length} tools over {new Set(targets.map((t) => t.target)).size} targets
                {unchecked > 0 ? `; ${unchecked} not health-checked` : ''}
              </p>
            </>
          ) : (
            <p className="loading">Loading…</p>
          )}
        </div>
        <div className="panel stat">
          <h2 className="stat-label">Live updates</h2>
          <StatusBadge
            status={live.state === 'open' ? 'live' : live.state}
            label={live.state === 'open' ? 'Connected' : live.state}
          />
          <p className="muted stat-detail">
            {live.dropped > 0
              ? `${live.dropped.toLocaleString()} events dropped for this page`
              : 'No events dropped'}
          </p>
        </div>
        <div className="panel stat">
          <h2 className="stat-label">Trace queue</h2>
          {report?.traces ? (
            <>
              <StatusBadge
                status={report.traces.dropped > 0 ? 'error' : report.traces.failures > 0 ? 'degraded' : 'ok'}
                label={
                  report.traces.dropped > 0
                    ? `${report.traces.dropped.toLocaleString()} dropped`
                    : report.traces.failures > 0
                      ? 'Write failures'
                      : 'Writing'
                }
              />
              <dl className="details stat-detail">
                <div className="details-row">
                  <dt>waiting</dt>
                  <dd>{report.traces.queued.toLocaleString()}</dd>
                </div>
                <div className="details-row">
                  <dt>written</dt>
                  <dd>{report.traces.written.toLocaleString()}</dd>
                </div>
                <div className="details-row">
                  <dt>dropped</dt>
                  <dd>{report.traces.dropped.toLocaleString()}</dd>
                </div>
                <div className="details-row">
                  <dt>failed writes</dt>
                  <dd>{report.traces.failures.toLocaleString()}</dd>
                </div>
              </dl>
            </>
          ) : (
            <p className="loading">Loading…</p>
          )}
        </div>
      </div>

      <ErrorBanner error={routes.error ?? readiness.error} onRetry={routes.reload} />

      <h2>Routes</h2>
      {report && targets.length === 0 ? <Empty title="This gateway exposes no tools" /> : null}
      {targets.length > 0 ? (
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">Targets of each exposed tool, in routing order</caption>
            <thead>
              <tr>
                <th scope="col">Tool</th>
                <th scope="col">Order</th>
                <th scope="col">Route</th>
                <th scope="col">Target</th>
                <th scope="col">Breaker</th>
                <th scope="col">Health</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {(report?.routes ?? []).flatMap((r) =>
                r.targets.map((t, i) => (
                  <tr key={`${r.tool}\u0000${t.route}\u0000${t.target}`}>
                    {i === 0 ? (
                      <th scope="rowgroup" rowSpan={r.targets.length} className="mono row-head">
                        {r.tool}
                      </th>
                    ) : null}
                    <td className="num">{i + 1}</td>
                    <td className="mono">{t.route}</td>
                    <td className="mono">{t.target}</td>
                    <td>
                      <StatusBadge status={t.breaker} />
                    </td>
                    <td>
                      {t.health.detail === NOT_CHECKED ? (
                        <StatusBadge status="unknown" label="not checked" />
                      ) : (
                        <StatusBadge status={t.health.healthy ? 'healthy' : 'unhealthy'} />
                      )}
                    </td>
                    <td className="muted">
                      {t.health.detail === NOT_CHECKED
                        ? t.target.startsWith('in-process:')
                          ? 'in this gateway'
                          : 'no health check yet'
                        : (t.health.detail ?? '')}
                    </td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </div>
      ) : null}
      {report?.hiddenTools && report.hiddenTools.length > 0 ? (
        <>
          <h2>Hidden tools</h2>
          <pre className="json">{JSON.stringify(report.hiddenTools, null, 2)}</pre>
        </>
      ) : null}
    </section>
  );
}
