/**
 * Zones (/console/): the promotion pipeline as the landing zones chain it (dev → staging → prod), one column
 * per zone, from GET /v1/zones: per workload the packs and versions the zone should run (config) against what
 * `raku status` last saw (deployment records), their health, the config revision, drift, the last rollout pull
 * request, and whether promotion into the zone is open or gated and why. Each workload links to its deployment
 * logs. Below, the deployment history filtered by zone and workload (kept in the URL). Live through
 * `deployment` events: a new record refetches the pipeline (at most once a second) and joins the history.
 */
import type { Schema } from '@raku/client';
import { useEffect, useId, useRef, useState } from 'react';
import type { ViewProps } from '../App.tsx';
import { errorMessage, unwrap, useApi } from '../api.ts';
import { useEvents } from '../events.ts';
import { useLoad } from '../load.ts';
import { pathTo, useQueryState } from '../router.ts';
import { Empty } from '../ui/Empty.tsx';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { Link } from '../ui/Link.tsx';
import { StatusBadge } from '../ui/StatusBadge.tsx';
import { type Column, Table } from '../ui/Table.tsx';
import { TimeAgo } from '../ui/TimeAgo.tsx';
import { ViewHeader } from '../ui/ViewHeader.tsx';
import '../ui/console-views.css';

type ZonesReport = Schema<'ZonesReport'>;
type Zone = ZonesReport['zones'][number];
type Observed = Zone['observed'][number];
type Deployment = Schema<'Deployment'>;

const LOGS_ROUTE = '/zones/:zone/workloads/:workload';
/** The workload `raku status` records a zone's own gateway under: every zone runs one, so never "not in config". */
const GATEWAY_WORKLOAD = 'raku-gateway';

const GATE: Record<Zone['promotion']['gate'], { status: string; label: string }> = {
  open: { status: 'ok', label: 'Promotion open' },
  gated: { status: 'gated', label: 'Promotion gated' },
  none: { status: 'none', label: 'No promotion gate' },
};

function WorkloadLink({ zone, workload }: { zone: string; workload: string }) {
  return (
    <Link to={pathTo(LOGS_ROUTE, { zone, workload })} aria-label={`${workload} in ${zone}: deployment logs`}>
      {workload}
    </Link>
  );
}

/** One row of a zone's table: a pack of a workload, what config says against what was seen last. */
interface PackRow {
  workload: string;
  pack: string;
  expected: string | null;
  observed: Observed | null;
}

function packRows(zone: Zone): PackRow[] {
  const rows: PackRow[] = [];
  const listed = new Set<string>();
  for (const w of zone.expected) {
    for (const p of w.packs) {
      const observed = zone.observed.find((o) => o.workload === w.workload && o.pack === p.name) ?? null;
      rows.push({ workload: w.workload, pack: p.name, expected: p.version, observed });
      listed.add(`${w.workload}\u0000${p.name}`);
    }
  }
  for (const o of zone.observed) {
    if (!listed.has(`${o.workload}\u0000${o.pack}`))
      rows.push({ workload: o.workload, pack: o.pack, expected: null, observed: o });
  }
  return rows;
}

function Runs({ row }: { row: PackRow }) {
  if (!row.observed) return <StatusBadge status="missing" label="Not seen running" />;
  const { version } = row.observed;
  return (
    <>
      {version}{' '}
      {row.expected === null ? (
        row.workload === GATEWAY_WORKLOAD ? null : (
          <StatusBadge status="extra" label="Not in config" />
        )
      ) : version !== row.expected ? (
        <StatusBadge status="drift" label="Differs" />
      ) : null}{' '}
      <StatusBadge status={row.observed.health} />
    </>
  );
}

function healthSummary(zone: Zone): string {
  const total = zone.observed.length;
  if (total === 0) return 'Nothing seen running yet';
  const unwell = zone.observed.filter((o) => o.health !== 'healthy').length;
  return unwell === 0 ? `All ${total} healthy` : `${unwell} of ${total} not healthy`;
}

