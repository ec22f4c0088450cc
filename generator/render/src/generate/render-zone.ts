import { createHash } from 'node:crypto';
import type { RepoModel, Zone } from '@raku/config';
import { sha256Hex, UserError } from '@raku/config';
import { buildBundle, serialiseBundle } from '../bundle/build-bundle.ts';
import type { GatewayBundle } from '../bundle/types.ts';
import { GATEWAY_NAME, resolveZone, type Workload } from '../bundle/workloads.ts';
import { type ChangeSet, changeSet } from './change-set.ts';
import { type DockerInstruction, renderDockerfile } from './dockerfile.ts';
import {
  configMap,
  deployment,
  horizontalPodAutoscaler,
  type K8sObject,
  type Meta,
  podDisruptionBudget,
  REVISION_ANNOTATION,
  RUNTIME_UID,
  selectorLabels,
  service,
  serviceAccount,
  standardLabels,
} from './manifests.ts';
import { gatewayScrapeAnnotations, renderMonitoring } from './monitoring-manifests.ts';
import { defaultDenyNetworkPolicy, gatewayNetworkPolicy, packServerNetworkPolicy } from './network-policy.ts';
import { nodeHeapOptions } from './node-heap.ts';
import {
  baseImageRef,
  defaultTag,
  type EnvEntry,
  hostPort,
  imageRef,
  workloadSpec,
  zoneBaseImage,
} from './workload-spec.ts';
import { emitYaml, emitYamlDocuments } from './yaml-emit.ts';

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
  /**
   * Source revision (the git commit rendered). It names the image tag of workloads without a build record
   * ('rev-<first 12>'); everything else records the zone's config revision instead (see {@link CONFIG_REVISION_PLACEHOLDER}).
   */
  revision: string;
  /** Images per workload name (the zone pack entry's group or pack name; 'raku-gateway' for the gateway). */
  images?: Record<string, WorkloadImage>;
  /**
   * Rendered files per workload, keyed by a hash of everything they depend on. Pass the same map to later
   * calls (other zones, a second run) to skip re-rendering workloads whose inputs did not change.
   */
  cache?: RenderCache;
}

export type RenderCache = Map<string, [string, string][]>;

/** Bump when the rendered output changes for the same inputs, so stale cache entries are never used. */
const RENDERER_VERSION = 1;
/** Kubernetes refuses ConfigMaps over 1 MiB (data and metadata together); keep a margin for metadata. */
const MAX_CONFIGMAP_DATA = 1_000_000;

export const PACKS_MOUNT = '/etc/raku/packs';
export const BUNDLE_MOUNT = '/etc/raku/bundle';

/**
 * Stands for the zone's config revision while the zone is rendered: the files are rendered with it, hashed,
 * and every occurrence is then replaced by the hash. So the config revision is a digest of what the zone runs —
 * a commit that changes nothing in a zone (a README, another zone, an unused pack) leaves its files byte for
 * byte the same, its rollout pull request untouched and its promotion gate satisfied. That holds for images
 * pinned by digest (a rollout always is); an image referenced by tag names the commit ('rev-<first 12>'), so
 * without a build record each commit moves it. The placeholder has the length and character class of the real
 * value, so YAML quotes and folds both the same way.
 */
export const CONFIG_REVISION_PLACEHOLDER = `sha256:${'raku-config-revision'.padEnd(64, '-')}`;

/**
 * Renders everything one zone runs: per pack-server workload a Dockerfile and its manifests, the gateway's
 * manifests with the bundle, the Namespace (restricted Pod Security) and a kustomization.yaml. Paths are
 * relative to the zone's output folder. Every file records the zone's config revision ('sha256:<hex>' of the
 * rendered files; {@link configRevision} reads it back). Pure and deterministic (the cache only saves work).
 */
