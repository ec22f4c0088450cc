import type { RepoModel } from '../model/types.ts';
import type { ChangeSet } from './change-set.ts';

/** An image the release step built for a workload (pack server, or 'raku-gateway'). */
export interface WorkloadImage {
  /** Registry and repository, e.g. ghcr.io/acme/raku/petstore. */
  repository: string;
  /** sha256:… — when given, manifests reference the image by digest. */
  digest?: string;
  /** Used when there is no digest (the plan marks such images as "by tag"). */
  tag?: string;
}

export interface RenderZoneOptions {
  /** Config revision (git commit) written into annotations and the gateway bundle. */
  revision: string;
  /** Images per workload name (the zone pack entry's group or pack name; 'raku-gateway' for the gateway). */
  images?: Record<string, WorkloadImage>;
}

/**
 * Renders everything one zone runs: per pack-server workload a Dockerfile and its manifests, the gateway's
 * manifests with the bundle, the Namespace and a kustomization.yaml. Paths are relative to the zone's
 * output folder. Pure and deterministic.
 */
export function renderZone(model: RepoModel, zoneName: string, opts: RenderZoneOptions): ChangeSet {
  void model;
  void zoneName;
  void opts;
  throw new Error('renderZone: not implemented yet');
}
