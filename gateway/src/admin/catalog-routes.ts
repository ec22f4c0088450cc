/**
 * The catalog and try-it (console part 2): GET /v1/catalog and POST /v1/tools/{tool}/call, for any signed-in
 * caller. The catalog is ../catalog's view of the bundle in use, filtered by what policy lets a non-admin see;
 * a call runs through the gateway's own pipeline (`deps.catalog`, built on its current state).
 */
import type express from 'express';
import { buildCatalog, exposedToolNames } from '../catalog/catalog.ts';
import { type CatalogRuntime, UnknownToolError } from '../catalog/types.ts';
import { ApiError, value } from './api-error.ts';
import { checkBody } from './request-validation.ts';
import type { RouteContext } from './types.ts';

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
    const bundle = deps.bundle!();
    const visible = who.admin ? 'all' : new Set(catalog.visibleTools(who, exposedToolNames(bundle)));
    res.json(buildCatalog(bundle, catalog.remotes(), visible));
  });

  router.post('/v1/tools/:tool/call', body, async (req, res) => {
    const who = await caller(req, false);
    const catalog = runtime();
    const tool = String(req.params['tool']);
    const request = value(checkBody<{ arguments: Record<string, unknown> }>('ToolCallRequest', req.body));
    if (!deps.bundle!().tools.some((t) => t.name === tool))
      throw new ApiError(404, 'not_found', `tool ${tool} does not exist in this gateway's bundle`);
    // The call stops when the browser goes away, as an MCP call stops when its request is cancelled.
    const controller = new AbortController();
    const abort = () => controller.abort();
    res.on('close', abort);
    try {
      res.json(await catalog.callTool(tool, request.arguments, who, controller.signal));
    } catch (error) {
      if (error instanceof UnknownToolError) throw new ApiError(404, 'not_found', error.message);
      throw error;
    } finally {
      res.off('close', abort);
    }
  });
}