export function renderZone(model: RepoModel, zoneName: string, opts: RenderZoneOptions): ChangeSet {
  const { zone: loadedZone, workloads } = resolveZone(model, zoneName);
  const zone = loadedZone.value;
  const files: [string, string][] = [];
  const resources: string[] = ['namespace.yaml', 'gateway/manifests.yaml'];
  for (const workload of workloads) {
    const image = opts.images?.[workload.name];
    // Without a cache the key is not worth computing (it serialises and hashes every pack once more).
    // Plain JSON.stringify (not canonical): the same loaded model always serialises the same way.
    const key =
      opts.cache &&
      sha256Hex(
        JSON.stringify({
          v: RENDERER_VERSION,
          revision: opts.revision,
          zone: { ...zone, packs: undefined, remotes: undefined, gateway: undefined },
          zoneFile: loadedZone.file,
          packs: workload.packs,
          image,
        }),
      );
    let rendered = key === undefined ? undefined : opts.cache?.get(key);
    if (!rendered) {
      rendered = renderPackServer(zone, loadedZone.file, workload, image, opts.revision);
      if (key !== undefined) opts.cache?.set(key, rendered);
    }
    files.push(...rendered);
    resources.push(`pack-servers/${workload.name}/manifests.yaml`);
  }
  const gateway = renderGateway(model, zone, loadedZone.file, opts);
  files.push(...gateway.withoutPipeline);
  const monitoring = renderMonitoring(
    zone,
    workloads.map((w) => `${w.name}-mcp`),
    header(zone),
    baseAnnotations([loadedZone.file]),
  );
  files.push(...monitoring.files);
  resources.push(...monitoring.resources);
  files.push(['namespace.yaml', header(zone) + emitYamlDocuments(namespaceObjects(zone))]);
  files.push([
    'kustomization.yaml',
    header(zone) +
      emitYaml({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        // Every object names its namespace; forcing the zone's would move a dashboard meant for Grafana's.
        ...(!monitoring.crossNamespace && { namespace: zone.namespace }),
        resources: resources.sort(),
      }),
  ]);
  const stamped = stampConfigRevision(changeSet(files));
  // The bundle's pipeline (what every zone should run, for GET /v1/zones) is added after the digest: another
  // zone's edit must not move this zone's config revision.
  const revision = configRevision(stamped);
  for (const [file, content] of gateway.withPipeline())
    stamped.set(file, content.replaceAll(CONFIG_REVISION_PLACEHOLDER, revision));
  return stamped;
}

/**
 * A digest of everything renderZone's output for `zoneName` depends on: the renderer version, the zone's name,
 * its images, the whole model (given as its digest, `modelDigest` = sha256 of `JSON.stringify(model)`: the
 * gateway bundle's pipeline reads every zone), and the source revision when an image is referenced by the tag
 * it names. Two calls with equal keys render byte-identical change sets, so a caller that kept the files of an
 * earlier render under the same key may skip rendering. A revision that names no image (every image pinned by
 * digest or given a tag) is left out, so a new commit that changes nothing in a pinned zone keeps its key.
 */
export function zoneRenderKey(
  model: RepoModel,
  modelDigest: string,
  zoneName: string,
  opts: Pick<RenderZoneOptions, 'revision' | 'images'>,
): string {
  const images = opts.images ?? {};
  const byTag = (name: string) => !images[name]?.digest && !images[name]?.tag;
  const namesRevision =
    byTag(GATEWAY_NAME) || resolveZone(model, zoneName).workloads.some((w) => byTag(w.name));
  return sha256Hex(
    JSON.stringify({
      v: RENDERER_VERSION,
      model: modelDigest,
      zone: zoneName,
      images,
      tag: namesRevision ? defaultTag(opts.revision) : null,
    }),
  );
}

/** Replaces the placeholder in every file by the digest of all files as rendered with it. */
function stampConfigRevision(rendered: ChangeSet): ChangeSet {
  const hash = createHash('sha256');
  // Three updates rather than one concatenated string: the same bytes, without copying every file once more.
  for (const [p, content] of rendered) hash.update(p).update('\0').update(content).update('\0');
  const revision = `sha256:${hash.digest('hex')}`;
  const out: ChangeSet = new Map();
  for (const [p, content] of rendered) out.set(p, content.replaceAll(CONFIG_REVISION_PLACEHOLDER, revision));
  return out;
}

/** The config revision a rendered zone records (annotation raku.dev/config-revision), or '' when none does. */
export function configRevision(cs: ReadonlyMap<string, string>): string {
  for (const [file, content] of cs) {
    if (!file.endsWith('.yaml')) continue;
    const m = /raku\.dev\/config-revision: "?([^"\n]+)"?\n/.exec(content);
    if (m) return m[1] as string;
  }
  return '';
}

/**
 * A revision short enough for a sentence: a commit's first 12 hex digits, a config revision's 'sha256:' and
 * first 12; anything else (a label) as it is.
 */
export function shortRevision(revision: string): string {
  if (/^[0-9a-f]{40}$/.test(revision)) return revision.slice(0, 12);
  if (/^sha256:[0-9a-f]{64}$/.test(revision)) return revision.slice(0, 19);
  return revision;
}

