import type { DeploymentHealth, DeploymentRecordInput } from '@raku/config';
import type { ExpectedWorkload, ZoneHealth } from './assess-zone.ts';

/** One record per pack of each workload (the gateway's own as pack 'raku-gateway'). Pure. */
export function deploymentRecords(
  health: ZoneHealth,
  expected: readonly ExpectedWorkload[],
  revision: string,
): DeploymentRecordInput[] {
  const out: DeploymentRecordInput[] = [];
  for (const w of health.workloads) {
    const exp = expected.find((e) => e.deployment === w.deployment);
    const state: DeploymentHealth = w.healthy
      ? 'healthy'
      : w.problems.includes('Deployment not found')
        ? 'unknown'
        : w.ready > 0
          ? 'degraded'
          : 'unhealthy';
    const packs =
      exp && exp.packs.length > 0 ? exp.packs : [{ name: w.workload, version: revision.slice(0, 12) }];
    for (const p of packs) {
      out.push({
        zone: health.zone,
        workload: w.workload,
        pack: p.name,
        version: p.version,
        imageDigest: w.runningDigests[0] ?? null,
        health: state,
        revision: w.revision ?? null,
        detail: { desired: w.desired, updated: w.updated, ready: w.ready, problems: w.problems },
      });
    }
  }
  return out;
}

/** Adapter: posts the records to the gateway admin API with a bearer token. */
export async function postDeploymentRecords(
  adminUrl: string,
  token: string,
  records: readonly DeploymentRecordInput[],
  fetchFn: typeof fetch = fetch,
): Promise<void> {
  const url = `${adminUrl.replace(/\/+$/, '')}/v1/deployments`;
  for (const record of records) {
    const res = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(record),
      signal: AbortSignal.timeout(15_000),
    });
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new Error(`POST ${url}: ${res.status} ${text.slice(0, 300)}`);
    }
  }
}
