/**
 * The zone's Grafana dashboard, as data: panels for every alert (gateway up, tool calls, error ratio,
 * latency, breakers, traces, approvals, pack servers) over the same series the alerts read, with the zone's
 * thresholds drawn as lines. Its data source is a `datasource` variable (any Prometheus in the Grafana it
 * lands in). The types below are the subset of Grafana's dashboard model (@grafana/schema) this file uses; a
 * test holds them to it.
 */
import { type AlertThresholds, sha256Hex } from '@raku/config';
import {
  errorStatusMatcher,
  gatewayMatchers,
  type MonitoredZone,
  packServerMatchers,
} from './monitoring-alerts.ts';

/** A type alias, not an interface: Grafana types a query as a record, which only an alias is assignable to. */
export type GrafanaTarget = {
  refId: string;
  datasource: GrafanaDataSourceRef;
  expr: string;
  legendFormat: string;
};

export interface GrafanaDataSourceRef {
  type: string;
  uid: string;
}

export interface GrafanaFieldConfig {
  unit: string;
  min?: number;
  thresholds: { mode: 'absolute'; steps: { color: string; value: number | null }[] };
  mappings?: { type: 'value'; options: Record<string, { text: string; color: string; index: number }> }[];
  custom?: Record<string, unknown>;
}

export interface GrafanaPanel {
  id: number;
  type: 'stat' | 'timeseries';
  title: string;
  description: string;
  datasource: GrafanaDataSourceRef;
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig: { defaults: GrafanaFieldConfig; overrides: [] };
  options: Record<string, unknown>;
  targets: GrafanaTarget[];
}

export interface GrafanaDashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  editable: boolean;
  schemaVersion: number;
  time: { from: string; to: string };
  refresh: string;
  timezone: string;
  templating: {
    list: {
      name: string;
      label: string;
      type: 'datasource';
      query: string;
      hide: 0;
      current: { text: string; value: string };
    }[];
  };
  panels: GrafanaPanel[];
}