function header(zone: Zone): string {
  return `# Generated by raku for zone ${zone.name} at config revision ${CONFIG_REVISION_PLACEHOLDER}. Do not edit: change packs/, zones/ or policies/ and generate again.\n`;
}

function baseAnnotations(sources: string[]): Record<string, string> {
  return { 'raku.dev/source-files': sources.join(','), [REVISION_ANNOTATION]: CONFIG_REVISION_PLACEHOLDER };
}

function renderPackServer(
  zone: Zone,
  zoneFile: string,
  workload: Workload,
  image: WorkloadImage | undefined,
  revision: string,
): [string, string][] {
  const spec = workloadSpec(zone, workload, image, revision);
  const name = `${spec.name}-mcp`;
  const labels = standardLabels({
    name,
    zone: zone.name,
    component: 'pack-server',
    ...(spec.packs.length === 1 && { version: spec.packs[0]?.version ?? '' }),
  });
  const sources = [...spec.packs.map((p) => p.file), zoneFile];
  const meta: Meta = {
    name,
    namespace: zone.namespace,
    labels,
    annotations: { ...baseAnnotations(sources), 'raku.dev/image-pinned': spec.image.pinned },
  };
  const selector = selectorLabels(labels);
  const data = Object.fromEntries(spec.packs.map((p) => [`${p.name}.json`, p.json]));
  checkConfigMapSize(zone, `${name}-packs`, data);
  const env: EnvEntry[] = [
    ...runtimeEnv(
      zone,
      'pack-server',
      spec.env.some((e) => e.name === 'NODE_OPTIONS') ? undefined : spec.resources.limits['memory'],
    ),
    { name: 'RAKU_PACKS_DIR', value: PACKS_MOUNT },
    ...spec.env,
  ];
  const objects: K8sObject[] = [
    serviceAccount(meta),
    configMap({ ...meta, name: `${name}-packs` }, data),
    deployment(meta, selector, {
      serviceAccountName: name,
      image: spec.image.ref,
      env,
      resources: spec.resources,
      config: { configMap: `${name}-packs`, mountPath: PACKS_MOUNT, items: Object.keys(data) },
      podAnnotations: { 'raku.dev/config-hash': sha256Hex(JSON.stringify(Object.entries(data))) },
    }),
    service(meta, selector),
    horizontalPodAutoscaler(meta, name, {
      min: spec.minReplicas,
      max: spec.maxReplicas,
      cpu: spec.targetCPUUtilization,
    }),
    podDisruptionBudget(meta, selector),
    packServerNetworkPolicy(
      meta,
      selector,
      gatewaySelector(zone),
      spec.egress,
      zone.network?.allowPrivateNetworks === true,
    ),
  ];
  const dockerfile: DockerInstruction[] = [
    {
      op: 'comment',
      text: `Generated by raku from ${sources.join(', ')} at config revision ${CONFIG_REVISION_PLACEHOLDER}. Do not edit.`,
    },
    {
      op: 'comment',
      text: `Build context: the runtime bundle as gateway.mjs with its chunks/ and ${spec.packs.map((p) => `packs/${p.name}.json`).join(', ')}.`,
    },
    { op: 'FROM', image: baseImageRef(spec.baseImage) },
    { op: 'WORKDIR', path: '/app' },
    { op: 'COPY', sources: ['gateway.mjs'], dest: '/app/gateway.mjs' },
    { op: 'COPY', sources: ['chunks'], dest: '/app/chunks' },
    ...spec.packs.map(
      (p): DockerInstruction => ({
        op: 'COPY',
        sources: [`packs/${p.name}.json`],
        dest: `/app/packs/${p.name}.json`,
      }),
    ),
    {
      op: 'ENV',
      vars: [
        ['NODE_ENV', 'production'],
        ['RAKU_ROLE', 'pack-server'],
        ['RAKU_PACKS_DIR', '/app/packs'],
      ],
    },
    // The source revision, creation time and base digest are labelled at build time (`raku build` passes
    // them to buildx), so this file changes only when what the image holds changes.
    { op: 'LABEL', labels: [['dev.raku.packs', spec.packs.map((p) => `${p.name}@${p.version}`).join(',')]] },
    { op: 'USER', uid: RUNTIME_UID, gid: RUNTIME_UID },
    { op: 'EXPOSE', port: 8080 },
    { op: 'ENTRYPOINT', argv: ['node', '/app/gateway.mjs'] },
  ];
  const dir = `pack-servers/${spec.name}`;
  return [
    [`${dir}/Dockerfile`, renderDockerfile(dockerfile)],
    [`${dir}/manifests.yaml`, header(zone) + emitYamlDocuments(objects)],
  ];
}

