/**
 * The alert rules of a zone, as data: one Prometheus rule group over the gateway's metrics (scoped to the
 * zone's gateway by namespace and instance label) and kube-state-metrics (pack server readiness). Thresholds
 * come from `zone.monitoring.alerts`, each with a default. docs/observability.md has a runbook line per alert.
 */
import type { AlertThresholds } from '@raku/config';

/**
 * Tool-call statuses that count as errors in the error-ratio alert and dashboard panels. The same list as the
 * gateway's TRACE_ERROR_STATUSES (gateway/src/traces/types.ts), which render may not import.
 */
export const TOOL_CALL_ERROR_STATUSES: readonly string[] = [
  'error',
  'timeout',
  'no_route',
  'invalid',
  'unknown_tool',
];

/** The thresholds a zone gets for every one it does not set. */
export const DEFAULT_ALERT_THRESHOLDS: Required<AlertThresholds> = {
  errorRatio: 0.05,
  latencyP99Seconds: 5,
  breakerOpenMinutes: 5,
  approvalBacklog: 20,
  gatewayDownMinutes: 2,
  packServerNotReadyMinutes: 5,
};

/** Window of the rates and increases the alerts compare (the dashboard uses Grafana's $__rate_interval). */
export const ALERT_WINDOW = '5m';

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: { summary: string; description: string };
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

/** What the alerts and the dashboard look at: one zone's gateway and pack-server Deployments. */
export interface MonitoredZone {
  zone: string;
  namespace: string;
  /** The gateway pods' app.kubernetes.io/instance label, copied onto every scraped series. */
  gatewayInstance: string;
  /** Names of the zone's pack-server Deployments, sorted. */
  packServers: string[];
}

/** A PromQL string literal (double-quoted, escaped as PromQL reads it). */
export function promString(s: string): string {
  return JSON.stringify(s);
}

/**
 * Label matchers (without braces) for series scraped from the zone's gateway: its namespace and the
 * `app_kubernetes_io_instance` target label (the ServiceMonitor's podTargetLabels, or the usual pod-label map
 * of an annotation-based scrape job).
 */
export function gatewayMatchers(target: MonitoredZone): string {
  return `namespace=${promString(target.namespace)},app_kubernetes_io_instance=${promString(target.gatewayInstance)}`;
}

/** The matcher of failed tool calls. */
export function errorStatusMatcher(): string {
  return `status=~${promString(TOOL_CALL_ERROR_STATUSES.join('|'))}`;
}

/** kube-state-metrics matchers for the zone's pack-server Deployments. */
export function packServerMatchers(target: MonitoredZone): string {
  return `namespace=${promString(target.namespace)},deployment=~${promString(target.packServers.join('|'))}`;
}

/** The zone's thresholds: what it sets over the defaults. */
export function alertThresholds(set: AlertThresholds | undefined): Required<AlertThresholds> {
  return { ...DEFAULT_ALERT_THRESHOLDS, ...set };
}

/**
 * The zone's rule group. A threshold sits on its own line of the expression, so that a plan's diff shows it
 * (the plan shortens long lines). Pure: the same zone and thresholds give the same rules in the same order.
 */
