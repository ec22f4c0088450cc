/**
 * Monitoring generated per zone (zone.monitoring): the ServiceMonitor and PrometheusRule validate strictly
 * against the Prometheus Operator's models, every alert and dashboard expression parses with Prometheus's own
 * PromQL grammar (@prometheus-io/lezer-promql), the dashboard holds together (unique panel ids, no overlapping
 * panels, one data source variable), and the zone's settings (thresholds, no Operator, dashboard namespace and
 * label) reach the output.
 */
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, parseDocument } from 'yaml';
import type { SourceFile } from '../config/src/load/yaml-source.ts';
import type { RepoModel } from '../config/src/model/types.ts';
import { validateRepo } from '../config/src/validate/validate-repo.ts';
import { TOOL_CALL_ERROR_STATUSES } from '../render/src/generate/monitoring-alerts.ts';
import type { GrafanaDashboard } from '../render/src/generate/monitoring-dashboard.ts';
import { renderZone } from '../render/src/generate/render-zone.ts';
import { type Edit, exampleFiles } from './repo-fixture.ts';
import { strictK8sErrors } from './support/k8s-strict-schema.ts';
import { strictPrometheusOperatorErrors } from './support/prometheus-operator-strict.ts';

const REVISION = '0123456789abcdef0123456789abcdef01234567';
const ZONES = ['dev', 'prod', 'staging'];

// biome-ignore lint/suspicious/noExplicitAny: parsed manifests are walked by known paths in assertions
type Obj = Record<string, any>;

function edited(file: string, edit: Edit): SourceFile[] {
  return exampleFiles().map((f) => {
    if (f.path !== file) return f;
    const doc = parseDocument(Buffer.from(f.bytes).toString('utf8'));
    edit(doc);
    return { path: f.path, bytes: Buffer.from(doc.toString()) };
  });
}

function modelOf(files: SourceFile[]): RepoModel {
  const result = validateRepo(files);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.model;
}

const example = modelOf(exampleFiles());
const withMonitoring = (zone: string, monitoring: unknown) =>
  modelOf(edited(`zones/${zone}.yaml`, (d) => d.set('monitoring', d.createNode(monitoring))));

function rendered(model: RepoModel, zone: string): Map<string, string> {
  return renderZone(model, zone, { revision: REVISION });
}

function objects(files: Map<string, string>, file: string): Obj[] {
  const content = files.get(file);
  if (content === undefined) throw new Error(`${file} was not rendered`);
  return parseAllDocuments(content, { version: '1.1' }).map((d) => d.toJS() as Obj);
}

function byKind(files: Map<string, string>, file: string, kind: string): Obj {
  const found = objects(files, file).find((o) => o['kind'] === kind);
  if (!found) throw new Error(`no ${kind} in ${file}`);
  return found;
}

/** Error nodes in the PromQL syntax tree (lezer recovers from errors by inserting them), as text. */
function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError)
        errors.push(`error at ${node.from}: ${JSON.stringify(expr.slice(node.from, node.from + 20))}`);
    },
  });
  return errors;
}

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

