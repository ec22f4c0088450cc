/**
 * One trace (/console/traces/:id): who called which tool, the policy's decision and deciding rule, the route and
 * target that served it, latency, the config revision and zone, the error if any, and the arguments and result
 * as the gateway stored them (already redacted: secrets masked, large values cut) as formatted JSON. Its W3C
 * trace id links to the tracing backend when the gateway has RAKU_TRACING_URL (the session carries it).
 *
 * A trace is written in batches shortly after its call: opened from a call just made (the catalog's Try it),
 * it may not be stored yet. A 404 then says so and the trace's live event fills the view when it is written.
 */
import { useState } from 'react';
import { api, unwrap, useSession } from '../api.ts';
import { useEvents } from '../events.ts';
import { useLoad } from '../load.ts';
import { showsTenants } from '../tenancy.ts';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { Link } from '../ui/Link.tsx';
import { StatusBadge } from '../ui/StatusBadge.tsx';
import { TenantBadge } from '../ui/TenantFilter.tsx';
import { TimeAgo } from '../ui/TimeAgo.tsx';
import { ViewHeader } from '../ui/ViewHeader.tsx';
import type { Trace } from './trace-filters.ts';

export function TraceDetail({ params }: { params: Record<string, string> }) {
  const id = params['id'] ?? '';
  const session = useSession();
  // null: no such trace (yet).
  const trace = useLoad<Trace | null>(async () => {
    const answer = await api.GET('/v1/traces/{id}', { params: { path: { id } } });
    return answer.response.status === 404 ? null : unwrap(answer);
  }, [id]);
  // The trace as its live event delivered it, when it was written after the view asked.
  const [arrived, setArrived] = useState<Trace | undefined>(undefined);
  const notYet = trace.data === null;
  useEvents(['trace'], (event) => {
    if (event.type === 'trace' && event.data.id === id) setArrived(event.data as Trace);
    else if (event.type === 'reset' && notYet) trace.reload();
  });
  const t = trace.data ?? (arrived?.id === id ? arrived : undefined);
  return (
    <section className="view">
      <p className="breadcrumb">
        <Link to="/traces">← Traces</Link>
      </p>
      <ViewHeader title={t ? `Call of ${t.tool}` : 'Trace'} subtitle={<span className="mono">{id}</span>} />
      {notYet && !t ? (
        <p className="loading" role="status">
          This trace is not stored yet (traces are written in batches, within seconds of the call): it appears
          here when it is.
        </p>
      ) : (
        <ErrorBanner error={trace.error} onRetry={trace.reload} />
      )}
      {t === undefined && trace.loading ? <p className="loading">Loading the trace…</p> : null}
      {t ? (
        <>
          <div className="panel">
            <dl className="details">
              <dt>Time</dt>
              <dd>
                {new Date(t.time).toLocaleString()} (<TimeAgo time={t.time} />)
              </dd>
              {showsTenants(session) ? (
                <>
                  <dt>Tenant</dt>
                  <dd>
                    <TenantBadge row={t} />
                  </dd>
                </>
              ) : null}
              <dt>Subject</dt>
              <dd>
                <Link to={`/traces?subject=${encodeURIComponent(t.subject)}`}>{t.subject}</Link>{' '}
                <span className="muted">({t.subjectKind})</span>
              </dd>
              <dt>Tool</dt>
              <dd>
                <Link to={`/traces?tool=${encodeURIComponent(t.tool)}`} className="mono">
                  {t.tool}
                </Link>
              </dd>
              <dt>Status</dt>
              <dd>
                <StatusBadge status={t.status} />
              </dd>
              <dt>Decision</dt>
              <dd>
                <StatusBadge status={t.decision} />
              </dd>
              <dt>Deciding rule</dt>
              <dd>{t.rule ?? <span className="muted">none (the policy was not asked)</span>}</dd>
              <dt>Route</dt>
              <dd className="mono">{t.route ?? '–'}</dd>
              <dt>Target</dt>
              <dd className="mono">{t.target ?? '–'}</dd>
              <dt>Latency</dt>
              <dd>{t.latencyMs.toLocaleString()} ms</dd>
              <dt>Config revision</dt>
              <dd className="mono">{t.revision}</dd>
              <dt>Zone</dt>
              <dd>{t.zone ?? <span className="muted">not recorded</span>}</dd>
              <dt>Trace id</dt>
              <dd>
                <TraceLink traceId={t.traceId} />
              </dd>
              <dt>Sizes</dt>
              <dd>
                arguments {t.argsBytes.toLocaleString()} bytes, result {t.resultBytes.toLocaleString()} bytes
              </dd>
            </dl>
          </div>
          {t.error ? (
            <>
              <h2>Error</h2>
              <pre className="json error-text">{t.error}</pre>
            </>
          ) : null}
          <h2>Arguments (redacted)</h2>
          <JsonBlock value={t.args} empty="No arguments were stored." label="Arguments of the call" />
          <h2>Result (redacted)</h2>
          <JsonBlock value={t.result} empty="No result was stored." label="Result of the call" />
        </>
      ) : null}
    </section>
  );
}

/** The W3C trace id, linked to the tracing backend when the gateway names one (RAKU_TRACING_URL). */
function TraceLink({ traceId }: { traceId: string | null | undefined }) {
  const { tracingUrl } = useSession();
  if (!traceId)
    return (
      <span className="muted">none (the agent sent no trace context and the gateway sampled no span)</span>
    );
  if (!tracingUrl) return <span className="mono">{traceId}</span>;
  return (
    <a
      className="mono"
      href={tracingUrl.replaceAll('{traceId}', traceId)}
      target="_blank"
      rel="noopener noreferrer"
    >
      {traceId}
    </a>
  );
}

function JsonBlock({ value, empty, label }: { value: unknown; empty: string; label: string }) {
  if (value === undefined || value === null) return <p className="muted">{empty}</p>;
  return (
    <section aria-label={label}>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable block must be reachable by keyboard */}
      <pre className="json" tabIndex={0}>
        {JSON.stringify(value, null, 2)}
      </pre>
    </section>
  );
}
