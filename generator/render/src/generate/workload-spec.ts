import type { Autoscaling, BaseImage, Pack, Resources, SecretRef, Zone } from '@raku/config';
import { secretEnvName, UserError } from '@raku/config';
import type { Workload } from '../bundle/workloads.ts';
import type { WorkloadImage } from './render-zone.ts';

/** Defaults for a pod when neither the zone nor the pack says otherwise. */
export const DEFAULT_RESOURCES = {
  requests: { cpu: '50m', memory: '64Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
} as const;
export const DEFAULT_REPLICAS = 2;
export const DEFAULT_TARGET_CPU = 75;
/** Used when a zone has no baseImages at all; by tag, so the plan flags it. */
export const FALLBACK_BASE_IMAGE: BaseImage = { image: 'docker.io/library/node', tag: '24-alpine' };

export interface EnvEntry {
  name: string;
  value?: string;
  secret?: { name: string; key: string; optional?: boolean };
}

/** Everything the manifests of one pack-server workload need, with the zone's overrides applied. */
export interface WorkloadSpec {
  name: string;
  packs: { name: string; version: string; file: string; json: string }[];
  minReplicas: number;
  maxReplicas: number;
  targetCPUUtilization: number;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  baseImage: BaseImage;
  baseImageName: string;
  image: { ref: string; pinned: 'digest' | 'tag' };
  /** host:port pairs the pods may reach besides DNS. */
  egress: string[];
  env: EnvEntry[];
}

/** Merges the zone entries and packs of a workload. Groups take each override from the first entry (by pack name) that sets it. */
export function workloadSpec(
  zone: Zone,
  workload: Workload,
  image: WorkloadImage | undefined,
  revision: string,
): WorkloadSpec {
  const entries = workload.packs.map((p) => p.entry);
  const packs = workload.packs.map((p) => p.pack.value);
  const first = <T>(pick: (i: number) => T | undefined): T | undefined => {
    for (let i = 0; i < workload.packs.length; i++) {
      const v = pick(i);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const replicas = first((i) => entries[i]?.replicas ?? packs[i]?.runtime?.replicas) ?? DEFAULT_REPLICAS;
  const autoscaling: Autoscaling =
    first((i) => entries[i]?.autoscaling ?? packs[i]?.runtime?.autoscaling) ?? ({} as Autoscaling);
  const resources = first((i) => entries[i]?.resources ?? packs[i]?.runtime?.resources);
  const imageNames = new Set(
    workload.packs.map((p) => p.entry.baseImage ?? p.pack.value.runtime?.baseImage ?? 'default'),
  );
  if (imageNames.size > 1) {
    throw new UserError(
      `zone "${zone.name}": packs of group "${workload.name}" ask for different base images (${[...imageNames].sort().join(', ')})`,
    );
  }
  const baseImageName = [...imageNames][0] ?? 'default';
  const minReplicas = autoscaling.minReplicas ?? replicas;
  const egress = new Set<string>();
  for (const pack of packs) {
    // The zone entry's baseUrl is already in place (resolveZone → packInZone).
    const url = pack.upstream.baseUrls?.[zone.environment];
    if (!url) {
      throw new UserError(
        `pack "${pack.name}" has no upstream.baseUrls.${zone.environment} and zone "${zone.name}" gives no baseUrl for it`,
      );
    }
    egress.add(hostPort(url));
    if (pack.upstream.auth?.tokenUrl) egress.add(hostPort(pack.upstream.auth.tokenUrl));
  }
  for (const entry of entries) for (const h of entry.egress ?? []) egress.add(withPort(h));
  for (const h of zone.network?.egress ?? []) egress.add(withPort(h));

  return {
    name: workload.name,
    packs: workload.packs.map((p) => ({
      name: p.pack.value.name,
      version: p.pack.value.version,
      file: p.pack.file,
      json: `${JSON.stringify(p.pack.value, null, 2)}\n`,
    })),
    minReplicas,
    maxReplicas: Math.max(minReplicas, autoscaling.maxReplicas ?? minReplicas * 3),
    targetCPUUtilization: autoscaling.targetCPUUtilization ?? DEFAULT_TARGET_CPU,
    resources: mergeResources(resources),
    baseImage: zoneBaseImage(zone, baseImageName),
    baseImageName,
    image: imageRef(zone, workload.name, image, defaultTag(revision)),
    egress: [...egress].sort(),
    env: packEnv(packs),
  };
}

export function zoneBaseImage(zone: Zone, name: string): BaseImage {
  if (!zone.baseImages) return FALLBACK_BASE_IMAGE;
  const image = zone.baseImages[name];
  if (!image) throw new UserError(`zone "${zone.name}": base image "${name}" is not in baseImages`);
  return image;
}

export function baseImageRef(image: BaseImage): string {
  return `${image.image}${image.tag ? `:${image.tag}` : ''}${image.digest ? `@${image.digest}` : ''}`;
}

/** The image a workload runs: the release step's image when given (by digest if known), else the zone registry by tag. */
export function imageRef(
  zone: Zone,
  workload: string,
  image: WorkloadImage | undefined,
  fallbackTag: string,
): WorkloadSpec['image'] {
  const repository = image?.repository ?? `${zone.registry.host}/${zone.registry.repository}/${workload}`;
  if (image?.digest) return { ref: `${repository}@${image.digest}`, pinned: 'digest' };
  return { ref: `${repository}:${image?.tag ?? fallbackTag}`, pinned: 'tag' };
}

/**
 * Without a build record the image is referenced by the tag `raku build` pushes for every image of a
 * revision ('rev-<first 12>'), so the reference exists once the build ran.
 */
export function defaultTag(revision: string): string {
  return revisionTag(revision) ?? 'latest';
}

/** 'rev-<first 12 characters>' of a revision, made tag-safe; undefined for an empty revision. */
export function revisionTag(revision: string): string | undefined {
  const safe = revision.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 12);
  return safe ? `rev-${safe}` : undefined;
}

function mergeResources(r: Resources | undefined): WorkloadSpec['resources'] {
  return {
    requests: { ...DEFAULT_RESOURCES.requests, ...r?.requests },
    limits: { ...DEFAULT_RESOURCES.limits, ...r?.limits },
  };
}

function packEnv(packs: Pack[]): EnvEntry[] {
  const env = new Map<string, EnvEntry>();
  const secret = (ref: SecretRef | undefined) => {
    if (ref) env.set(secretEnvName(ref), { name: secretEnvName(ref), secret: { ...ref.secretRef } });
  };
  for (const pack of packs) {
    const auth = pack.upstream.auth;
    if (auth)
      for (const ref of [
        auth.key,
        auth.token,
        auth.username,
        auth.password,
        auth.clientId,
        auth.clientSecret,
        auth.accessKeyId,
        auth.secretAccessKey,
        auth.sessionToken,
      ])
        secret(ref);
    for (const e of pack.runtime?.env ?? []) {
      const prev = env.get(e.name);
      const next: EnvEntry = e.secretRef
        ? { name: e.name, secret: { ...e.secretRef } }
        : { name: e.name, value: e.value ?? '' };
      if (prev && JSON.stringify(prev) !== JSON.stringify(next)) {
        throw new UserError(
          `packs sharing a workload set environment variable "${e.name}" differently (pack "${pack.name}")`,
        );
      }
      env.set(e.name, next);
    }
  }
  return [...env.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** 'https://api.github.com/x' → 'api.github.com:443'. */
export function hostPort(url: string): string {
  const u = new URL(url);
  const port = u.port || (u.protocol === 'http:' ? '80' : '443');
  return `${u.hostname}:${port}`;
}

function withPort(host: string): string {
  return /:\d+$/.test(host) ? host : `${host}:443`;
}