export function alertRuleGroup(target: MonitoredZone, t: Required<AlertThresholds>): RuleGroup {
  const gw = gatewayMatchers(target);
  const labels = (severity: 'critical' | 'warning') => ({ severity, zone: target.zone });
  const zone = `zone ${target.zone}`;
  const calls = (extra: string) => `rate(raku_tool_calls_total{${gw}${extra}}[${ALERT_WINDOW}])`;
  const rules: AlertRule[] = [
    {
      alert: 'RakuGatewayDown',
      expr: `absent(up{${gw}} == 1)`,
      for: `${t.gatewayDownMinutes}m`,
      labels: labels('critical'),
      annotations: {
        summary: `No gateway replica of ${zone} answers Prometheus.`,
        description: `For ${t.gatewayDownMinutes} minutes no raku-gateway pod in namespace ${target.namespace} was scraped successfully: agents cannot call tools.`,
      },
    },
    {
      alert: 'RakuToolErrorRatioHigh',
      expr: `sum by (tool) (${calls(`,${errorStatusMatcher()}`)})\n/ sum by (tool) (${calls('')})\n> ${t.errorRatio}`,
      for: '10m',
      labels: labels('warning'),
      annotations: {
        summary: `Tool {{ $labels.tool }} fails more than ${percent(t.errorRatio)} of its calls in ${zone}.`,
        description: `{{ $value | humanizePercentage }} of the calls of {{ $labels.tool }} ended in ${TOOL_CALL_ERROR_STATUSES.join(', ')} over ${ALERT_WINDOW}.`,
      },
    },
    {
      alert: 'RakuToolLatencyP99High',
      expr: `histogram_quantile(0.99, sum by (tool, le) (rate(raku_tool_call_duration_seconds_bucket{${gw}}[${ALERT_WINDOW}])))\n> ${t.latencyP99Seconds}`,
      for: '10m',
      labels: labels('warning'),
      annotations: {
        summary: `Tool {{ $labels.tool }} answers slowly in ${zone} (p99 over ${t.latencyP99Seconds} s).`,
        description: `The 99th percentile of the duration of {{ $labels.tool }} calls is {{ $value | humanizeDuration }} over ${ALERT_WINDOW}.`,
      },
    },
    {
      alert: 'RakuBreakerOpen',
      expr: `max by (target) (raku_breaker_state{${gw}}) == 2`,
      for: `${t.breakerOpenMinutes}m`,
      labels: labels('warning'),
      annotations: {
        summary: `The circuit breaker of {{ $labels.target }} is open in ${zone}.`,
        description: `For ${t.breakerOpenMinutes} minutes the gateway has refused to forward calls to {{ $labels.target }} (or sent them to its fallback) after repeated failures.`,
      },
    },
    {
      alert: 'RakuTracesDropped',
      expr: `sum(increase(raku_trace_dropped_total{${gw}}[${ALERT_WINDOW}])) > 0`,
      labels: labels('warning'),
      annotations: {
        summary: `The gateway of ${zone} drops traces.`,
        description: `{{ $value }} traces were dropped over ${ALERT_WINDOW} because the trace queue was full: calls went through but are not recorded.`,
      },
    },
    {
      alert: 'RakuTraceWriteFailures',
      expr: `sum(increase(raku_trace_write_failures_total{${gw}}[${ALERT_WINDOW}])) > 0`,
      for: '5m',
      labels: labels('warning'),
      annotations: {
        summary: `The gateway of ${zone} fails to write traces.`,
        description: `{{ $value }} trace batch writes failed over ${ALERT_WINDOW}; the queue fills and drops follow.`,
      },
    },
    {
      alert: 'RakuApprovalBacklog',
      expr: `max(raku_approvals_pending{${gw}})\n> ${t.approvalBacklog}`,
      for: '15m',
      labels: labels('warning'),
      annotations: {
        summary: `More than ${t.approvalBacklog} approvals wait in ${zone}.`,
        description: `{{ $value }} tool calls have waited for an approver for 15 minutes or more; their callers are blocked.`,
      },
    },
    {
      alert: 'RakuProcessFaults',
      expr: `sum(increase(raku_process_faults_total{${gw}}[${ALERT_WINDOW}])) > 0`,
      labels: labels('warning'),
      annotations: {
        summary: `The gateway of ${zone} caught unhandled faults.`,
        description: `{{ $value }} unhandled rejections or exceptions over ${ALERT_WINDOW}: a bug, logged with its stack.`,
      },
    },
  ];
  if (target.packServers.length > 0) {
    rules.push({
      alert: 'RakuPackServerNotReady',
      expr: `max by (deployment) (kube_deployment_status_replicas_available{${packServerMatchers(target)}}) < 1`,
      for: `${t.packServerNotReadyMinutes}m`,
      labels: labels('critical'),
      annotations: {
        summary: `Pack server {{ $labels.deployment }} has no ready replica in ${zone}.`,
        description: `For ${t.packServerNotReadyMinutes} minutes no pod of {{ $labels.deployment }} passed its readiness probe: its tools fail with no_route or go to their fallback.`,
      },
    });
  }
  return { name: `raku-${target.zone}`, rules };
}

/** 0.05 → '5%' (without float noise such as 5.000000000000001). */
function percent(ratio: number): string {
  return `${Number((ratio * 100).toPrecision(6))}%`;
}
