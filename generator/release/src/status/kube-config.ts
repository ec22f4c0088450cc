import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Zone } from '@raku/config';
import { secretEnvName, UserError } from '@raku/config';

/** The zone's kubeconfig: --kubeconfig, else the zone's credentials secret, else the default (KUBECONFIG, ~/.kube/config). */
export async function kubeConfigFor(
  zone: Zone,
  env: Readonly<Record<string, string | undefined>>,
  file: string | undefined,
): Promise<KubeConfig> {
  const kc = new KubeConfig();
  try {
    if (file) {
      kc.loadFromString(await readFile(file, 'utf8'));
    } else if (zone.cluster.credentials) {
      const name = secretEnvName(zone.cluster.credentials);
      const value = env[name];
      if (!value) throw new UserError(`zone ${zone.name}: cluster.credentials is set but ${name} is empty`);
      kc.loadFromString(value);
    } else {
      const kubeconfig = env['KUBECONFIG'] ?? path.join(env['HOME'] ?? '', '.kube', 'config');
      kc.loadFromString(await readFile(kubeconfig, 'utf8'));
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`zone ${zone.name}: no usable kubeconfig (${(err as Error).message})`);
  }
  if (zone.cluster.context) {
    if (!kc.getContexts().some((c) => c.name === zone.cluster.context)) {
      throw new UserError(`zone ${zone.name}: kubeconfig has no context "${zone.cluster.context}"`);
    }
    kc.setCurrentContext(zone.cluster.context);
  }
  // A kubeconfig for another cluster must not make a zone look healthy.
  const server = kc.getCurrentCluster()?.server;
  if (
    zone.cluster.server &&
    server &&
    server.replace(/\/+$/, '') !== zone.cluster.server.replace(/\/+$/, '')
  ) {
    throw new UserError(
      `zone ${zone.name}: the kubeconfig points at ${server}, the zone's cluster.server is ${zone.cluster.server}`,
    );
  }
  return kc;
}

/**
 * A failure to read the cluster as the user-facing error it is: the API server answered with an HTTP error
 * (client-node's ApiException: a numeric `code`, a multi-line message with the headers), or could not be
 * reached (a system error code). One line naming the zone and the server; anything else stays an internal fault.
 */
export function clusterError(zone: string, server: string | undefined, err: unknown): unknown {
  const e = err as { code?: unknown; body?: unknown; message?: string } | undefined;
  const at = `the Kubernetes API${server ? ` at ${server}` : ''}`;
  if (typeof e?.code === 'number') {
    return new UserError(
      `zone ${zone}: ${at} answered HTTP ${e.code}${statusMessage(e.body)} (check the kubeconfig's credentials and their RBAC in the zone's namespace)`,
      { cause: err },
    );
  }
  if (typeof e?.code === 'string' && /^E[A-Z_]+$/.test(e.code)) {
    return new UserError(
      `zone ${zone}: cannot reach ${at} (${e.message ?? e.code}); check the kubeconfig (--kubeconfig, the zone's cluster.credentials, KUBECONFIG) and network access to it`,
      { cause: err },
    );
  }
  return err;
}

/** The `message` of a Kubernetes Status body, else the body's first 200 characters. */
function statusMessage(body: unknown): string {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      value = body;
    }
  }
  const message =
    value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string'
      ? (value as { message: string }).message
      : typeof value === 'string'
        ? value
        : '';
  const line = message.replace(/\s+/g, ' ').trim();
  return line ? `: ${line.length > 200 ? `${line.slice(0, 200)}…` : line}` : '';
}