function ZoneColumn({ zone }: { zone: Zone }) {
  const rows = packRows(zone);
  const gate = GATE[zone.promotion.gate];
  const headingId = useId();
  return (
    <li className="zone-column">
      <section className="panel" aria-labelledby={headingId}>
        <h2 id={headingId}>
          {zone.name} <StatusBadge status="environment" label={zone.environment} />
          {zone.current ? <StatusBadge status="live" label="This gateway" /> : null}
        </h2>
        <p className="gate">
          <StatusBadge status={gate.status} label={gate.label} />{' '}
          {zone.promotion.from ? `from ${zone.promotion.from}` : 'first zone of the pipeline'}
          {zone.promotion.reason ? `: ${zone.promotion.reason}` : ''}
        </p>
        <dl className="details">
          <dt>Config revision</dt>
          <dd>
            <code>{zone.configRevision ?? 'not agreed'}</code>
            {zone.expectedConfigRevision && zone.expectedConfigRevision !== zone.configRevision ? (
              <div className="small">
                config says <code>{zone.expectedConfigRevision}</code>
              </div>
            ) : null}
          </dd>
          <dt>Health</dt>
          <dd>{healthSummary(zone)}</dd>
          <dt>Last rollout</dt>
          <dd>
            {zone.lastRollout ? (
              <>
                <a href={zone.lastRollout.url} rel="noreferrer">
                  pull request
                </a>
                , <TimeAgo time={zone.lastRollout.at} />
              </>
            ) : (
              'none recorded'
            )}
          </dd>
          <dt>Drift</dt>
          <dd>
            {zone.drift.length === 0 ? (
              'none'
            ) : (
              <ul className="drift-list">
                {zone.drift.map((d) => (
                  <li key={`${d.kind}/${d.workload}/${d.pack}`}>
                    <StatusBadge status="drift" label={d.kind} /> {d.message}
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </dl>
        {rows.length === 0 ? (
          <p className="muted">This zone runs no pack.</p>
        ) : (
          <div className="zone-packs-scroll">
            <table className="zone-packs">
              <caption className="visually-hidden">{zone.name}: what should run against what runs</caption>
              <thead>
                <tr>
                  <th scope="col">Workload</th>
                  <th scope="col">Should run</th>
                  <th scope="col">Runs, health</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={`${row.workload}/${row.pack}`}>
                    <th scope="row">
                      <WorkloadLink zone={zone.name} workload={row.workload} />
                      {row.pack !== row.workload ? <div className="small muted">{row.pack}</div> : null}
                    </th>
                    <td>
                      {row.expected ?? (row.workload === GATEWAY_WORKLOAD ? 'the zone’s gateway' : '–')}
                    </td>
                    <td>
                      <Runs row={row} />
                      {row.observed ? (
                        <div className="small muted">
                          seen <TimeAgo time={row.observed.observedAt} />
                        </div>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </li>
  );
}

interface History {
  items: Deployment[];
  nextCursor: string | null;
}

const HISTORY_COLUMNS: Column<Deployment>[] = [
  { header: 'Seen', kind: 'nowrap', cell: (r) => <TimeAgo time={r.observedAt} /> },
  { header: 'Zone', cell: (r) => r.zone },
  { header: 'Workload', cell: (r) => <WorkloadLink zone={r.zone} workload={r.workload} /> },
  { header: 'Pack', cell: (r) => r.pack },
  { header: 'Version', cell: (r) => r.version },
  { header: 'Health', cell: (r) => <StatusBadge status={r.health} /> },
  { header: 'Config revision', cell: (r) => <code>{r.revision ?? '–'}</code> },
];

function DeploymentHistory({ zones }: { zones: readonly Zone[] }) {
  const api = useApi();
  const [query, setQuery] = useQueryState();
  const zone = query.get('zone') ?? '';
  const workload = query.get('workload') ?? '';
  const [moreError, setMoreError] = useState<string>();
  const filter = { ...(zone ? { zone } : {}), ...(workload ? { workload } : {}) };

  const history = useLoad<History>(
    async (signal) =>
      unwrap(await api.GET('/v1/deployments', { params: { query: { limit: 50, ...filter } }, signal })),
    [api, zone, workload],
  );

  useEvents(['deployment'], (event) => {
    if (event.type === 'reset') {
      history.reload();
      return;
    }
    const record = event.data;
    if ((zone && record.zone !== zone) || (workload && record.workload !== workload)) return;
    history.setData((h) =>
      h && !h.items.some((r) => r.id === record.id) ? { ...h, items: [record, ...h.items] } : h,
    );
  });

  async function showOlder() {
    const cursor = history.data?.nextCursor;
    if (!cursor) return;
    try {
      const page = unwrap(
        await api.GET('/v1/deployments', { params: { query: { limit: 50, cursor, ...filter } } }),
      );
      setMoreError(undefined);
      history.setData((h) =>
        h
          ? {
              // A record that arrived live may also be on the next page.
              items: [...h.items, ...page.items.filter((r) => !h.items.some((k) => k.id === r.id))],
              nextCursor: page.nextCursor,
            }
          : h,
      );
    } catch (error) {
      setMoreError(`Older records could not be loaded: ${errorMessage(error)}`);
    }
  }

  const workloads = [
    ...new Set(
      zones
        .filter((z) => !zone || z.name === zone)
        .flatMap((z) => [...z.expected.map((e) => e.workload), ...z.observed.map((o) => o.workload)]),
    ),
  ].sort();
  const items = history.data?.items;

  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">Deployment history</h2>
      <div className="filters">
        <label className="field">
          Zone
          <select value={zone} onChange={(e) => setQuery({ zone: e.target.value, workload: undefined })}>
            <option value="">All zones</option>
            {zones.map((z) => (
              <option key={z.name} value={z.name}>
                {z.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Workload
          <select value={workload} onChange={(e) => setQuery({ workload: e.target.value })}>
            <option value="">All workloads</option>
            {(workload && !workloads.includes(workload) ? [workload, ...workloads] : workloads).map((w) => (
              <option key={w} value={w}>
                {w}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBanner
        error={history.error && `The deployment history could not be loaded: ${history.error}`}
        onRetry={history.reload}
      />
      {items === undefined && !history.error ? <p className="loading">Loading deployment records…</p> : null}
      {items !== undefined && items.length === 0 ? (
        <Empty
          title={
            zone || workload ? 'No deployment record matches these filters.' : 'No deployment record yet.'
          }
        >
          `raku status --record` posts what it sees running in a zone; each record appears here at once.
        </Empty>
      ) : null}
      {items !== undefined && items.length > 0 ? (
        <Table
          caption="Deployment records, newest first"
          columns={HISTORY_COLUMNS}
          rows={items}
          rowKey={(r) => r.id}
        />
      ) : null}
      <ErrorBanner error={moreError} />
      {history.data?.nextCursor ? (
        <p>
          <button type="button" className="button" onClick={() => void showOlder()}>
            Show older records
          </button>
        </p>
      ) : null}
    </section>
  );
}

export function ZonesView(_props: ViewProps) {
  const api = useApi();
  const report = useLoad<ZonesReport>(
    async (signal) => unwrap(await api.GET('/v1/zones', { signal })),
    [api],
  );
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const { reload } = report;

  useEffect(() => () => clearTimeout(pending.current), []);

  // A new record changes what a zone runs: refetch the pipeline, at most once a second.
  useEvents(['deployment'], () => {
    if (pending.current !== undefined) return;
    pending.current = setTimeout(() => {
      pending.current = undefined;
      reload();
    }, 1000);
  });

  const data = report.data;
  return (
    <section className="view zones-view">
      <ViewHeader
        title="Zones"
        subtitle={
          data ? (
            <>
              Promotion pipeline, in order. This gateway serves {data.zone} at config revision{' '}
              <code>{data.revision}</code>.
            </>
          ) : (
            'Promotion pipeline, in order.'
          )
        }
      />
      <ErrorBanner
        error={report.error && `The zones could not be loaded: ${report.error}`}
        onRetry={report.reload}
      />
      {data === undefined && !report.error ? (
        <p className="loading">Loading the promotion pipeline…</p>
      ) : null}
      {data !== undefined && data.zones.length === 0 ? (
        <Empty title="No landing zone in this gateway's bundle." />
      ) : null}
      {data !== undefined && data.zones.length > 0 ? (
        <ol className="pipeline" aria-label="Promotion pipeline, first zone first">
          {data.zones.map((zone) => (
            <ZoneColumn key={zone.name} zone={zone} />
          ))}
        </ol>
      ) : null}
      {data !== undefined ? <DeploymentHistory zones={data.zones} /> : null}
    </section>
  );
}
