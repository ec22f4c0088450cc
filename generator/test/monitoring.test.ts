/**
 * Monitoring generated per zone (zone.monitoring): the ServiceMonitor and PrometheusRule validate strictly
 * against the Prometheus Operator's models, every alert expression parses with Prometheus's own PromQL grammar,
 * and the zone's settings (thresholds, labels, no Operator) reach the output. The dashboard:
 * monitoring-dashboard.test.ts; the rules run by Prometheus: monitoring-promtool.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { RepoModel } from '../config/src/model/types.ts';
import { validateRepo } from '../config/src/validate/validate-repo.ts';
import { TOOL_CALL_ERROR_STATUSES } from '../render/src/generate/monitoring-alerts.ts';
import { strictK8sErrors } from './support/k8s-strict-schema.ts';
import {
  byKind,
  edited,
  example,
  type Obj,
  objects,
  promqlErrors,
  rendered,
  withMonitoring,
  ZONES,
} from './support/monitoring-fixture.ts';
import { strictPrometheusOperatorErrors } from './support/prometheus-operator-strict.ts';

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
