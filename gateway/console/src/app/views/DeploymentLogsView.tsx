/**
 * Deployment logs (/console/zones/:zone/workloads/:workload): one EventSource on
 * GET /v1/zones/{zone}/workloads/{workload}/logs, this page's one stream. It carries the rollout timeline
 * (`deployment`: the workload's records, oldest first, then each new one), and when the gateway has cluster
 * access the pods' events (`k8s`) and container log lines (`log`); `unavailable` says why there are none,
 * `problem` what could not be read, `dropped` how many events a slow page lost. The log pane follows the newest
 * line unless paused (or scrolled up), and keeps at most MAX_LINES lines.
 */
import type { Schema } from '@raku/client';
import { useEffect, useRef, useState } from 'react';
import type { ViewProps } from '../App.tsx';
import { Empty } from '../ui/Empty.tsx';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { Link } from '../ui/Link.tsx';
import { StatusBadge } from '../ui/StatusBadge.tsx';
import { TimeAgo } from '../ui/TimeAgo.tsx';
import { ViewHeader } from '../ui/ViewHeader.tsx';
import '../ui/console-views.css';

type Deployment = Schema<'Deployment'>;

/** Lines kept in the pane; older ones are removed (and counted) so a chatty container cannot fill memory. */
const MAX_LINES = 2000;

interface PaneLine {
  key: number;
  kind: 'event' | 'log' | 'note';
  time: string | null;
  source: string;
  text: string;
  warning: boolean;
}

type StreamState =
  | { kind: 'connecting' }
  | { kind: 'open' }
  | { kind: 'reconnecting' }
  /** The gateway refused the stream (unknown zone or workload, signed out): the browser gave up. */
  | { kind: 'refused'; reason: string };

function parse(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object'
      ? (value as Record<string, unknown>)
      : { message: String(value) };
  } catch {
    return { message: text };
  }
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** A `k8s` event (PodEvent) as a line of the pane. */
function eventLine(data: Record<string, unknown>): Omit<PaneLine, 'key'> {
  const object = (data['object'] ?? {}) as { kind?: unknown; name?: unknown };
  const count = typeof data['count'] === 'number' && data['count'] > 1 ? ` (×${data['count']})` : '';
  const type = str(data['type']);
  return {
    kind: 'event',
    time: str(data['time']) || null,
    source: [str(object.kind), str(object.name)].filter(Boolean).join('/') || 'cluster',
    text: `${type ? `${type} ` : ''}${str(data['reason'])}${data['reason'] ? ': ' : ''}${str(data['message'])}${count}`,
    warning: type === 'Warning',
  };
}

/** A `log` line (LogLine) as a line of the pane. */
function logLine(data: Record<string, unknown>): Omit<PaneLine, 'key'> {
  return {
    kind: 'log',
    time: null,
    source: [str(data['pod']), str(data['container'])].filter(Boolean).join('/') || 'container',
    text: str(data['line']) || str(data['message']),
    warning: false,
  };
}

function streamUrl(zone: string, workload: string): string {
  return `/v1/zones/${encodeURIComponent(zone)}/workloads/${encodeURIComponent(workload)}/logs`;
}

/** Why the gateway refused the stream: its JSON error for a plain GET of the same URL (EventSource hides it). */
async function refusalReason(url: string): Promise<string> {
  const controller = new AbortController();
  try {
    const response = await fetch(url, { credentials: 'same-origin', signal: controller.signal });
    if (response.ok) return 'the stream closed; reload the page to follow again';
    const body = (await response.json().catch(() => null)) as { error?: { message?: unknown } } | null;
    const message = body?.error?.message;
    return typeof message === 'string' ? message : `the gateway answered HTTP ${response.status}`;
  } catch (error) {
    return `cannot reach the gateway (${(error as Error).message})`;
  } finally {
    controller.abort();
  }
}

