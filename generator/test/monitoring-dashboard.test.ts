/**
 * The Grafana dashboard generated per zone: a ConfigMap the Grafana chart's sidecar loads, and what
 * @grafana/schema's types cannot check (monitoring-dashboard-types.test.ts does the types): unique panel ids,
 * panels inside 24 columns and apart, one data source variable, every query valid PromQL; the zone's
 * thresholds, namespace and label reach it.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dashboardUid, type GrafanaDashboard } from '../render/src/generate/monitoring-dashboard.ts';
import { strictK8sErrors } from './support/k8s-strict-schema.ts';
import {
  byKind,
  example,
  type Obj,
  objects,
  promqlErrors,
  rendered,
  withMonitoring,
  ZONES,
} from './support/monitoring-fixture.ts';

/** Grafana's built-in interval variables, replaced as Grafana does before the query reaches Prometheus. */
function interpolate(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '15s');
}

function dashboardOf(files: Map<string, string>): GrafanaDashboard {
  const cm = byKind(files, 'monitoring/dashboard.yaml', 'ConfigMap');
  const [json] = Object.values(cm['data'] as Record<string, string>);
  return JSON.parse(json ?? '') as GrafanaDashboard;
}

/** What the dashboard's types cannot say: unique ids, panels inside 24 columns and apart, one data source. */
function dashboardProblems(d: GrafanaDashboard): string[] {
  const problems: string[] = [];
  const ids = d.panels.map((p) => p.id);
  if (new Set(ids).size !== ids.length) problems.push(`panel ids repeat: ${ids.join(',')}`);
  const variables = new Set(
    d.templating.list.filter((v) => v.type === 'datasource').map((v) => `\${${v.name}}`),
  );
  d.panels.forEach((p, i) => {
    const g = p.gridPos;
    if (g.x < 0 || g.w <= 0 || g.h <= 0 || g.x + g.w > 24)
      problems.push(`panel ${p.id} leaves the 24 columns`);
    for (const q of d.panels.slice(i + 1)) {
      const o = q.gridPos;
      if (g.x < o.x + o.w && o.x < g.x + g.w && g.y < o.y + o.h && o.y < g.y + g.h)
        problems.push(`panels ${p.id} and ${q.id} overlap`);
    }
    for (const ref of [p.datasource, ...p.targets.map((t) => t.datasource)]) {
      if (!variables.has(ref.uid)) problems.push(`panel ${p.id} uses data source ${ref.uid}, not a variable`);
    }
    if (p.targets.length === 0) problems.push(`panel ${p.id} has no query`);
    for (const t of p.targets) {
      for (const e of promqlErrors(interpolate(t.expr))) problems.push(`panel ${p.id} ${t.refId}: ${e}`);
    }
  });
  return problems;
}

describe('the Grafana dashboard', () => {
  it('is a ConfigMap the Grafana chart\u2019s sidecar loads, valid for Kubernetes, for every example zone', () => {
    for (const zone of ZONES) {
      const files = rendered(example, zone);
      const cm = byKind(files, 'monitoring/dashboard.yaml', 'ConfigMap');
      expect(strictK8sErrors(cm)).toEqual([]);
      expect(cm['metadata']['labels']['grafana_dashboard']).toBe('1');
      expect(Object.keys(cm['data'])).toEqual([`raku-${zone}.json`]);
      const d = dashboardOf(files);
      expect(d.uid).toBe(`raku-${zone}`);
      expect(dashboardProblems(d)).toEqual([]);
    }
  });

  it('has a panel for every alert, with the zone\u2019s thresholds drawn', () => {
    const d = dashboardOf(
      rendered(withMonitoring('prod', { alerts: { errorRatio: 0.1, latencyP99Seconds: 3 } }), 'prod'),
    );
    const text = JSON.stringify(d.panels.map((p) => p.targets.map((t) => t.expr)));
    for (const metric of [
      'up{',
      'raku_tool_calls_total',
      'raku_tool_call_duration_seconds_bucket',
      'raku_policy_decisions_total',
      'raku_breaker_state',
      'raku_trace_queue_depth',
      'raku_trace_dropped_total',
      'raku_trace_write_failures_total',
      'raku_approvals_pending',
      'raku_http_requests_total',
      'raku_http_request_duration_seconds_bucket',
      'raku_process_faults_total',
      'raku_tool_cache_total',
      'kube_deployment_status_replicas_available',
    ])
      expect(text).toContain(metric);
    const threshold = (title: string) =>
      d.panels.find((p) => p.title === title)?.fieldConfig.defaults.thresholds.steps.at(-1)?.value;
    expect(threshold('Error ratio by tool')).toBe(0.1);
    expect(threshold('Tool call duration p99 by tool')).toBe(3);
  });

  it('the dashboard check finds overlapping panels, repeated ids, a fixed data source and bad PromQL', () => {
    const d = dashboardOf(rendered(example, 'dev'));
    const [a, b, c] = d.panels as [
      GrafanaDashboard['panels'][0],
      GrafanaDashboard['panels'][0],
      GrafanaDashboard['panels'][0],
    ];
    b.gridPos = { ...a.gridPos, x: a.gridPos.x + 1 };
    c.id = a.id;
    c.datasource = { type: 'prometheus', uid: 'P1809F7CD0C75ACF3' };
    (c.targets[0] as { expr: string }).expr = 'sum(rate(x[5m])';
    expect(dashboardProblems(d)).toEqual([
      expect.stringContaining('panel ids repeat'),
      `panels ${a.id} and ${b.id} overlap`,
      `panel ${c.id} uses data source P1809F7CD0C75ACF3, not a variable`,
      expect.stringMatching(/^panel \d+ A: error at/),
    ]);
  });

  it('goes to the namespace and label the zone names, the kustomization then forcing no namespace', () => {
    const files = rendered(
      withMonitoring('prod', {
        dashboard: { namespace: 'grafana', label: 'grafana.com/dashboard', labelValue: 'raku' },
      }),
      'prod',
    );
    const cm = byKind(files, 'monitoring/dashboard.yaml', 'ConfigMap');
    expect(cm['metadata']['namespace']).toBe('grafana');
    expect(cm['metadata']['labels']['grafana.com/dashboard']).toBe('raku');
    expect(cm['metadata']['labels']['grafana_dashboard']).toBeUndefined();
    const kustomization = parse(files.get('kustomization.yaml') ?? '') as Obj;
    expect(kustomization['namespace']).toBeUndefined();
    // Every other object still names the zone's namespace itself.
    for (const [file] of files) {
      if (!file.endsWith('.yaml') || file === 'kustomization.yaml' || file === 'monitoring/dashboard.yaml')
        continue;
      for (const obj of objects(files, file))
        if (obj['kind'] !== 'Namespace')
          expect(obj['metadata']['namespace'], `${file} ${obj['kind']}`).toBe('raku');
    }
  });

  it('is left out when the zone turns it off', () => {
    const files = rendered(withMonitoring('prod', { dashboard: { enabled: false } }), 'prod');
    expect(files.has('monitoring/dashboard.yaml')).toBe(false);
    expect(files.get('kustomization.yaml')).not.toContain('monitoring/dashboard.yaml');
    expect(parse(files.get('kustomization.yaml') ?? '').namespace).toBe('raku');
  });

  it('keeps a uid within Grafana\u2019s 40 characters for a long zone name', () => {
    const long = 'z'.repeat(63);
    expect(dashboardUid(long)).toHaveLength(40);
    expect(dashboardUid(long)).not.toBe(dashboardUid(`${'z'.repeat(62)}y`));
  });
});
