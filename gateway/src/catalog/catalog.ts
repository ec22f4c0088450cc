/**
 * The catalog of the bundle in use (GET /v1/catalog): its packs and their tools as agents see them, the zones
 * of the pipeline that run each pack and at which version, and the third-party servers with each reviewed
 * tool's hash against its live definition as the route table last read it. Pure: the caller passes which
 * tools the viewer may see ('all' for admins).
 */
import type { GatewayBundle, PipelineZone } from '@raku/render';
import type {
  Catalog,
  CatalogPack,
  CatalogRemote,
  CatalogRemoteTool,
  CatalogTool,
  RemoteStatusView,
} from './types.ts';

type BundleTool = GatewayBundle['tools'][number];

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Every exposed tool name of the bundle (pack tools and remote tools exposed under their own name). */
export function exposedToolNames(bundle: GatewayBundle): string[] {
  return bundle.tools.map((t) => t.name);
}

export function buildCatalog(
  bundle: GatewayBundle,
  remotes: readonly RemoteStatusView[],
  visible: 'all' | ReadonlySet<string>,
): Catalog {
  const sees = (name: string) => visible === 'all' || visible.has(name);
  const packs = new Map<string, CatalogPack>();
  for (const tool of bundle.tools) {
    if (tool.source.kind !== 'pack' || !sees(tool.name)) continue;
    const { pack, version, workload } = tool.source;
    const key = `${pack}@${version}`;
    let entry = packs.get(key);
    if (!entry) {
      entry = { name: pack, version, workload, tools: [], zones: zonesRunning(bundle.pipeline, pack) };
      packs.set(key, entry);
    }
    entry.tools.push(catalogTool(tool, tool.source.tool));
  }
  return {
    zone: bundle.zone,
    environment: bundle.environment,
    revision: bundle.revision,
    packs: [...packs.values()].sort((a, b) => byName(a, b) || (a.version < b.version ? -1 : 1)),
    remotes: catalogRemotes(bundle, remotes, sees, visible === 'all'),
  };
}

function catalogTool(tool: BundleTool, inner: string): CatalogTool {
  const d = tool.definition;
  return {
    name: tool.name,
    tool: inner,
    title: d?.title ?? null,
    description: d?.description ?? '',
    inputSchema: (d?.inputSchema as Record<string, unknown> | undefined) ?? { type: 'object' },
    outputSchema: (d?.outputSchema as Record<string, unknown> | undefined) ?? null,
    annotations: d?.annotations ? { ...d.annotations } : null,
    sensitive: tool.sensitive,
    contentHash: tool.contentHash,
    source: d?.http ? { method: d.http.method, path: d.http.path, operationId: null } : null,
  };
}

/** The pipeline's zones whose workloads run `pack`, in pipeline order. Bundles without a pipeline: none. */
function zonesRunning(pipeline: readonly PipelineZone[] | undefined, pack: string): CatalogPack['zones'] {
  const out: CatalogPack['zones'] = [];
  for (const zone of pipeline ?? []) {
    for (const workload of zone.workloads) {
      const found = workload.packs.find((p) => p.name === pack);
      if (found) out.push({ zone: zone.name, environment: zone.environment, version: found.version });
    }
  }
  return out;
}

function catalogRemotes(
  bundle: GatewayBundle,
  statuses: readonly RemoteStatusView[],
  sees: (name: string) => boolean,
  /** The viewer holds the admin role: addresses and read errors are shown. */
  admin: boolean,
): CatalogRemote[] {
  // Which exposed names each remote tool serves: its own, or the pack tools it is a fallback for.
  const serves = new Map<string, string[]>();
  for (const route of bundle.routes) {
    for (const target of route.targets) {
      if (target.kind !== 'remote') continue;
      const key = `${target.remote}\0${target.tool}`;
      serves.set(key, [...(serves.get(key) ?? []), route.tool]);
    }
  }
  const status = new Map(statuses.map((s) => [s.remote, s]));
  const sensitive = new Set(bundle.tools.filter((t) => t.sensitive).map((t) => t.name));
  const out: CatalogRemote[] = [];
  for (const remote of [...bundle.remotes].sort(byName)) {
    const state = status.get(remote.name);
    const live = new Map(state?.tools.map((t) => [t.tool, t]) ?? []);
    const reviewed = new Map<string, string>();
    for (const route of bundle.routes)
      for (const t of route.targets)
        if (t.kind === 'remote' && t.remote === remote.name) reviewed.set(t.tool, t.descriptionSha256);
    const tools: CatalogRemoteTool[] = [];
    for (const [name, reviewedSha256] of [...reviewed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      // Only the names the caller may see: the others are tools policy hides from it.
      const servesAs = (serves.get(`${remote.name}\0${name}`) ?? []).filter(sees).sort();
      if (servesAs.length === 0) continue;
      const liveSha256 = live.get(name)?.live ?? null;
      const definition = live.get(name)?.definition;
      tools.push({
        name,
        servesAs,
        reviewedSha256,
        liveSha256,
        matches: state?.read ? liveSha256 === reviewedSha256 : null,
        checkedAt: state?.checkedAt ? state.checkedAt.toISOString() : null,
        // Shown only while it is the reviewed one: a changed definition's text is exactly what must not spread.
        definition:
          definition && liveSha256 === reviewedSha256
            ? {
                title: typeof definition.title === 'string' ? definition.title : null,
                description: typeof definition.description === 'string' ? definition.description : '',
                inputSchema: asObject(definition.inputSchema) ?? { type: 'object' },
                outputSchema: asObject(definition.outputSchema),
                annotations: asObject(definition.annotations),
              }
            : null,
        sensitive: servesAs.some((n) => sensitive.has(n)),
      });
    }
    if (tools.length === 0) continue;
    out.push({
      name: remote.name,
      url: admin ? remote.url : null,
      error: admin ? (state?.error ?? null) : null,
      tools,
    });
  }
  return out;
}

function asObject(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}