export function DeploymentLogsView({ params }: ViewProps) {
  const zone = params['zone'] ?? '';
  const workload = params['workload'] ?? '';
  const [records, setRecords] = useState<Deployment[]>([]);
  const [lines, setLines] = useState<PaneLine[]>([]);
  const [unavailable, setUnavailable] = useState<string | null>(null);
  const [state, setState] = useState<StreamState>({ kind: 'connecting' });
  const [follow, setFollow] = useState(true);
  const pane = useRef<HTMLDivElement>(null);
  /** Lines received since the last clear: those beyond `lines` were removed for MAX_LINES. */
  const received = useRef(0);

  useEffect(() => {
    const url = streamUrl(zone, workload);
    const source = new EventSource(url, { withCredentials: true });
    let closed = false;
    let opened = false;
    let key = 0;
    setRecords([]);
    setLines([]);
    received.current = 0;
    setUnavailable(null);
    setState({ kind: 'connecting' });

    const add = (line: Omit<PaneLine, 'key'>) => {
      key += 1;
      received.current += 1;
      const next = { ...line, key };
      setLines((list) => (list.length < MAX_LINES ? [...list, next] : [...list.slice(1), next]));
    };
    const on = (type: string, handle: (data: Record<string, unknown>) => void) =>
      source.addEventListener(type, (event) => handle(parse((event as MessageEvent<string>).data)));

    on('deployment', (data) => {
      const record = data as unknown as Deployment;
      setRecords((list) => (list.some((r) => r.id === record.id) ? list : [record, ...list]));
    });
    on('k8s', (data) => add(eventLine(data)));
    on('log', (data) => add(logLine(data)));
    on('unavailable', (data) => setUnavailable(str(data['reason']) || 'the gateway has no cluster access'));
    on('problem', (data) =>
      add({ kind: 'note', time: null, source: 'gateway', text: str(data['message']), warning: true }),
    );
    on('dropped', (data) =>
      add({
        kind: 'note',
        time: null,
        source: 'gateway',
        text: `${typeof data['count'] === 'number' ? data['count'] : 'Some'} events were dropped because this page read too slowly`,
        warning: true,
      }),
    );
    source.onopen = () => {
      if (opened) {
        // The stream starts over (timeline and recent log lines again): mark where.
        add({
          kind: 'note',
          time: null,
          source: 'console',
          text: 'Reconnected; recent lines follow again.',
          warning: false,
        });
      }
      opened = true;
      setState({ kind: 'open' });
    };
    source.onerror = () => {
      if (closed) return;
      if (source.readyState !== EventSource.CLOSED) {
        setState({ kind: 'reconnecting' });
        return;
      }
      void refusalReason(url).then((reason) => {
        if (!closed) setState({ kind: 'refused', reason });
      });
    };
    return () => {
      closed = true;
      source.close();
    };
  }, [zone, workload]);

  // Keep the newest line in view while following.
  useEffect(() => {
    if (follow && lines.length > 0 && pane.current) pane.current.scrollTop = pane.current.scrollHeight;
  }, [lines, follow]);

  function onScroll() {
    const el = pane.current;
    if (!el || !follow) return;
    if (el.scrollHeight - el.scrollTop - el.clientHeight > 24) setFollow(false);
  }

  const latest = records[0];
  const removed = Math.max(0, received.current - lines.length);
  return (
    <section className="view logs-view">
      <p className="breadcrumb">
        <Link to="/">Zones</Link> / {zone}
      </p>
      <ViewHeader
        title={`${workload} in ${zone}`}
        subtitle={
          latest ? (
            <>
              Runs {latest.pack} {latest.version}, <StatusBadge status={latest.health} /> as of{' '}
              <TimeAgo time={latest.observedAt} />
            </>
          ) : (
            'Rollout timeline, pod events and container logs, followed live.'
          )
        }
      />
      {state.kind === 'refused' ? (
        <ErrorBanner error={`This workload's logs cannot be followed: ${state.reason}.`} />
      ) : null}
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">Rollout timeline</h2>
        {records.length === 0 ? (
          state.kind === 'connecting' ? (
            <p className="loading">Loading the rollout timeline…</p>
          ) : (
            <Empty title={`No deployment record for ${workload} in ${zone} yet.`}>
              `raku status --record` and rollouts post one each time they check the zone; it appears here at
              once.
            </Empty>
          )
        ) : (
          <ol className="timeline" reversed>
            {records.map((r) => (
              <li key={r.id}>
                <TimeAgo time={r.observedAt} />: {r.pack} <strong>{r.version}</strong>{' '}
                <StatusBadge status={r.health} />
                {r.revision ? (
                  <>
                    {' '}
                    config revision <code>{r.revision}</code>
                  </>
                ) : null}
                {r.imageDigest ? (
                  <div className="small muted">
                    image <code>{r.imageDigest}</code>
                  </div>
                ) : null}
              </li>
            ))}
          </ol>
        )}
      </section>
      <section aria-labelledby="logs-title">
        <h2 id="logs-title">Pod events and container logs</h2>
        {unavailable ? (
          <div className="panel" role="status">
            <p>
              <strong>No pod events or logs here:</strong> {unavailable}.
            </p>
            <p className="muted">
              The rollout timeline above still shows what was recorded. A gateway running in this zone's
              cluster (or started with cluster access) follows its pods here.
            </p>
          </div>
        ) : (
          <>
            <div className="log-toolbar">
              <p className="log-state" role="status">
                {state.kind === 'connecting'
                  ? 'Connecting…'
                  : state.kind === 'reconnecting'
                    ? 'Connection lost; reconnecting…'
                    : state.kind === 'open'
                      ? follow
                        ? 'Following live.'
                        : 'Auto-scroll paused; new lines still arrive.'
                      : 'Not following.'}
                {removed > 0 ? ` ${removed.toLocaleString()} older lines were removed from this page.` : ''}
              </p>
              <button
                type="button"
                className="button button-small"
                aria-pressed={!follow}
                onClick={() => setFollow((f) => !f)}
              >
                {follow ? 'Pause auto-scroll' : 'Resume auto-scroll'}
              </button>
              <button
                type="button"
                className="button button-small"
                onClick={() => {
                  setLines([]);
                  received.current = 0;
                }}
              >
                Clear
              </button>
            </div>
            <div
              ref={pane}
              className="log-pane"
              role="log"
              aria-label={`Pod events and container logs of ${workload} in ${zone}`}
              // biome-ignore lint/a11y/noNoninteractiveTabindex: the pane scrolls, so keyboard users must reach it
              tabIndex={0}
              onScroll={onScroll}
            >
              {lines.length === 0 ? (
                <span>{state.kind === 'open' ? 'No pod event or log line yet.' : ''}</span>
              ) : (
                lines.map((line) => (
                  <div key={line.key} className={line.warning ? 'log-line log-warning' : 'log-line'}>
                    {line.time ? (
                      <time dateTime={line.time}>{new Date(line.time).toLocaleTimeString()} </time>
                    ) : null}
                    <span className="log-kind">{line.kind}</span>{' '}
                    <span className="log-source">{line.source}</span> {line.text}
                  </div>
                ))
              )}
            </div>
          </>
        )}
      </section>
    </section>
  );
}
