import type { Remote, RepoModel, Tenant } from '@raku/config';
import { exposedToolName, secretEnvName, toolContentHash } from '@raku/config';
import { compilePolicies } from '@raku/policy';
import { buildPipeline } from './pipeline.ts';
import {
  BUNDLE_VERSION,
  type BundleRemote,
  type BundleRoute,
  type BundleTenant,
  type BundleTool,
  type GatewayBundle,
  type RouteTarget,
  TENANT_BUNDLE_VERSION,
} from './types.ts';
import { cmp, packServerUrl, resolveZone } from './workloads.ts';

/** Default call timeout of a third-party MCP server, as documented in zone.schema.json. */
export const DEFAULT_REMOTE_TIMEOUT_MS = 10_000;

export interface BuildBundleOptions {
  /** Config revision recorded in the bundle: the zone's (a digest of its rendered files) or, in local mode, the checkout's. */
  revision: string;
}

/**
 * Builds the gateway bundle of one zone from the repository model. Pure and deterministic: the same model,
 * zone and revision give a deep-equal bundle with every list sorted.
 *
 * Pack tools are routed to the zone's pack server first, then to the remote tools that declare
 * `fallbackFor` them. A remote tool with `fallbackFor` is only a fallback (it is not exposed under its own
 * name, so policies about the pack tool cover it); one without is exposed as '<remote>.<tool>'.
 *
 * Tenants: a tool of a pack that names a tenant carries that `tenant` (and so does its route); two tenants
 * may expose the same name, so tools and routes are sorted by name, then tenant (shared first). Remotes are
 * shared, and a remote fallback stands in only for the shared pack tool of its name, never for a tenant's
 * tool that happens to share it (the tenant did not choose that server). `tenants` lists the repository's
 * tenants; a repository without tenants gets a bundle without the key and without any `tenant` field, byte
 * for byte as before tenancy.
 */