/**
 * The gateway's files twice over one bundle build: without the bundle's pipeline (what the config revision
 * digests) and, on demand, with it (what is written).
 */
function renderGateway(
  model: RepoModel,
  zone: Zone,
  zoneFile: string,
  opts: RenderZoneOptions,
): { withoutPipeline: [string, string][]; withPipeline: () => [string, string][] } {
  const { pipeline, ...rest } = buildBundle(model, zone.name, { revision: CONFIG_REVISION_PLACEHOLDER });
  // The bundle without its revision: a new commit that changes nothing the gateway serves restarts no pod.
  // Nor does a change of the pipeline alone: the gateway rereads its mounted bundle.
  const bundleHash = sha256Hex(JSON.stringify({ ...rest, revision: '' }));
  return {
    withoutPipeline: renderGatewayFiles(model, zone, zoneFile, opts, rest, bundleHash),
    withPipeline: () => renderGatewayFiles(model, zone, zoneFile, opts, { ...rest, pipeline }, bundleHash),
  };
}

function renderGatewayFiles(
  model: RepoModel,
  zone: Zone,
  zoneFile: string,
  opts: RenderZoneOptions,
  bundle: GatewayBundle,
  bundleHash: string,
): [string, string][] {
  const bundleJson = serialiseBundle(bundle);
  const labels = standardLabels({ name: GATEWAY_NAME, zone: zone.name, component: 'gateway' });
  const packFiles = new Set(bundle.tools.flatMap((t) => (t.source.kind === 'pack' ? [t.source.pack] : [])));
  const sources = [
    zoneFile,
    ...model.packs.filter((p) => packFiles.has(p.value.name)).map((p) => p.file),
    ...model.policies.map((p) => p.file),
  ].sort();
  const spec = zone.gateway ?? {};
  const baseImage = zoneBaseImage(zone, spec.baseImage ?? 'default');
  const image = imageRef(zone, GATEWAY_NAME, opts.images?.[GATEWAY_NAME], defaultTag(opts.revision));
  const meta: Meta = {
    name: GATEWAY_NAME,
    namespace: zone.namespace,
    labels,
    annotations: { ...baseAnnotations(sources), 'raku.dev/image-pinned': image.pinned },
  };
  const selector = selectorLabels(labels);
  const data = { 'bundle.json': bundleJson };
  checkConfigMapSize(zone, `${GATEWAY_NAME}-bundle`, data);
  const remoteEnv: EnvEntry[] = bundle.remotes.flatMap((r) =>
    r.auth.type !== 'none' && r.auth.secretRef && r.auth.secretEnv
      ? [{ name: r.auth.secretEnv, secret: { ...r.auth.secretRef } }]
      : [],
  );
  const limits = { ...GATEWAY_LIMITS, ...spec.resources?.limits };
  const env: EnvEntry[] = [
    ...runtimeEnv(zone, 'gateway', limits.memory),
    { name: 'RAKU_BUNDLE', value: `${BUNDLE_MOUNT}/bundle.json` },
    // Optional: without the Secret the gateway uses its embedded database.
    { name: 'DATABASE_URL', secret: { name: `${GATEWAY_NAME}-database`, key: 'url', optional: true } },
    ...dedupe(remoteEnv),
  ];
  const min = spec.autoscaling?.minReplicas ?? spec.replicas ?? 2;
  // The gateway reads the third-party servers and the A2A packs' Agent Cards (held to their reviewed hash).
  const cardUrls = bundle.routes.flatMap((r) =>
    r.targets.flatMap((t) => (t.kind === 'pack' && t.a2aCard ? [t.a2aCard.url] : [])),
  );
  const remoteHosts = [...new Set([...bundle.remotes.map((r) => r.url), ...cardUrls].map(hostPort))].sort();
  const objects: K8sObject[] = [
    serviceAccount(meta),
    configMap({ ...meta, name: `${GATEWAY_NAME}-bundle` }, data),
    deployment(meta, selector, {
      serviceAccountName: GATEWAY_NAME,
      image: image.ref,
      env,
      resources: {
        requests: { cpu: '100m', memory: '128Mi', ...spec.resources?.requests },
        limits,
      },
      config: { configMap: `${GATEWAY_NAME}-bundle`, mountPath: BUNDLE_MOUNT, items: ['bundle.json'] },
      podAnnotations: { 'raku.dev/config-hash': bundleHash, ...gatewayScrapeAnnotations(zone) },
    }),
    service(meta, selector),
    horizontalPodAutoscaler(meta, GATEWAY_NAME, {
      min,
      max: Math.max(min, spec.autoscaling?.maxReplicas ?? min * 3),
      cpu: spec.autoscaling?.targetCPUUtilization ?? 75,
    }),
    podDisruptionBudget(meta, selector),
    gatewayNetworkPolicy(meta, selector, remoteHosts, zone.network?.allowPrivateNetworks === true),
  ];
  const dockerfile: DockerInstruction[] = [
    {
      op: 'comment',
      text: `Generated by raku for zone ${zone.name} at config revision ${CONFIG_REVISION_PLACEHOLDER}. Do not edit.`,
    },
    {
      op: 'comment',
      text: 'Build context: the runtime bundle as gateway.mjs with its chunks/ (the gateway role among them), the packages it loads at run time under node_modules/ (PGlite, the embedded database) and the SQL migrations under prisma/. The gateway bundle arrives by ConfigMap.',
    },
    { op: 'FROM', image: baseImageRef(baseImage) },
    { op: 'WORKDIR', path: '/app' },
    { op: 'COPY', sources: ['gateway.mjs'], dest: '/app/gateway.mjs' },
    { op: 'COPY', sources: ['chunks'], dest: '/app/chunks' },
    { op: 'COPY', sources: ['node_modules'], dest: '/app/node_modules' },
    { op: 'COPY', sources: ['prisma'], dest: '/app/prisma' },
    {
      op: 'ENV',
      vars: [
        ['NODE_ENV', 'production'],
        ['RAKU_ROLE', 'gateway'],
      ],
    },
    { op: 'USER', uid: RUNTIME_UID, gid: RUNTIME_UID },
    { op: 'EXPOSE', port: 8080 },
    { op: 'ENTRYPOINT', argv: ['node', '/app/gateway.mjs'] },
  ];
  return [
    ['gateway/Dockerfile', renderDockerfile(dockerfile)],
    ['gateway/manifests.yaml', header(zone) + emitYamlDocuments(objects)],
  ];
}

