import { describe, expect, it } from 'vitest';
import { type Edit, editedExample } from '../../../../test/repo-fixture.ts';
import { validateRepo } from '../validate-repo.ts';

const PROD = 'zones/prod.yaml';
const problems = (monitoring: unknown) => {
  const edit: Edit = (d) => d.set('monitoring', d.createNode(monitoring));
  return validateRepo(editedExample(PROD, edit))
    .diagnostics.filter((d) => d.rule.startsWith('monitoring') || d.rule === 'schema')
    .map((d) => `${d.severity} ${d.file}:${d.line > 0 ? 'L' : '?'} ${d.path} ${d.rule}: ${d.message}`);
};

describe('zone monitoring rules', () => {
  it('accepts the settings it documents', () => {
    expect(
      problems({
        prometheusOperator: true,
        labels: { release: 'kube-prometheus-stack' },
        alerts: { errorRatio: 0.1, latencyP99Seconds: 2.5, breakerOpenMinutes: 10 },
        dashboard: { namespace: 'monitoring', label: 'grafana_dashboard', labelValue: '1' },
      }),
    ).toEqual([]);
  });

  it('refuses a label that would replace one of Raku\u2019s own, naming the field', () => {
    expect(problems({ labels: { 'app.kubernetes.io/managed-by': 'helm', team: 'platform' } })).toEqual([
      `error ${PROD}:L monitoring.labels["app.kubernetes.io/managed-by"] monitoring-labels: label "app.kubernetes.io/managed-by" is one Raku sets itself; use a label outside app.kubernetes.io/ (kube-prometheus-stack selects "release")`,
    ]);
  });

  it('warns of settings nothing would use', () => {
    expect(
      problems({
        prometheusOperator: false,
        labels: { release: 'prom' },
        dashboard: { enabled: false, namespace: 'grafana' },
      }),
    ).toEqual([
      `warning ${PROD}:L monitoring.labels monitoring-unused: labels go on the ServiceMonitor and PrometheusRule, which are not generated when prometheusOperator is false`,
      `warning ${PROD}:L monitoring.dashboard.namespace monitoring-unused: namespace has no effect: the dashboard is not generated (enabled: false)`,
    ]);
  });
});
