/**
 * The catalog and try-it (console part 2): GET /v1/catalog and POST /v1/tools/{tool}/call, for any signed-in
 * caller. The catalog is ../catalog's view of the bundle in use, filtered by what policy lets a non-admin see;
 * a call runs through the gateway's own pipeline (`deps.catalog`, built on its current state).
 */
import type express from 'express';
import { buildCatalog, exposedToolNames } from '../catalog/catalog.ts';
import { type CatalogCaller, type CatalogRuntime, UnknownToolError } from '../catalog/types.ts';
import { TENANT_HEADER } from '../tenancy/membership.ts';
import { ApiError, value } from './api-error.ts';
import { checkBody } from './request-validation.ts';
import type { RouteContext } from './types.ts';

/**
 * The tenant a catalog, Agents or try-it request acts in (X-Raku-Tenant as for /mcp); 403 when the caller may
 * not act in the one it named, or belongs to several and named none.
 */
export function requestTenant(
  catalog: CatalogRuntime,
  who: CatalogCaller,
  req: { headers: Record<string, string | string[] | undefined> },
): string {
  const requested = req.headers[TENANT_HEADER];
  const choice = catalog.tenantOf(who, typeof requested === 'string' ? requested : undefined);
  if (!choice.ok) throw new ApiError(403, 'forbidden', choice.message);
  return choice.tenant;
}

export function mountCatalogRoutes(router: express.Router, context: RouteContext): void {
  const { deps, caller, body } = context;
  const runtime = (): CatalogRuntime => {
    if (!deps.catalog || !deps.bundle)
      throw new ApiError(404, 'not_found', 'this gateway serves no tool catalog');
    return deps.catalog;
  };

  router.get('/v1/catalog', async (req, res) => {
    const who = await caller(req, false);
    const catalog = runtime();
    // Organisation admins see every tenant's packs; anyone else the view of the tenant it acts in.
    const tenant = who.admin ? undefined : requestTenant(catalog, who, req);
    const bundle = tenant === undefined ? deps.bundle!() : catalog.bundleOf(tenant);
    const visible =
      tenant === undefined ? 'all' : new Set(catalog.visibleTools(who, tenant, exposedToolNames(bundle)));
    res.json(buildCatalog(bundle, catalog.remotes(), visible));
  });

  router.post('/v1/tools/:tool/call', body, async (req, res) => {
    const who = await caller(req, false);
    const catalog = runtime();
    const tool = String(req.params['tool']);
    const request = value(checkBody<{ arguments: Record<string, unknown> }>('ToolCallRequest', req.body));
    const tenant = requestTenant(catalog, who, req);
    // The same answer for another tenant's tool as for no tool: its existence is not revealed.
    if (!catalog.bundleOf(tenant).tools.some((t) => t.name === tool))
      throw new ApiError(404, 'not_found', `tool ${tool} does not exist in this gateway's bundle`);
    // The call stops when the browser goes away, as an MCP call stops when its request is cancelled.
    const controller = new AbortController();
    const abort = () => controller.abort();
    res.on('close', abort);
    try {
      res.json(await catalog.callTool(tool, request.arguments, who, tenant, controller.signal));
    } catch (error) {
      if (error instanceof UnknownToolError) throw new ApiError(404, 'not_found', error.message);
      throw error;
    } finally {
      res.off('close', abort);
    }
  });
}