/** The gateway container's limits unless its zone says otherwise. */
export const GATEWAY_LIMITS: Readonly<Record<'cpu' | 'memory', string>> = { cpu: '1', memory: '512Mi' };

/** `memoryLimit`: the container's, to size node's heap from (node-heap.ts); none when the workload sets its own. */
function runtimeEnv(
  zone: Zone,
  role: 'pack-server' | 'gateway',
  memoryLimit: string | undefined,
): EnvEntry[] {
  const heap = memoryLimit === undefined ? undefined : nodeHeapOptions(memoryLimit);
  const env: EnvEntry[] = [
    { name: 'RAKU_ROLE', value: role },
    { name: 'RAKU_ENVIRONMENT', value: zone.environment },
    { name: 'HOST', value: '0.0.0.0' },
    { name: 'PORT', value: '8080' },
    ...(heap ? [{ name: 'NODE_OPTIONS', value: heap }] : []),
  ];
  if (zone.network?.allowPrivateNetworks === true)
    env.push({ name: 'RAKU_ALLOW_PRIVATE_NETWORKS', value: 'true' });
  return env;
}

function gatewaySelector(zone: Zone): Record<string, string> {
  return selectorLabels(standardLabels({ name: GATEWAY_NAME, zone: zone.name, component: 'gateway' }));
}

function namespaceObjects(zone: Zone): K8sObject[] {
  const labels = { 'app.kubernetes.io/part-of': 'raku', 'app.kubernetes.io/managed-by': 'raku' };
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: zone.namespace,
        labels: {
          ...labels,
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
    },
    defaultDenyNetworkPolicy(zone.namespace, labels),
  ];
}

function dedupe(env: EnvEntry[]): EnvEntry[] {
  const seen = new Map(env.map((e) => [e.name, e]));
  return [...seen.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function checkConfigMapSize(zone: Zone, name: string, data: Record<string, string>): void {
  const size = Object.entries(data).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v), 0);
  if (size > MAX_CONFIGMAP_DATA) {
    throw new UserError(
      `zone "${zone.name}": ConfigMap ${name} would hold ${size} bytes; Kubernetes allows about 1 MiB (split the zone's packs into more groups or zones)`,
    );
  }
}
