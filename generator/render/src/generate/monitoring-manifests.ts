/**
 * The zone's monitoring objects (zone.monitoring): with the Prometheus Operator (the default) a ServiceMonitor
 * for the gateway and a PrometheusRule; without it, scrape annotations on the gateway's pods and the same rules
 * in a ConfigMap in Prometheus's rule-file format. Either way a Grafana dashboard ConfigMap carrying the label
 * the Grafana Helm chart's dashboard sidecar watches. Pack servers are not scraped (their NetworkPolicy admits
 * only the gateway); the gateway's metrics name the pack of every call, and kube-state-metrics their readiness.
 */
import type { Zone } from '@raku/config';
import { GATEWAY_NAME } from '../bundle/workloads.ts';
import { HTTP_PORT, type K8sObject, selectorLabels, standardLabels } from './manifests.ts';
import { alertRuleGroup, alertThresholds, type MonitoredZone } from './monitoring-alerts.ts';
import { zoneDashboard } from './monitoring-dashboard.ts';
import { emitYaml, emitYamlDocuments } from './yaml-emit.ts';

export const METRICS_PATH = '/metrics';
/** The Grafana Helm chart's default sidecar label (sidecar.dashboards.label / labelValue). */
export const DEFAULT_DASHBOARD_LABEL = 'grafana_dashboard';
export const DEFAULT_DASHBOARD_LABEL_VALUE = '1';
/** Copied from the gateway pods onto every scraped series; the alerts select the zone's gateway by it. */
const INSTANCE_LABEL = 'app.kubernetes.io/instance';

export interface MonitoringFiles {
  /** Paths (relative to the zone's folder) and contents, the header and annotations already applied. */
  files: [string, string][];
  /** The files the zone's kustomization lists. */
  resources: string[];
  /** The dashboard lives outside the zone's namespace: the kustomization must not force one namespace. */
  crossNamespace: boolean;
}

/** Whether the zone is monitored through the Prometheus Operator's objects (default) or scrape annotations. */
export function usesPrometheusOperator(zone: Zone): boolean {
  return zone.monitoring?.prometheusOperator !== false;
}

/** Pod-template annotations of the gateway: Prometheus's scrape annotations when there is no Operator. */
export function gatewayScrapeAnnotations(zone: Zone): Record<string, string> {
  if (usesPrometheusOperator(zone)) return {};
  return {
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': String(HTTP_PORT),
    'prometheus.io/path': METRICS_PATH,
  };
}

/**
 * The monitoring files of a zone. `header` starts every file; `annotations` go on every object (source files
 * and config revision, like the zone's other objects); `packServers` are the zone's pack-server Deployments.
 */
export function renderMonitoring(
  zone: Zone,
  packServers: string[],
  header: string,
  annotations: Record<string, string>,
): MonitoringFiles {
  const gatewayLabels = standardLabels({ name: GATEWAY_NAME, zone: zone.name, component: 'gateway' });
  const target: MonitoredZone = {
    zone: zone.name,
    namespace: zone.namespace,
    gatewayInstance: gatewayLabels[INSTANCE_LABEL] ?? '',
    packServers: [...packServers].sort(),
  };
  const thresholds = alertThresholds(zone.monitoring?.alerts);
  const group = alertRuleGroup(target, thresholds);
  const labels = { ...gatewayLabels, 'app.kubernetes.io/component': 'monitoring' };
  const operatorLabels = { ...labels, ...zone.monitoring?.labels };
  const metadata = (name: string, extra: Record<string, string> = labels, namespace = zone.namespace) => ({
    name,
    namespace,
    labels: extra,
    annotations,
  });
  const objects: K8sObject[] = usesPrometheusOperator(zone)
    ? [
        {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'ServiceMonitor',
          metadata: metadata(GATEWAY_NAME, operatorLabels),
          spec: {
            selector: { matchLabels: selectorLabels(gatewayLabels) },
            namespaceSelector: { matchNames: [zone.namespace] },
            podTargetLabels: [INSTANCE_LABEL],
            endpoints: [{ port: 'http', path: METRICS_PATH, interval: '30s', scrapeTimeout: '10s' }],
          },
        },
        {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'PrometheusRule',
          metadata: metadata(`raku-${zone.name}`, operatorLabels),
          spec: { groups: [group] },
        },
      ]
    : [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: metadata(`raku-${zone.name}-prometheus-rules`),
          data: { [`raku-${zone.name}.rules.yaml`]: emitYaml({ groups: [group] }) },
        },
      ];
  const files: [string, string][] = [['monitoring/manifests.yaml', header + emitYamlDocuments(objects)]];
  const dashboard = zone.monitoring?.dashboard;
  const namespace = dashboard?.namespace ?? zone.namespace;
  if (dashboard?.enabled !== false) {
    const sidecar = {
      [dashboard?.label ?? DEFAULT_DASHBOARD_LABEL]: dashboard?.labelValue ?? DEFAULT_DASHBOARD_LABEL_VALUE,
    };
    const configMap: K8sObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: metadata(`raku-${zone.name}-dashboard`, { ...labels, ...sidecar }, namespace),
      data: { [`raku-${zone.name}.json`]: `${JSON.stringify(zoneDashboard(target, thresholds), null, 2)}\n` },
    };
    files.push(['monitoring/dashboard.yaml', header + emitYamlDocuments([configMap])]);
  }
  return {
    files,
    resources: files.map(([file]) => file),
    crossNamespace: dashboard?.enabled !== false && namespace !== zone.namespace,
  };
}
