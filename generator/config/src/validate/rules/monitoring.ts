import type { Rule } from './context.ts';

/** Labels Raku sets on every object it renders; a zone's monitoring labels may not replace them. */
const RESERVED_LABEL_PREFIX = 'app.kubernetes.io/';

/**
 * zone.monitoring holds together: its labels leave Raku's own `app.kubernetes.io/` labels alone (plan,
 * status and the ServiceMonitor's selector rely on them), and a setting that nothing would use (labels
 * without the Prometheus Operator, dashboard settings with the dashboard off) is a warning, not silence.
 */
export const zoneMonitoring: Rule = (ctx) => {
  for (const { file, value: zone } of ctx.model.zones) {
    const monitoring = zone.monitoring;
    if (!monitoring) continue;
    for (const key of Object.keys(monitoring.labels ?? {})) {
      if (!key.startsWith(RESERVED_LABEL_PREFIX)) continue;
      ctx.report(
        file,
        ['monitoring', 'labels', key],
        'monitoring-labels',
        `label "${key}" is one Raku sets itself; use a label outside ${RESERVED_LABEL_PREFIX} (kube-prometheus-stack selects "release")`,
      );
    }
    if (monitoring.prometheusOperator === false && monitoring.labels !== undefined) {
      ctx.report(
        file,
        ['monitoring', 'labels'],
        'monitoring-unused',
        'labels go on the ServiceMonitor and PrometheusRule, which are not generated when prometheusOperator is false',
        'warning',
      );
    }
    const dashboard = monitoring.dashboard;
    if (dashboard?.enabled === false) {
      for (const key of ['namespace', 'label', 'labelValue'] as const) {
        if (dashboard[key] === undefined) continue;
        ctx.report(
          file,
          ['monitoring', 'dashboard', key],
          'monitoring-unused',
          `${key} has no effect: the dashboard is not generated (enabled: false)`,
          'warning',
        );
      }
    }
  }
};