export function buildBundle(model: RepoModel, zoneName: string, opts: BuildBundleOptions): GatewayBundle {
  const { zone, workloads } = resolveZone(model, zoneName);
  const z = zone.value;
  const tools: BundleTool[] = [];
  // Keyed by tenant and exposed name ('' = shared): names are unique per tenant view, not per bundle.
  const routes = new Map<string, { tool: string; tenant?: string; targets: RouteTarget[] }>();
  const routeKey = (tenant: string | undefined, name: string) => `${tenant ?? ''}\u0000${name}`;

  for (const workload of workloads) {
    for (const { pack } of workload.packs) {
      const p = pack.value;
      for (const tool of p.tools) {
        const name = exposedToolName(p, tool);
        const definition: NonNullable<BundleTool['definition']> = {
          description: tool.description,
          inputSchema: tool.inputSchema,
        };
        if (tool.http !== undefined) definition.http = tool.http;
        if (tool.a2a !== undefined) definition.a2a = tool.a2a;
        if (tool.title !== undefined) definition.title = tool.title;
        if (tool.outputSchema !== undefined) definition.outputSchema = tool.outputSchema;
        if (tool.annotations !== undefined) definition.annotations = tool.annotations;
        if (tool.timeoutMs !== undefined) definition.timeoutMs = tool.timeoutMs;
        if (tool.cache !== undefined) definition.cache = { ttlSeconds: tool.cache.ttlSeconds };
        const tenant = p.tenant === undefined ? {} : { tenant: p.tenant };
        tools.push({
          name,
          source: {
            kind: 'pack',
            pack: p.name,
            version: p.version,
            workload: workload.name,
            tool: tool.name,
          },
          definition,
          sensitive: tool.sensitive === true,
          contentHash: toolContentHash({ ...tool, name }),
          ...tenant,
        });
        routes.set(routeKey(p.tenant, name), {
          tool: name,
          ...tenant,
          targets: [
            {
              kind: 'pack',
              workload: workload.name,
              pack: p.name,
              version: p.version,
              tool: tool.name,
              url: packServerUrl(workload.name, z.namespace),
              ...(p.upstream.a2a
                ? { a2aCard: { url: p.upstream.a2a.cardUrl, sha256: p.upstream.a2a.cardSha256 } }
                : {}),
            },
          ],
        });
      }
    }
  }

  const remotes = [...(z.remotes ?? [])].sort((a, b) => cmp(a.name, b.name));
  for (const remote of remotes) {
    for (const tool of [...remote.tools].sort((a, b) => cmp(a.name, b.name))) {
      const target: RouteTarget = {
        kind: 'remote',
        remote: remote.name,
        tool: tool.name,
        descriptionSha256: tool.descriptionSha256,
      };
      if (tool.fallbackFor !== undefined) {
        // Validation guarantees the pack tool exists; a dangling fallback has nothing to stand in for.
        routes.get(routeKey(undefined, tool.fallbackFor))?.targets.push(target);
        continue;
      }
      const name = `${remote.name}.${tool.name}`;
      tools.push({
        name,
        source: { kind: 'remote', remote: remote.name, tool: tool.name },
        sensitive: tool.sensitive === true,
        contentHash: tool.descriptionSha256,
      });
      routes.set(routeKey(undefined, name), { tool: name, targets: [target] });
    }
  }

  const secretNames = new Set<string>();
  for (const workload of workloads) {
    for (const { pack } of workload.packs) {
      const packAuth = pack.value.upstream.auth;
      if (packAuth?.type === 'apiKey' && packAuth.name) secretNames.add(packAuth.name);
    }
  }
  for (const remote of remotes) if (remote.auth?.header) secretNames.add(remote.auth.header);

  const auth = z.gateway?.auth ?? {};
  return {
    bundleVersion: model.tenants.length > 0 ? TENANT_BUNDLE_VERSION : BUNDLE_VERSION,
    zone: z.name,
    environment: z.environment,
    namespace: z.namespace,
    revision: opts.revision,
    tools: tools.sort((a, b) => cmp(a.name, b.name) || cmp(a.tenant ?? '', b.tenant ?? '')),
    routes: [...routes.values()]
      .map(
        ({ tool, tenant, targets }): BundleRoute => ({
          tool,
          ...(tenant === undefined ? {} : { tenant }),
          environment: z.environment,
          targets,
        }),
      )
      .sort((a, b) => cmp(a.tool, b.tool) || cmp(a.tenant ?? '', b.tenant ?? '')),
    remotes: remotes.map(bundleRemote),
    policies: compilePolicies(model.policies, z.environment),
    ...(model.tenants.length > 0 && {
      tenants: model.tenants.map((t) => bundleTenant(t.value)).sort((a, b) => cmp(a.name, b.name)),
    }),
    auth: {
      ...(auth.issuer !== undefined && { issuer: auth.issuer }),
      ...(auth.audience !== undefined && { audience: auth.audience }),
      ...(auth.jwksUrl !== undefined && { jwksUrl: auth.jwksUrl }),
      groupsClaim: auth.groupsClaim ?? 'groups',
      agentClaim: auth.agentClaim ?? 'agent',
    },
    ...(z.gateway?.cors?.allowedOrigins?.length && {
      cors: { allowedOrigins: [...z.gateway.cors.allowedOrigins] },
    }),
    ...(z.gateway?.a2a?.enabled === true && { a2a: { enabled: true as const } }),
    ...(secretNames.size > 0 && { secretNames: [...secretNames].sort(cmp) }),
    pipeline: buildPipeline(model),
  };
}

/** A tenant as the gateway needs it: without owners and description, lists defaulted to empty. */
function bundleTenant(tenant: Tenant): BundleTenant {
  return {
    name: tenant.name,
    members: tenant.members.map((m) => ({ ...m })),
    admins: [...(tenant.admins ?? [])],
    approvers: [...(tenant.approvers ?? [])],
    shared: [...(tenant.shared ?? [])],
    ...(tenant.quotas && { quotas: { ...tenant.quotas } }),
  };
}

function bundleRemote(remote: Remote): BundleRemote {
  const timeoutMs = remote.timeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS;
  const type = remote.auth?.type ?? 'none';
  if (type === 'none') return { name: remote.name, url: remote.url, timeoutMs, auth: { type: 'none' } };
  const token = remote.auth?.token;
  return {
    name: remote.name,
    url: remote.url,
    timeoutMs,
    auth: {
      type,
      header: type === 'apiKey' ? (remote.auth?.header ?? 'X-API-Key') : 'Authorization',
      ...(token && { secretRef: { ...token.secretRef }, secretEnv: secretEnvName(token) }),
    },
  };
}

/**
 * The bundle as JSON text: one top-level key per line and one array element (tool, route, remote) per line.
 * Compact enough for a ConfigMap (Kubernetes caps one at 1 MiB) yet diffable line by line in a plan.
 */
export function serialiseBundle(bundle: GatewayBundle): string {
  const lines = Object.entries(bundle).map(([key, value]) => {
    const k = JSON.stringify(key);
    if (Array.isArray(value) && value.length > 0) {
      return `  ${k}: [\n${value.map((v) => `    ${JSON.stringify(v)}`).join(',\n')}\n  ]`;
    }
    return `  ${k}: ${JSON.stringify(value)}`;
  });
  return `{\n${lines.join(',\n')}\n}\n`;
}