describe('monitoring generated per zone (Prometheus Operator, the default)', () => {
  it('renders a ServiceMonitor and a PrometheusRule that validate strictly, for every example zone', () => {
    for (const zone of ZONES) {
      const files = rendered(example, zone);
      const objs = objects(files, 'monitoring/manifests.yaml');
      expect(objs.map((o) => o['kind'])).toEqual(['ServiceMonitor', 'PrometheusRule']);
      for (const obj of objs)
        expect(strictPrometheusOperatorErrors(obj), `${zone} ${obj['kind']}`).toEqual([]);
      expect(files.get('kustomization.yaml')).toContain('- monitoring/manifests.yaml');
      expect(files.get('kustomization.yaml')).toContain('- monitoring/dashboard.yaml');
    }
  });

  it('the strict check fails on an unknown field, a wrong type and a bad duration', () => {
    const files = rendered(example, 'prod');
    const monitor = byKind(files, 'monitoring/manifests.yaml', 'ServiceMonitor');
    monitor['spec']['endpoints'][0]['scrapeInterval'] = '30s';
    monitor['spec']['selector']['matchLabels'] = 'raku-gateway';
    expect(strictPrometheusOperatorErrors(monitor)).toEqual([
      expect.stringContaining('matchLabels must be object'),
      '/spec/endpoints/0: unknown field "scrapeInterval"',
    ]);
    const rule = byKind(files, 'monitoring/manifests.yaml', 'PrometheusRule');
    rule['spec']['groups'][0]['rules'][0]['for'] = '2 minutes';
    rule['spec']['groups'][0]['rules'][0]['severity'] = 'critical';
    expect(strictPrometheusOperatorErrors(rule)).toEqual([
      expect.stringContaining('rules/0/for must match pattern'),
      '/spec/groups/0/rules/0: unknown field "severity"',
    ]);
  });

  it('selects the gateway Service by its labels and port, in the zone namespace', () => {
    const files = rendered(example, 'prod');
    const monitor = byKind(files, 'monitoring/manifests.yaml', 'ServiceMonitor');
    const service = byKind(files, 'gateway/manifests.yaml', 'Service');
    expect(service['metadata']).toMatchObject({
      namespace: 'raku',
      labels: monitor['spec']['selector']['matchLabels'],
    });
    expect(service['spec']['ports'].map((p: Obj) => p['name'])).toContain(
      monitor['spec']['endpoints'][0]['port'],
    );
    expect(monitor['spec']['namespaceSelector']).toEqual({ matchNames: ['raku'] });
    // The alerts select the zone's gateway by the label the ServiceMonitor copies from its pods.
    const pod = byKind(files, 'gateway/manifests.yaml', 'Deployment')['spec']['template']['metadata'];
    expect(monitor['spec']['podTargetLabels']).toEqual(['app.kubernetes.io/instance']);
    expect(pod['labels']['app.kubernetes.io/instance']).toBe('raku-gateway-prod');
  });

  it('writes alerts for each failure the zone can have, every expression valid PromQL', () => {
    for (const zone of ZONES) {
      const rule = byKind(rendered(example, zone), 'monitoring/manifests.yaml', 'PrometheusRule');
      const rules: Obj[] = rule['spec']['groups'][0]['rules'];
      expect(rules.map((r) => r['alert'])).toEqual([
        'RakuGatewayDown',
        'RakuToolErrorRatioHigh',
        'RakuToolLatencyP99High',
        'RakuBreakerOpen',
        'RakuTracesDropped',
        'RakuTraceWriteFailures',
        'RakuApprovalBacklog',
        'RakuProcessFaults',
        'RakuPackServerNotReady',
      ]);
      for (const r of rules) {
        expect(promqlErrors(r['expr']), `${zone} ${r['alert']}: ${r['expr']}`).toEqual([]);
        expect(r['labels']).toEqual({ severity: expect.stringMatching(/^(critical|warning)$/), zone });
        expect(r['annotations']).toEqual({ summary: expect.any(String), description: expect.any(String) });
      }
    }
  });

  it('the PromQL check finds a broken expression', () => {
    expect(promqlErrors('sum by (tool (rate(raku_tool_calls_total[5m]))')).not.toEqual([]);
    expect(promqlErrors('rate(raku_tool_calls_total[$__rate_interval])')).not.toEqual([]);
  });

  it('counts as errors the statuses the gateway records as errors, and watches the deployed pack servers', () => {
    expect(TOOL_CALL_ERROR_STATUSES).toEqual(['error', 'timeout', 'no_route', 'invalid', 'unknown_tool']);
    const files = rendered(example, 'prod');
    const rules: Obj[] = byKind(files, 'monitoring/manifests.yaml', 'PrometheusRule')['spec']['groups'][0][
      'rules'
    ];
    const expr = (name: string) => rules.find((r) => r['alert'] === name)?.['expr'] as string;
    expect(expr('RakuToolErrorRatioHigh')).toContain('status=~"error|timeout|no_route|invalid|unknown_tool"');
    const deployments = [...files.keys()]
      .filter((f) => f.startsWith('pack-servers/') && f.endsWith('manifests.yaml'))
      .map((f) => byKind(files, f, 'Deployment')['metadata']['name']);
    expect(expr('RakuPackServerNotReady')).toContain(`deployment=~"${deployments.sort().join('|')}"`);
  });

  it('uses the default thresholds, and the zone\u2019s where it sets them', () => {
    const expr = (model: RepoModel) => {
      const rules: Obj[] = byKind(rendered(model, 'staging'), 'monitoring/manifests.yaml', 'PrometheusRule')[
        'spec'
      ]['groups'][0]['rules'];
      return Object.fromEntries(rules.map((r) => [r['alert'], `${r['expr']} for ${r['for'] ?? '-'}`]));
    };
    const before = expr(example);
    expect(before['RakuToolErrorRatioHigh']).toMatch(/\s> 0\.05 for 10m$/);
    expect(before['RakuToolLatencyP99High']).toMatch(/\s> 5 for 10m$/);
    expect(before['RakuBreakerOpen']).toMatch(/\s== 2 for 5m$/);
    expect(before['RakuApprovalBacklog']).toMatch(/\s> 20 for 15m$/);
    expect(before['RakuGatewayDown']).toMatch(/ for 2m$/);
    expect(before['RakuPackServerNotReady']).toMatch(/\s< 1 for 5m$/);
    const after = expr(
      withMonitoring('staging', {
        alerts: {
          errorRatio: 0.2,
          latencyP99Seconds: 1.5,
          breakerOpenMinutes: 15,
          approvalBacklog: 3,
          gatewayDownMinutes: 1,
          packServerNotReadyMinutes: 30,
        },
      }),
    );
    expect(after['RakuToolErrorRatioHigh']).toMatch(/\s> 0\.2 for 10m$/);
    expect(after['RakuToolLatencyP99High']).toMatch(/\s> 1\.5 for 10m$/);
    expect(after['RakuBreakerOpen']).toMatch(/\s== 2 for 15m$/);
    expect(after['RakuApprovalBacklog']).toMatch(/\s> 3 for 15m$/);
    expect(after['RakuGatewayDown']).toMatch(/ for 1m$/);
    expect(after['RakuPackServerNotReady']).toMatch(/\s< 1 for 30m$/);
  });

  it('adds the zone\u2019s labels to the Operator objects so that its Prometheus selects them', () => {
    const files = rendered(withMonitoring('prod', { labels: { release: 'kube-prometheus-stack' } }), 'prod');
    for (const obj of objects(files, 'monitoring/manifests.yaml'))
      expect(obj['metadata']['labels']['release']).toBe('kube-prometheus-stack');
    expect(
      byKind(files, 'monitoring/dashboard.yaml', 'ConfigMap')['metadata']['labels']['release'],
    ).toBeUndefined();
  });
});

