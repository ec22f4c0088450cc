import { isIP } from 'node:net';
import { HTTP_PORT, type K8sObject, type Meta } from './manifests.ts';

/** Private, loopback, link-local and CGNAT ranges: unreachable unless the zone allows private networks. */
const PRIVATE_V4 = [
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
];
const PRIVATE_V6 = ['fc00::/7', 'fe80::/10'];

const DNS_EGRESS = {
  to: [
    {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    },
  ],
  ports: [
    { protocol: 'UDP', port: 53 },
    { protocol: 'TCP', port: 53 },
  ],
};

/**
 * Egress rules for 'host:port' destinations. NetworkPolicy matches addresses, not names: an IP literal gets
 * its own /32 (/128); a host name opens its port to public addresses only (private ranges excepted unless
 * allowed). The host names go into the `raku.dev/egress-hosts` annotation for FQDN-aware policy engines, and
 * the runtime's own guard confines each pack to its upstream.
 */
export function hostEgress(hosts: readonly string[], allowPrivate: boolean): Record<string, unknown>[] {
  const rules: Record<string, unknown>[] = [];
  const namedPorts = new Set<number>();
  for (const hp of hosts) {
    const i = hp.lastIndexOf(':');
    const host = hp.slice(0, i).replace(/^\[|\]$/g, '');
    const port = Number(hp.slice(i + 1));
    const family = isIP(host);
    if (family !== 0) {
      rules.push({
        to: [{ ipBlock: { cidr: family === 4 ? `${host}/32` : `${host}/128` } }],
        ports: [{ protocol: 'TCP', port }],
      });
    } else {
      namedPorts.add(port);
    }
  }
  if (namedPorts.size > 0) {
    rules.unshift({
      to: [
        { ipBlock: allowPrivate ? { cidr: '0.0.0.0/0' } : { cidr: '0.0.0.0/0', except: PRIVATE_V4 } },
        { ipBlock: allowPrivate ? { cidr: '::/0' } : { cidr: '::/0', except: PRIVATE_V6 } },
      ],
      ports: [...namedPorts].sort((a, b) => a - b).map((port) => ({ protocol: 'TCP', port })),
    });
  }
  return rules;
}

/** A pack server: ingress only from the zone's gateway; egress only to DNS and its upstream hosts. */
export function packServerNetworkPolicy(
  meta: Meta,
  selector: Record<string, string>,
  gatewaySelector: Record<string, string>,
  egressHosts: readonly string[],
  allowPrivate: boolean,
): K8sObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      labels: meta.labels,
      annotations: { ...meta.annotations, 'raku.dev/egress-hosts': egressHosts.join(',') },
    },
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: gatewaySelector } }],
          ports: [{ protocol: 'TCP', port: HTTP_PORT }],
        },
      ],
      egress: [DNS_EGRESS, ...hostEgress(egressHosts, allowPrivate)],
    },
  };
}

/**
 * The gateway: ingress from anywhere on its HTTP port (agents arrive through the cluster's ingress), egress
 * to the zone's pack servers, DNS, Postgres (5432) and the third-party MCP servers of the zone.
 */
export function gatewayNetworkPolicy(
  meta: Meta,
  selector: Record<string, string>,
  remoteHosts: readonly string[],
  allowPrivate: boolean,
): K8sObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      labels: meta.labels,
      annotations: { ...meta.annotations, 'raku.dev/egress-hosts': remoteHosts.join(',') },
    },
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ ports: [{ protocol: 'TCP', port: HTTP_PORT }] }],
      egress: [
        DNS_EGRESS,
        {
          to: [
            {
              podSelector: {
                matchLabels: {
                  'app.kubernetes.io/part-of': 'raku',
                  'app.kubernetes.io/component': 'pack-server',
                },
              },
            },
          ],
          ports: [{ protocol: 'TCP', port: HTTP_PORT }],
        },
        { ports: [{ protocol: 'TCP', port: 5432 }] },
        ...hostEgress(remoteHosts, allowPrivate),
      ],
    },
  };
}

/** Denies all traffic to and from every pod of the namespace that no other policy allows. */
export function defaultDenyNetworkPolicy(namespace: string, labels: Record<string, string>): K8sObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'default-deny', namespace, labels },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  };
}
