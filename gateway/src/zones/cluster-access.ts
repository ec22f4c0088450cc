/**
 * Whether and how the gateway reaches the Kubernetes API for deployment logs. The adapter (cluster-logs.ts,
 * with @kubernetes/client-node) is imported only when RAKU_KUBE_ACCESS asks for it.
 */
import type { ClusterAccess, ClusterLogs } from './cluster-types.ts';

/**
 * The cluster access the admin API gets: the logs adapter, or why there is none (no RAKU_KUBE_ACCESS, or a
 * configuration that does not load: the gateway still starts, the logs stream says why).
 */
export async function openClusterLogs(
  access: ClusterAccess | undefined,
): Promise<{ logs: ClusterLogs } | { logs?: undefined; reason: string }> {
  if (!access) {
    return {
      reason:
        'this gateway has no cluster access: set RAKU_KUBE_ACCESS=in-cluster (or kubeconfig) to follow pod events and logs',
    };
  }
  try {
    const { createClusterLogs, loadKubeConfig } = await import('./cluster-logs.ts');
    return { logs: createClusterLogs(loadKubeConfig(access)) };
  } catch (err) {
    return {
      reason: `RAKU_KUBE_ACCESS=${access.mode}: the Kubernetes configuration does not load: ${describeKubeError(err)}`,
    };
  }
}

/** An ApiException's code and the API's message, else the error's message. */
export function describeKubeError(err: unknown): string {
  const e = err as { code?: number; body?: unknown; message?: string };
  if (typeof e.code === 'number') {
    let message = '';
    try {
      const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
      message = (body as { message?: string } | undefined)?.message ?? '';
    } catch {
      // not JSON
    }
    return `HTTP ${e.code}${message ? `: ${message}` : ''}`;
  }
  return e.message ?? String(err);
}