describe('monitoring without the Prometheus Operator', () => {
  const files = rendered(withMonitoring('dev', { prometheusOperator: false }), 'dev');

  it('annotates the gateway pods for scraping and keeps the rules in a rule-file ConfigMap', () => {
    const objs = objects(files, 'monitoring/manifests.yaml');
    expect(objs.map((o) => `${o['apiVersion']} ${o['kind']}`)).toEqual(['v1 ConfigMap']);
    const cm = objs[0] as Obj;
    expect(strictK8sErrors(cm)).toEqual([]);
    const ruleFile = parse(cm['data']['raku-dev.rules.yaml']) as Obj;
    expect(ruleFile['groups'][0]['name']).toBe('raku-dev');
    for (const r of ruleFile['groups'][0]['rules']) expect(promqlErrors(r['expr'])).toEqual([]);
    const pod = byKind(files, 'gateway/manifests.yaml', 'Deployment')['spec']['template']['metadata'];
    expect(pod['annotations']).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '8080',
      'prometheus.io/path': '/metrics',
    });
  });

  it('leaves the gateway pods unannotated with the Operator', () => {
    const pod = byKind(rendered(example, 'dev'), 'gateway/manifests.yaml', 'Deployment')['spec']['template'][
      'metadata'
    ];
    expect(Object.keys(pod['annotations']).filter((k) => k.startsWith('prometheus.io/'))).toEqual([]);
  });
});

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

  it('keeps a uid within Grafana\u2019s 40 characters for a long zone name', async () => {
    const { dashboardUid } = await import('../render/src/generate/monitoring-dashboard.ts');
    const long = 'z'.repeat(63);
    expect(dashboardUid(long)).toHaveLength(40);
    expect(dashboardUid(long)).not.toBe(dashboardUid(`${'z'.repeat(62)}y`));
  });
});

describe('zone.monitoring in validation', () => {
  it('reports bad values with the file, line and field', () => {
    const files = edited('zones/prod.yaml', (d) =>
      d.set(
        'monitoring',
        d.createNode({
          alerts: { errorRatio: 2, breakerOpenMinutes: 0 },
          dashboard: { label: 'not a label!' },
          extra: 1,
        }),
      ),
    );
    const errors = validateRepo(files)
      .diagnostics.filter((d) => d.severity === 'error')
      .map((d) => `${d.file}:${d.line > 0 ? 'L' : '?'} ${d.path}`);
    expect(errors).toEqual([
      'zones/prod.yaml:L monitoring.alerts.errorRatio',
      'zones/prod.yaml:L monitoring.alerts.breakerOpenMinutes',
      'zones/prod.yaml:L monitoring.dashboard.label',
      'zones/prod.yaml:L monitoring.extra',
    ]);
  });
});
