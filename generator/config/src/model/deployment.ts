/**
 * The Deployment record: what `raku status` saw deployed in a zone, as it posts it to the gateway's admin API
 * (POST /v1/deployments) and as the gateway stores it. Declared here, below both the release side (which builds
 * and posts records) and the gateway (which validates and stores them). Pure types.
 */

/** How a zone check judged a workload. The admin API's `health` enum is derived from this list. */
export const DEPLOYMENT_HEALTHS = ['healthy', 'degraded', 'unhealthy', 'unknown'] as const;

export type DeploymentHealth = (typeof DEPLOYMENT_HEALTHS)[number];

/** One pack of one workload as seen in a zone: the body of POST /v1/deployments. */
export interface DeploymentRecordInput {
  zone: string;
  /** Workload name (the zone pack entry's group or the pack name, or 'raku-gateway'). */
  workload: string;
  pack: string;
  version: string;
  imageDigest: string | null;
  health: DeploymentHealth;
  revision: string | null;
  /** Free-form detail (replica counts, events) as reported by `raku status`. */
  detail?: unknown;
}