/** Grafana's dashboard uid limit. */
const MAX_UID = 40;
/** The dashboard's data source variable, as Grafana interpolates it. */
export const DATASOURCE_VARIABLE = 'datasource';
const DATASOURCE: GrafanaDataSourceRef = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` };
const RATE = '[$__rate_interval]';

interface PanelSpec {
  title: string;
  description: string;
  kind: 'stat' | 'timeseries';
  unit: string;
  /** [expression, legend] per query. */
  queries: [string, string][];
  /** Where the panel turns red (drawn as a line on a time series). */
  threshold?: number;
  mappings?: GrafanaFieldConfig['mappings'];
}

/** The dashboard of one zone. Pure and deterministic. */
export function zoneDashboard(target: MonitoredZone, t: Required<AlertThresholds>): GrafanaDashboard {
  const gw = gatewayMatchers(target);
  const calls = (extra: string) => `rate(raku_tool_calls_total{${gw}${extra}}${RATE})`;
  const errors = `,${errorStatusMatcher()}`;
  const quantile = (q: number, by: string, metric: string) =>
    `histogram_quantile(${q}, sum by (${by}, le) (rate(${metric}_bucket{${gw}}${RATE})))`;
  const stats: PanelSpec[] = [
    {
      title: 'Gateway replicas up',
      description: 'Gateway pods Prometheus scrapes successfully (alert RakuGatewayDown at 0).',
      kind: 'stat',
      unit: 'none',
      queries: [[`sum(up{${gw}})`, 'up']],
    },
    {
      title: 'Tool calls / s',
      description: 'All tool calls through the gateway, every status.',
      kind: 'stat',
      unit: 'reqps',
      queries: [[`sum(${calls('')})`, 'calls']],
    },
    {
      title: 'Error ratio',
      description: 'Share of tool calls that failed (error, timeout, no_route, invalid, unknown_tool).',
      kind: 'stat',
      unit: 'percentunit',
      queries: [[`sum(${calls(errors)}) / sum(${calls('')})`, 'errors']],
      threshold: t.errorRatio,
    },
    {
      title: 'Approvals pending',
      description: 'Tool calls waiting for an approver (alert RakuApprovalBacklog).',
      kind: 'stat',
      unit: 'none',
      queries: [[`max(raku_approvals_pending{${gw}})`, 'pending']],
      threshold: t.approvalBacklog,
    },
  ];
  const series: PanelSpec[] = [
    {
      title: 'Tool calls / s by tool and status',
      description: 'Rate of tool calls per tool and outcome.',
      kind: 'timeseries',
      unit: 'reqps',
      queries: [[`sum by (tool, status) (${calls('')})`, '{{tool}} {{status}}']],
    },
    {
      title: 'Error ratio by tool',
      description:
        'Share of each tool\u2019s calls that failed (alert RakuToolErrorRatioHigh above the line).',
      kind: 'timeseries',
      unit: 'percentunit',
      queries: [[`sum by (tool) (${calls(errors)}) / sum by (tool) (${calls('')})`, '{{tool}}']],
      threshold: t.errorRatio,
    },
    {
      title: 'Tool call duration p99 by tool',
      description: '99th percentile of tool call duration (alert RakuToolLatencyP99High above the line).',
      kind: 'timeseries',
      unit: 's',
      queries: [[quantile(0.99, 'tool', 'raku_tool_call_duration_seconds'), '{{tool}}']],
      threshold: t.latencyP99Seconds,
    },
    {
      title: 'Tool call duration p50 by tool and pack version',
      description: 'Median tool call duration, per pack version (compare a rollout with the last).',
      kind: 'timeseries',
      unit: 's',
      queries: [
        [quantile(0.5, 'tool, pack_version', 'raku_tool_call_duration_seconds'), '{{tool}} {{pack_version}}'],
      ],
    },
    {
      title: 'Cache hit ratio by tool',
      description:
        'Share of a cached read-only tool\u2019s calls answered from the cache (tools with cache.ttlSeconds).',
      kind: 'timeseries',
      unit: 'percentunit',
      queries: [
        [
          `sum by (tool) (rate(raku_tool_cache_total{${gw},result="hit"}${RATE})) / sum by (tool) (rate(raku_tool_cache_total{${gw},result=~"hit|miss"}${RATE}))`,
          '{{tool}}',
        ],
      ],
    },
    {
      title: 'Policy decisions / s',
      description: 'Decisions of the zone\u2019s policies, per decision and rule.',
      kind: 'timeseries',
      unit: 'reqps',
      queries: [
        [
          `sum by (decision, rule) (rate(raku_policy_decisions_total{${gw}}${RATE}))`,
          '{{decision}} {{rule}}',
        ],
      ],
    },
    {
      title: 'Circuit breakers',
      description:
        'Breaker state per target, worst replica: closed, half-open, open (alert RakuBreakerOpen).',
      kind: 'timeseries',
      unit: 'none',
      queries: [[`max by (target) (raku_breaker_state{${gw}})`, '{{target}}']],
      threshold: 2,
      mappings: [
        {
          type: 'value',
          options: {
            '0': { text: 'closed', color: 'green', index: 0 },
            '1': { text: 'half-open', color: 'orange', index: 1 },
            '2': { text: 'open', color: 'red', index: 2 },
          },
        },
      ],
    },
    {
      title: 'Trace queue depth',
      description: 'Traces waiting in memory to be written, per gateway pod.',
      kind: 'timeseries',
      unit: 'none',
      queries: [[`raku_trace_queue_depth{${gw}}`, '{{pod}}']],
    },
    {
      title: 'Traces dropped and failed writes',
      description:
        'Traces dropped on a full queue and failed batch writes (alerts RakuTracesDropped, RakuTraceWriteFailures).',
      kind: 'timeseries',
      unit: 'none',
      queries: [
        [`sum(increase(raku_trace_dropped_total{${gw}}${RATE}))`, 'dropped'],
        [`sum(increase(raku_trace_write_failures_total{${gw}}${RATE}))`, 'write failures'],
      ],
      threshold: 1,
    },
    {
      title: 'HTTP requests / s by route and status',
      description: 'Every HTTP request the gateway served (MCP, admin API, console).',
      kind: 'timeseries',
      unit: 'reqps',
      queries: [
        [`sum by (route, status) (rate(raku_http_requests_total{${gw}}${RATE}))`, '{{route}} {{status}}'],
      ],
    },
    {
      title: 'HTTP duration p99 by route',
      description: '99th percentile of HTTP request duration per route.',
      kind: 'timeseries',
      unit: 's',
      queries: [[quantile(0.99, 'route', 'raku_http_request_duration_seconds'), '{{route}}']],
    },
    {
      title: 'Process faults',
      description: 'Unhandled rejections and exceptions the gateway caught (alert RakuProcessFaults).',
      kind: 'timeseries',
      unit: 'none',
      queries: [[`sum(increase(raku_process_faults_total{${gw}}${RATE}))`, 'faults']],
      threshold: 1,
    },
  ];
  if (target.packServers.length > 0) {
    series.push({
      title: 'Pack server replicas available',
      description:
        'Ready replicas per pack-server Deployment, from kube-state-metrics (alert RakuPackServerNotReady at 0).',
      kind: 'timeseries',
      unit: 'none',
      queries: [
        [
          `max by (deployment) (kube_deployment_status_replicas_available{${packServerMatchers(target)}})`,
          '{{deployment}}',
        ],
      ],
    });
  }
  const panels = [
    ...stats.map((spec, i) => panel(spec, i + 1, { x: i * 6, y: 0, w: 6, h: 4 })),
    ...series.map((spec, i) =>
      panel(spec, stats.length + i + 1, { x: (i % 2) * 12, y: 4 + Math.floor(i / 2) * 8, w: 12, h: 8 }),
    ),
  ];
  return {
    uid: dashboardUid(target.zone),
    title: `Raku \u2014 zone ${target.zone}`,
    description: `Tool calls, policy, breakers, traces and pack servers of Raku zone ${target.zone} (namespace ${target.namespace}). Generated by raku.`,
    tags: ['raku', `zone:${target.zone}`],
    editable: false,
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    timezone: 'browser',
    templating: {
      list: [
        {
          name: DATASOURCE_VARIABLE,
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          hide: 0,
          current: { text: 'default', value: 'default' },
        },
      ],
    },
    panels,
  };
}

function panel(spec: PanelSpec, id: number, gridPos: GrafanaPanel['gridPos']): GrafanaPanel {
  const steps: { color: string; value: number | null }[] = [{ color: 'green', value: null }];
  if (spec.threshold !== undefined) steps.push({ color: 'red', value: spec.threshold });
  const defaults: GrafanaFieldConfig = {
    unit: spec.unit,
    min: 0,
    thresholds: { mode: 'absolute', steps },
    ...(spec.mappings && { mappings: spec.mappings }),
    ...(spec.kind === 'timeseries' && {
      custom: { thresholdsStyle: { mode: spec.threshold === undefined ? 'off' : 'line' } },
    }),
  };
  return {
    id,
    type: spec.kind,
    title: spec.title,
    description: spec.description,
    datasource: DATASOURCE,
    gridPos,
    fieldConfig: { defaults, overrides: [] },
    options:
      spec.kind === 'stat'
        ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value' }
        : {
            legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
            tooltip: { mode: 'multi' },
          },
    targets: spec.queries.map(([expr, legendFormat], i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DATASOURCE,
      expr,
      legendFormat,
    })),
  };
}

/** 'raku-<zone>', or, for a zone name too long for Grafana's 40 characters, its start and a digest. */
export function dashboardUid(zone: string): string {
  const uid = `raku-${zone}`;
  if (uid.length <= MAX_UID) return uid;
  return `${uid.slice(0, MAX_UID - 9)}-${sha256Hex(zone).slice(0, 8)}`;
}
